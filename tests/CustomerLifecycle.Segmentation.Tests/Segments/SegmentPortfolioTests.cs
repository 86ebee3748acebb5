using System.Globalization;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation.Tests.Rules;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using static CustomerLifecycle.Segmentation.Tests.TestAccounts;

namespace CustomerLifecycle.Segmentation.Tests.Segments;

/// <summary>
/// The columnar path (<see cref="SegmentPortfolio"/>, evaluated a block of 1,024 rows at a time) against the object
/// path, on random catalogs and portfolios whose sizes sit on the block and word edges.
/// </summary>
public sealed class SegmentPortfolioTests
{
    private static readonly SegmentRule[] BaseRules = [SegmentRule.Parse("tenure.days <= 90 or health.color == Red"), SegmentRule.Parse("signals.nps >= 9")];

    [Fact]
    public void ColumnsSetByHand_AndGatheredFromSubjects_GiveTheSameMembershipAndSummary_AsEvaluatingSubjects()
    {
        var gen = from today in SegmentationGenerators.Today()
                  from rules in Gen.ArrayOf(SegmentationGenerators.Rule(withReferences: true), 3)
                  from groups in Gen.ArrayOf(Gen.Elements<string?>(null, null, "g1", "g2"), 3)
                  from mode in Gen.Elements(SegmentMembershipMode.Overlapping, SegmentMembershipMode.Exclusive)
                  from subjects in Gen.NonEmptyListOf(
                      from account in SegmentationGenerators.Account(today)
                      from health in SegmentationGenerators.Health()
                      from history in SegmentationGenerators.History(today)
                      select new SegmentSubject(account, health, history))
                  from size in Gen.Elements(0, 1, 5, 63, 64, 65, 1023, 1024, 1025, 2113)
                  select (today, rules, groups, mode, subjects: Enumerable.Range(0, size).Select(i => subjects[i % subjects.Count]).ToArray());
        var property = Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var catalog = SegmentCatalog.Create(
                [
                    new Segment("Base1", BaseRules[0]),
                    new Segment("Base2", BaseRules[1]),
                    .. c.rules.Select((rule, i) => new Segment("Tested" + i.ToString(CultureInfo.InvariantCulture), rule, priority: i % 2, group: c.groups[i])),
                ],
                membership: c.mode);
            var expected = catalog.Evaluate(c.subjects, c.today);

            var byHand = ByHand(c.subjects, c.today, catalog);
            var gathered = SegmentPortfolio.FromSubjects(c.subjects, c.today, catalog);
            foreach (var actual in new[] { catalog.Evaluate(byHand), catalog.Evaluate(gathered) })
            {
                Assert.Equal(c.today, actual.Date);
                Assert.Equal(expected.Count, actual.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    for (var s = 0; s < catalog.Segments.Count; s++)
                    {
                        Assert.True(expected.IsMember(i, s) == actual.IsMember(i, s), $"row {i}, segment {catalog.Segments[s].Name}: expected {expected.IsMember(i, s)}");
                    }
                }

                Assert.Equal(Render(expected.Summarize()), Render(actual.Summarize()));
            }
        });
        Assert.Null(Record.Exception(() => property.Check(Config.QuickThrowOnFailure.WithMaxTest(500))));
    }

    [Fact]
    public void ARuleReadingAColumnThePortfolioLacks_IsRefused_NamingTheColumnAndTheSegment()
    {
        var catalog = SegmentCatalog.Create(
        [
            new Segment("Big", SegmentRule.Parse("contract.arr >= 50000 and tier == \"Enterprise\"")),
            new Segment("Quiet", SegmentRule.Parse("signals.logins_30d < 3 or tier is missing")),
        ]);
        var portfolio = new SegmentPortfolio(Today, [new AccountId("a")]);
        portfolio.SetNumbers(RuleOperand.Arr, [60_000]);

        var error = Assert.Throws<ArgumentException>(() => catalog.Evaluate(portfolio));

        Assert.Contains("'tier' (read by 'Big', 'Quiet')", error.Message, StringComparison.Ordinal);
        Assert.Contains("'signals.logins_30d' (read by 'Quiet')", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("contract.arr", error.Message, StringComparison.Ordinal);
        Assert.Equal([RuleOperand.Arr, RuleOperand.Tier, RuleOperand.ForSignal(WellKnownSignals.Logins30Days)], catalog.Operands);
    }

    [Fact]
    public void Columns_ComeFromTheUsageMatrixAndTheScorer_AndMissingCellsNeverMatch()
    {
        var catalog = SegmentCatalog.Create(
        [
            new Segment("Quiet", SegmentRule.Parse("signals.logins_30d < 3")),
            new Segment("NoData", SegmentRule.Parse("signals.logins_30d is missing")),
            new Segment("Red", SegmentRule.Parse("health.color == Red and stage.category == Customer")),
        ]);
        var portfolio = new SegmentPortfolio(Today, [new AccountId("a"), new AccountId("b"), new AccountId("c"), new AccountId("d")]);
        var signals = new SignalMatrix(4, [WellKnownSignals.Logins30Days]);
        signals[0, WellKnownSignals.Logins30Days] = 1;
        signals[1, WellKnownSignals.Logins30Days] = double.NaN; // written NaN: missing
        signals[2, WellKnownSignals.Logins30Days] = double.PositiveInfinity; // a value, not below 3
        portfolio.SetSignals(signals);
        portfolio.SetColors([HealthColor.Red, HealthColor.Red, null, HealthColor.Red]);
        portfolio.SetTexts(RuleOperand.Stage, ["Adoption", "Prospect", "Adoption", null]);

        var evaluation = catalog.Evaluate(portfolio);

        Assert.Equal([new AccountId("a")], evaluation.MembersOf("Quiet"));
        Assert.Equal([new AccountId("b"), new AccountId("d")], evaluation.MembersOf("NoData"));
        Assert.Equal([new AccountId("a")], evaluation.MembersOf("Red"));
        Assert.Equal(portfolio.Accounts, evaluation.Ids);
        Assert.Throws<InvalidOperationException>(() => evaluation.Accounts);
        var summary = Assert.Throws<InvalidOperationException>(() => evaluation.Summarize());
        Assert.Contains("'contract.arr', 'contract.currency', 'owner' columns", summary.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadColumns_AreRefused_NamingTheColumnTheRowAndTheRule()
    {
        var portfolio = new SegmentPortfolio(Today, [new AccountId("a"), new AccountId("b")]);

        Assert.Contains("'contract.arr' at row 1 (account 'b') is -5; ARR is from zero", Assert.Throws<ArgumentException>(() => portfolio.SetNumbers(RuleOperand.Arr, [1, -5])).Message, StringComparison.Ordinal);
        Assert.Contains("is Infinity; ARR is from zero", Assert.Throws<ArgumentException>(() => portfolio.SetNumbers(RuleOperand.Arr, [double.PositiveInfinity, 1])).Message, StringComparison.Ordinal);
        Assert.Contains("needs 2 values, one per account; got 1", Assert.Throws<ArgumentException>(() => portfolio.SetNumbers(RuleOperand.Arr, [1])).Message, StringComparison.Ordinal);
        Assert.Contains("is a signal", Assert.Throws<ArgumentException>(() => portfolio.SetNumbers(RuleOperand.DaysSinceLastLogin, [1, 2])).Message, StringComparison.Ordinal);
        Assert.Contains("not a valid stage id", Assert.Throws<ArgumentException>(() => portfolio.SetTexts(RuleOperand.Stage, ["Adoption", "no spaces"])).Message, StringComparison.Ordinal);
        Assert.Contains("not a valid ISO 4217", Assert.Throws<ArgumentException>(() => portfolio.SetTexts(RuleOperand.Currency, ["usd!", null])).Message, StringComparison.Ordinal);
        Assert.Contains("SetColors", Assert.Throws<ArgumentException>(() => portfolio.SetTexts(RuleOperand.HealthColor, ["Red", "Red"])).Message, StringComparison.Ordinal);
        Assert.Contains("has 3 rows", Assert.Throws<ArgumentException>(() => portfolio.SetSignals(new SignalMatrix(3, []))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SegmentPortfolio(Today, [default]));
        Assert.False(portfolio.HasColumn(RuleOperand.Arr));
    }

    /// <summary>The columns a catalog and a summary read, set through the public setters from an independent reading of each operand.</summary>
    private static SegmentPortfolio ByHand(SegmentSubject[] subjects, LocalDate today, SegmentCatalog catalog)
    {
        var portfolio = new SegmentPortfolio(today, subjects.Select(s => s.Account.Id).ToArray());
        RuleOperand[] summary = [RuleOperand.Arr, RuleOperand.Currency, RuleOperand.Owner, RuleOperand.HealthColor, RuleOperand.Stage];
        var signals = new List<SignalKey>();
        foreach (var operand in catalog.Operands.Concat(summary).Distinct())
        {
            if (operand.Kind is RuleOperandKind.Signal or RuleOperandKind.DaysSinceLastLogin)
            {
                signals.Add(operand.Kind == RuleOperandKind.Signal ? operand.Signal : WellKnownSignals.DaysSinceLastLogin);
            }
            else if (operand.Kind == RuleOperandKind.HealthColor)
            {
                portfolio.SetColors(subjects.Select(s => s.Health?.Color).ToArray());
            }
            else if (operand.Kind == RuleOperandKind.StageCategory)
            {
                continue;
            }
            else if (operand.ValueType == RuleValueType.Text)
            {
                portfolio.SetTexts(operand, subjects.Select(s => (string?)RuleInterpreter.Read(operand, s, today)).ToArray());
            }
            else
            {
                portfolio.SetNumbers(operand, subjects.Select(s => (double?)RuleInterpreter.Read(operand, s, today) ?? double.NaN).ToArray());
            }
        }

        var matrix = new SignalMatrix(subjects.Length, signals.Distinct());
        foreach (var key in signals.Distinct())
        {
            for (var i = 0; i < subjects.Length; i++)
            {
                if (subjects[i].Account.Signals[key] is { } value)
                {
                    matrix[i, key] = value;
                }
            }
        }

        portfolio.SetSignals(matrix);
        return portfolio;
    }

    private static string Render(PortfolioSummary summary) =>
        string.Join("\n", new[] { summary.Total }.Concat(summary.BySegment).Concat(summary.ByColor).Concat(summary.ByOwner)
            .Select(r => $"{r.Key}:{r.Accounts}:{string.Join(" ", r.Arr.Select(m => $"{m.Amount}{m.Currency.Code}"))}"));
}
