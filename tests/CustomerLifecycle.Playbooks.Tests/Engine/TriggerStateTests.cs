using CustomerLifecycle.HealthScoring;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>The two cases of issue 14: exactly once must not depend on the earlier snapshot the host passes.</summary>
public sealed class TriggerStateTests
{
    private static readonly Playbook Exit = new("exit", "Left VIP", PlaybookTrigger.SegmentExited("VIP"), [Step("Ask why")]);

    [Fact]
    public async Task ARestartWithNoEarlierSnapshot_CreatesNoSecondRun_WhileTheStateHolds()
    {
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([Save], store, Clock());
        await engine.EvaluateAsync(Portfolio(Day0, Snap("a", HealthColor.Green)), Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red)));

        // "After a restart": a new engine on the same store, no earlier snapshot, the account still Red.
        var restarted = new PlaybookEngine([Save], store, Clock());
        var result = await restarted.EvaluateAsync(null, Portfolio(Day0.PlusDays(2), Snap("a", HealthColor.Red)));
        Assert.Empty(result.Created);
        Assert.Equal(["save|a|color:Red:2026-11-03"], store.AllRuns().Select(r => r.Id));

        // Green, then Red again: a second occurrence, a second run.
        await restarted.EvaluateAsync(null, Portfolio(Day0.PlusDays(3), Snap("a", HealthColor.Green)));
        Assert.Single((await restarted.EvaluateAsync(null, Portfolio(Day0.PlusDays(4), Snap("a", HealthColor.Red)))).Created);
        Assert.Equal(2, store.AllRuns().Count);
    }

    [Fact]
    public async Task OneChangeSeenOverTwoOverlappingDateSpans_IsOneRun()
    {
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([Save], store, Clock());
        var green = Portfolio(Day0, Snap("a", HealthColor.Green));
        var alsoGreen = Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Green));
        var red = Portfolio(Day0.PlusDays(2), Snap("a", HealthColor.Red));
        var stillRed = Portfolio(Day0.PlusDays(3), Snap("a", HealthColor.Red));

        Assert.Single((await engine.EvaluateAsync(green, red)).Created);
        Assert.Empty((await engine.EvaluateAsync(alsoGreen, stillRed)).Created); // used to create save|a|color:Red:2026-11-05
        Assert.Single(store.AllRuns());
    }

    [Fact]
    public async Task ASegmentExit_FiresOnceWhenAnAccountLeaves_AndNotForAccountsThatWereNeverIn()
    {
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([Exit], store, Clock());
        Assert.Empty((await engine.EvaluateAsync(null, Portfolio(Day0, Snap("in", segments: ["VIP"]), Snap("never")))).Created);
        Assert.Equal(["exit|in|segment:out:VIP:2026-11-03"], (await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), Snap("in"), Snap("never")))).Created.Select(r => r.Id));
        Assert.Empty((await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(2), Snap("in"), Snap("never")))).Created);
    }

    [Fact]
    public async Task AStoreThatKeptNoStateYet_TreatsAnOpenRunAsTheStateHeld()
    {
        // A store upgraded to keep trigger state: its open run stands for the state, so no second run starts.
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([Save], store, Clock());
        await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red)));
        await store.SetTriggerStatesAsync([new TriggerStateChange(new TriggerStateKey("save", new AccountId("a")), new TriggerState(false, Day0))]);
        Assert.Empty((await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red)))).Created);
        Assert.Equal(new TriggerState(true, Day0.PlusDays(1)), (await store.TriggerStatesAsync())[new TriggerStateKey("save", new AccountId("a"))]);
    }
}
