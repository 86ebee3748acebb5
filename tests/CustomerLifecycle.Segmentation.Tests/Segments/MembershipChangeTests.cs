using CustomerLifecycle.HealthScoring;
using static CustomerLifecycle.Segmentation.Tests.TestAccounts;

namespace CustomerLifecycle.Segmentation.Tests.Segments;

public sealed class MembershipChangeTests
{
    private static readonly SegmentCatalog Catalog = SegmentCatalog.Create(
    [
        new Segment("Red", SegmentRule.Parse("health.color == Red")),
        new Segment("Big", SegmentRule.Parse("contract.arr >= 50000")),
    ]);

    [Fact]
    public void EvaluatingTwice_GivesWhoEnteredAndWhoExited()
    {
        var first = Catalog.Evaluate(
        [
            new SegmentSubject(Make("a", arr: 60_000m), Health(20, HealthColor.Red)),
            new SegmentSubject(Make("b", arr: 1_000m), Health(90, HealthColor.Green)),
            new SegmentSubject(Make("gone", arr: 70_000m), Health(90, HealthColor.Green)),
        ], Today);
        var second = Catalog.Evaluate(
        [
            new SegmentSubject(Make("a", arr: 60_000m), Health(80, HealthColor.Green)),
            new SegmentSubject(Make("b", arr: 1_000m), Health(10, HealthColor.Red)),
            new SegmentSubject(Make("new", arr: 90_000m), Health(10, HealthColor.Red)),
        ], Today.PlusDays(1));

        var changes = second.ChangesSince(first).Select(c => $"{c.Account} {c.Kind} {c.Segment} {c.Date:uuuu-MM-dd}");
        Assert.Equal(
        [
            "a Exited Red 2026-11-23",
            "b Entered Red 2026-11-23",
            "new Entered Big 2026-11-23",
            "new Entered Red 2026-11-23",
            "gone Exited Big 2026-11-23",
        ], changes);
        Assert.Empty(second.ChangesSince(second));
    }

    [Fact]
    public void Snapshot_RoundTripsThroughStorage_AndASegmentRemovedFromTheCatalogIsExited()
    {
        var evaluation = Catalog.Evaluate([new SegmentSubject(Make("a", arr: 60_000m), Health(20, HealthColor.Red))], Today);
        var snapshot = evaluation.ToSnapshot();
        var stored = snapshot.Members.ToDictionary(m => m.Key.Value, m => m.Value.ToArray());
        var restored = SegmentMembershipSnapshot.Create(Today, stored.Select(s => KeyValuePair.Create(new AccountId(s.Key), s.Value)).Append(KeyValuePair.Create(new AccountId("a2"), new[] { "Legacy" })));
        Assert.Equal(["Big", "Red"], restored.SegmentsOf(new AccountId("a")));
        Assert.Empty(evaluation.ChangesSince(snapshot));
        Assert.Equal(["a2 Exited Legacy"], evaluation.ChangesSince(restored).Select(c => $"{c.Account} {c.Kind} {c.Segment}"));
        Assert.Equal(2, evaluation.ChangesSince(SegmentMembershipSnapshot.Empty).Count);
        Assert.Throws<ArgumentException>(() => SegmentMembershipSnapshot.Create(null, [KeyValuePair.Create(new AccountId("x"), new[] { "A" }), KeyValuePair.Create(new AccountId("x"), new[] { "B" })]));
    }

