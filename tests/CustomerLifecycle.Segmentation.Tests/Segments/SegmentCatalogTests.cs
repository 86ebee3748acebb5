using CustomerLifecycle.HealthScoring;
using static CustomerLifecycle.Segmentation.Tests.TestAccounts;

namespace CustomerLifecycle.Segmentation.Tests.Segments;

public sealed class SegmentCatalogTests
{
    private static Segment Seg(string name, string rule, int priority = 0, string? group = null) => new(name, SegmentRule.Parse(rule), priority, group);

    [Fact]
    public void Create_ReportsEveryProblemTogether_EachWithItsSegment()
    {
        var e = Assert.Throws<InvalidSegmentCatalogException>(() => SegmentCatalog.Create(
        [
            Seg("A", "segment(\"B\")"),
            Seg("B", "segment(\"C\") and true"),
            Seg("C", "not segment(\"a\")"),
            Seg("D", "segment(\"Nowhere\")"),
            Seg("Self", "segment(\"self\")"),
            Seg("d", "true"),
        ]));
        Assert.Equal(
        [
            "d: Two segments are named 'd' (names ignore case); keep one.",
            "D: The rule refers to segment(\"Nowhere\"), which is not defined.",
            "A: Segment references form a cycle: A → B → C → A. A segment cannot depend on itself.",
            "Self: Segment references form a cycle: Self → Self. A segment cannot depend on itself.",
        ], e.Errors.Select(x => x.ToString()));
        Assert.Contains("Nowhere", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void References_EvaluateTheReferencedRule_EvenWhenDefinedLater()
    {
        var catalog = SegmentCatalog.Create([Seg("Red", "health.color == Red"), Seg("RedAndBig", "segment(\"big\") and segment(\"Red\")", -1), Seg("Big", "contract.arr >= 100000", 5)]);
        var big = new SegmentSubject(Make(arr: 200_000m), Health(20, HealthColor.Red));
        Assert.True(catalog.Matches("RedAndBig", big, Today));
        Assert.False(catalog.Matches("RedAndBig", new SegmentSubject(Make(arr: 200_000m), Health(90, HealthColor.Green)), Today));
        Assert.Equal(["RedAndBig", "Red", "Big"], catalog.Segments.Select(s => s.Name));
    }

    [Fact]
    public void ExclusiveGroups_TakeTheFirstMatchByPriority_OthersOverlap()
    {
        var segments = new[] { Seg("Big", "contract.arr >= 50000", 2, "Size"), Seg("Any", "contract.arr >= 0", 3, "size"), Seg("Red", "health.color == Red", 1) };
        var subject = new SegmentSubject(Make(arr: 60_000m), Health(20, HealthColor.Red));

        var overlapping = SegmentCatalog.Create(segments);
        Assert.Equal(["Red", "Big"], overlapping.SegmentsOf(subject, Today).Select(s => s.Name));
        Assert.Equal(["Red", "Any"], overlapping.SegmentsOf(new SegmentSubject(Make(arr: 5m), Health(20, HealthColor.Red)), Today).Select(s => s.Name));
        Assert.True(overlapping.Matches("Any", subject, Today)); // the rule holds; the group keeps it out of membership

        var exclusive = SegmentCatalog.Create(segments, membership: SegmentMembershipMode.Exclusive);
        Assert.Equal(["Red"], exclusive.SegmentsOf(subject, Today).Select(s => s.Name));
        Assert.Equal(["Any"], exclusive.SegmentsOf(Make(arr: 5m), Today).Select(s => s.Name));
    }

    [Fact]
    public void MoreThan64Segments_UseMoreWordsPerAccount()
    {
        var catalog = SegmentCatalog.Create(Enumerable.Range(0, 130).Select(i => Seg("S" + i, $"contract.arr >= {i * 1000}", i)));
        Assert.Equal(3, catalog.WordsPerAccount);
        var evaluation = catalog.Evaluate([new SegmentSubject(Make("a", arr: 129_000m)), new SegmentSubject(Make("b", arr: 64_500m))], Today);
        Assert.Equal(130, evaluation.SegmentsOf(new AccountId("a")).Count);
        Assert.Equal(65, evaluation.SegmentsOf(new AccountId("b")).Count);
        Assert.True(evaluation.IsMember(new AccountId("b"), "S64"));
        Assert.False(evaluation.IsMember(new AccountId("b"), "S65"));
        Assert.Throws<ArgumentException>(() => catalog.Evaluate(Make(), Today, new ulong[2]));
    }

    [Fact]
    public void EvaluatingOneAccount_AllocatesNothing()
    {
        var catalog = SegmentCatalog.Default;
        var subject = new SegmentSubject(Make(signals: [(WellKnownSignals.Nps, 9), (WellKnownSignals.Logins30Days, 30)]), Health(40, HealthColor.Red), new HealthHistory([new(Today.PlusDays(-30), 60)]));
        Span<ulong> bits = stackalloc ulong[catalog.WordsPerAccount];
        catalog.Evaluate(subject, Today, bits);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            catalog.Evaluate(subject, Today, bits);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Arithmetic too: every operator, a division by zero and a missing operand.
        var arithmetic = SegmentCatalog.Create(
        [
            Seg("Drop", "signals.logins_30d < 0.5 * signals.nps - (signals.nps + 1) / 2", 0),
            Seg("ByZero", "signals.nps / (signals.nps - 9) > 0 or signals.csat * 2 > 1", 1),
        ]);
        Span<ulong> arithmeticBits = stackalloc ulong[arithmetic.WordsPerAccount];
        arithmetic.Evaluate(subject, Today, arithmeticBits);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            arithmetic.Evaluate(subject, Today, arithmeticBits);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadSubjects_AreRefusedNamingThePosition()
    {
        var e = Assert.Throws<ArgumentException>(() => SegmentCatalog.Default.Evaluate([new SegmentSubject(Make()), default], Today));
        Assert.Contains("index 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SegmentCatalog.Default.IndexOf("Nope"));
    }
}
