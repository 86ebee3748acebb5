using CustomerLifecycle.Events;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

public sealed class TriggerTests
{
    private static async Task<string[]> Runs(PlaybookTrigger trigger, PortfolioSnapshot? before, PortfolioSnapshot after, params LifecycleEvent[] events)
    {
        var engine = new PlaybookEngine([new Playbook("p", "P", trigger, [Step("do it")])], new InMemoryPlaybookRunStore(), Clock());
        var result = await engine.EvaluateAsync(before, after, events);
        return [.. result.Created.Select(r => $"{r.Account}@{r.TriggeredOn:MM-dd}")];
    }

    [Fact]
    public async Task HealthColorChange_FiresWhenTheColorTurns()
    {
        var trigger = PlaybookTrigger.HealthTurned(HealthColor.Red);
        var before = Portfolio(Day0, Snap("a", HealthColor.Green), Snap("b", HealthColor.Red), Snap("c", HealthColor.Yellow));
        var after = Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red), Snap("b", HealthColor.Red), Snap("c", HealthColor.Green), Snap("new", HealthColor.Red));
        Assert.Equal(["a@11-03", "new@11-03"], await Runs(trigger, before, after));
    }

    [Fact]
    public async Task SegmentEnteredAndExited_FireOnMembershipChanges()
    {
        var before = Portfolio(Day0, Snap("a", segments: ["AtRisk"]), Snap("b"));
        var after = Portfolio(Day0.PlusDays(1), Snap("a"), Snap("b", segments: ["atrisk"]));
        Assert.Equal(["b@11-03"], await Runs(PlaybookTrigger.SegmentEntered("AtRisk"), before, after));
        Assert.Equal(["a@11-03"], await Runs(PlaybookTrigger.SegmentExited("AtRisk"), before, after));
    }

    [Fact]
    public async Task StageEntered_FiresOnTheMove()
    {
        var before = Portfolio(Day0, Snap("a", stage: DefaultLifecycleStages.Onboarding), Snap("b", stage: DefaultLifecycleStages.Expansion));
        var after = Portfolio(Day0.PlusDays(1), Snap("a", stage: DefaultLifecycleStages.Expansion), Snap("b", stage: DefaultLifecycleStages.Expansion));
        Assert.Equal(["a@11-03"], await Runs(PlaybookTrigger.StageEntered(DefaultLifecycleStages.Expansion), before, after));
    }

    [Fact]
    public async Task SignalAndSeatThresholds_FireWhenCrossed_NotWhileAbove()
    {
        var before = Portfolio(Day0, Snap("a", seatsActive: 70), Snap("b", seatsActive: 80), Snap("c"));
        var after = Portfolio(Day0.PlusDays(1), Snap("a", seatsActive: 75), Snap("b", seatsActive: 90), Snap("c", seatsActive: 76));
        Assert.Equal(["a@11-03", "c@11-03"], await Runs(PlaybookTrigger.SeatUtilizationAtLeast(0.75), before, after));
        Assert.Equal(["a@11-03", "c@11-03"], await Runs(PlaybookTrigger.SignalCrossed(WellKnownSignals.ActiveSeats, ComparisonOperator.GreaterThanOrEqual, 75), before, after));
    }

    [Fact]
    public async Task LifecycleEvents_FireOncePerEvent_WithinTheirValueRange()
    {
        var now = Portfolio(Day0.PlusDays(1), Snap("a"), Snap("b"));
        LifecycleEvent Nps(string account, double score, string id) => new() { Account = new AccountId(account), Type = LifecycleEventType.NpsResponse, At = Instant.FromUtc(2026, 11, 3, 10, 0), Value = score, Id = id };
        var promoters = PlaybookTrigger.EventOccurred(LifecycleEventType.NpsResponse, minValue: 9);
        Assert.Equal(["a@11-03"], await Runs(promoters, null, now, Nps("a", 10, "e1"), Nps("b", 6, "e2")));
        var champion = new LifecycleEvent { Account = new AccountId("b"), Type = LifecycleEventType.ChampionLeft, At = Instant.FromUtc(2026, 11, 2, 23, 0) };
        Assert.Equal(["b@11-02"], await Runs(PlaybookTrigger.EventOccurred(LifecycleEventType.ChampionLeft), null, now, champion));
    }

    [Fact]
    public async Task DateTriggers_FireWhenTheWindowPassesTheDate()
    {
        var renewal = Day0.PlusDays(95);
        var before = Portfolio(Day0, Snap("a", renewal: renewal), Snap("b", since: Day0.PlusDays(-29)), Snap("c", churnedOn: Day0.PlusMonths(-3)));
        var after = Portfolio(Day0.PlusDays(7), Snap("a", renewal: renewal), Snap("b", since: Day0.PlusDays(-29)), Snap("c", churnedOn: Day0.PlusMonths(-3)));
        Assert.Equal(["a@11-07"], await Runs(PlaybookTrigger.DateReached(DateAnchor.RenewalDate, Period.FromDays(-90)), before, after));
        Assert.Equal(["b@11-03"], await Runs(PlaybookTrigger.DateReached(DateAnchor.CustomerSince, Period.FromDays(30)), before, after));
        Assert.Empty(await Runs(PlaybookTrigger.DateReached(DateAnchor.ChurnedOn, Period.FromMonths(3)), before, after)); // passed on Day0 itself, before the window
        Assert.Equal(["c@11-02"], await Runs(PlaybookTrigger.DateReached(DateAnchor.ChurnedOn, Period.FromMonths(3)), null, Portfolio(Day0, Snap("c", churnedOn: Day0.PlusMonths(-3)))));
    }

    [Fact]
    public async Task Conditions_NarrowByTierAndSegment_AndVariantsFollowTheTouchModel()
    {
        var playbook = new Playbook("p", "P", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("CSM call")])
        {
            Tiers = ["Enterprise", "Mid"],
            Variants = new Dictionary<string, IReadOnlyList<PlaybookStep>> { ["TechTouch"] = [Step("Automated email", channel: TaskChannel.Email, role: "Automation")] },
        };
        var engine = new PlaybookEngine([playbook], new InMemoryPlaybookRunStore(), Clock());
        var after = Portfolio(Day0, Snap("ent", HealthColor.Red, tier: "enterprise"), Snap("tech", HealthColor.Red, tier: "Mid", segments: ["TechTouch"]), Snap("smb", HealthColor.Red, tier: "SMB"));
        var result = await engine.EvaluateAsync(null, after);
        Assert.Equal(["ent: CSM call by dana (Call)", "tech: Automated email by Automation (Email)"], result.Created.SelectMany(r => r.Tasks).Select(t => $"{t.Account}: {t.Title} by {t.Owner} ({t.Channel})"));
    }
}