    [Fact]
    public void DuplicateAccountIds_AreRefusedWhenChangesAreAsked()
    {
        var evaluation = Catalog.Evaluate([Make("a"), Make("a")], Today);
        var e = Assert.Throws<InvalidOperationException>(() => evaluation.ChangesSince(SegmentMembershipSnapshot.Empty));
        Assert.Contains("'a' appears twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_CountsAccountsAndArrPerCurrency_WithTheChange()
    {
        var first = Catalog.Evaluate(
        [
            new SegmentSubject(Make("a", arr: 60_000m, owner: "dana"), Health(20, HealthColor.Red)),
            new SegmentSubject(Make("b", arr: 1_000m, currency: "EUR", owner: "lee"), Health(90, HealthColor.Green)),
        ], Today).Summarize();
        Assert.Null(first.Total.AccountsChange);
        Assert.Equal(["60000 USD", "1000 EUR"], first.Total.Arr.Select(m => $"{m.Amount:0} {m.Currency.Code}").Reverse());

        var second = Catalog.Evaluate(
        [
            new SegmentSubject(Make("a", arr: 60_000m, owner: "lee"), Health(80, HealthColor.Green)),
            new SegmentSubject(Make("c", arr: 2_000m, currency: "EUR", owner: null)),
        ], Today.PlusDays(7)).Summarize(first);

        string Row(PortfolioSummaryRow r) => $"{r.Key ?? "-"}:{r.Accounts}({r.AccountsChange:+0;-0;0}) [{string.Join(" ", r.Arr.Select(m => $"{m.Amount:0}{m.Currency.Code}"))}] Δ[{string.Join(" ", r.ArrChange!.Select(m => $"{m.Amount:+0;-0;0}{m.Currency.Code}"))}]";
        Assert.Equal("Total:2(0) [2000EUR 60000USD] Δ[+1000EUR 0USD]", Row(second.Total));
        Assert.Equal(["Big:1(0) [60000USD] Δ[0USD]", "Red:0(-1) [] Δ[-60000USD]"], second.BySegment.Select(Row));
        Assert.Equal(["Red:0(-1) [] Δ[-60000USD]", "Yellow:0(0) [] Δ[]", "Green:1(0) [60000USD] Δ[-1000EUR +60000USD]", "-:1(+1) [2000EUR] Δ[+2000EUR]"], second.ByColor.Select(Row));
        Assert.Equal(["lee:1(0) [60000USD] Δ[-1000EUR +60000USD]", "dana:0(-1) [] Δ[-60000USD]", "-:1(+1) [2000EUR] Δ[+2000EUR]"], second.ByOwner.Select(Row));
        Assert.Equal(Today, second.PreviousDate);
    }

    [Fact]
    public void EmptyPortfolio_EvaluatesAndSummarizesToZero()
    {
        var evaluation = SegmentCatalog.Default.Evaluate(Array.Empty<SegmentSubject>(), Today);
        Assert.Equal(0, evaluation.Count);
        var summary = evaluation.Summarize();
        Assert.Equal(0, summary.Total.Accounts);
        Assert.All(summary.BySegment, r => Assert.Equal(0, r.Accounts));
        Assert.Empty(summary.ByOwner);
    }

    [Fact]
    public async Task ASnapshotStoredAndReadBack_GivesTheSameChanges_AndItsTextFormRefusesWhatIsNotNames()
    {
        var store = new InMemorySegmentSnapshotStore();
        var yesterday = Catalog.Evaluate([new SegmentSubject(Make("a", arr: 60_000m), Health(20, HealthColor.Red))], Today.PlusDays(-1));
        var today = Catalog.Evaluate([new SegmentSubject(Make("a", arr: 60_000m), Health(80, HealthColor.Green))], Today);
        await store.WriteAsync(yesterday.ToSnapshot());
        Assert.Equal(today.ChangesSince(yesterday), today.ChangesSince((await store.LatestAsync(Today.PlusDays(-1)))!));
        Assert.Null(await store.LatestAsync(Today.PlusDays(-2)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.WriteAsync(SegmentMembershipSnapshot.Empty));

        string[] names = ["At Risk", "High, touch", "say \"hi\""];
        Assert.Equal(names, SegmentMembershipSnapshot.DecodeSegments(SegmentMembershipSnapshot.EncodeSegments(names)));
        Assert.Empty(SegmentMembershipSnapshot.DecodeSegments(SegmentMembershipSnapshot.EncodeSegments([])));
        Assert.Throws<FormatException>(() => SegmentMembershipSnapshot.DecodeSegments("ok\u001F\u001Fempty name"));
    }
}
