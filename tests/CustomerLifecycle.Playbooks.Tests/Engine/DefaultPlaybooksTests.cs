using CustomerLifecycle.Events;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

public sealed class DefaultPlaybooksTests
{
    private static async Task<string[]> Run(PortfolioSnapshot? before, PortfolioSnapshot after, params LifecycleEvent[] events)
    {
        var engine = new PlaybookEngine(DefaultPlaybooks.All, new InMemoryPlaybookRunStore(), Clock());
        var result = await engine.EvaluateAsync(before, after, events);
        return [.. result.Created.SelectMany(r => r.Tasks.Select(t => $"{r.PlaybookId}: {t.Title} ({t.Owner}, {t.Channel}, {Period.DaysBetween(r.TriggeredOn, t.Due)}d)"))];
    }

    private static LifecycleEvent Event(string account, LifecycleEventType type, double? value = null) =>
        new() { Account = new AccountId(account), Type = type, Value = value, At = Instant.FromUtc(2026, 11, 3, 12, 0), Id = account + type.Name };

    [Fact]
    public async Task ChurnSave_CallsWithinAWeek_PlansWithinTwo_AndBringsAnExecutive()
    {
        var tasks = await Run(Portfolio(Day0, Snap("a", HealthColor.Yellow)), Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red)));
        Assert.Equal(
        [
            "churn-save: Call the customer about what changed (dana, Call, 7d)",
            "churn-save: Agree a save plan with the customer (dana, Meeting, 14d)",
            "churn-save: Bring in an executive sponsor (Executive, Meeting, 14d)",
        ], tasks);
        var tech = await Run(Portfolio(Day0, Snap("t", HealthColor.Yellow, segments: [DefaultSegments.TechTouch])), Portfolio(Day0.PlusDays(1), Snap("t", HealthColor.Red, segments: [DefaultSegments.TechTouch])));
        Assert.StartsWith("churn-save: Send the 'we are here to help' email with a booking link (Automation, Email, 0d)", tech[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateAndDateTriggers_StartTheirPlaybooks()
    {
        var before = Portfolio(Day0, Snap("grow", seatsActive: 70), Snap("renew", renewal: Day0.PlusDays(91)), Snap("idle"), Snap("new", stage: DefaultLifecycleStages.Conversion), Snap("gone", churnedOn: Day0.PlusMonths(-3).PlusDays(1)));
        var after = Portfolio(Day0.PlusDays(1), Snap("grow", seatsActive: 80), Snap("renew", renewal: Day0.PlusDays(91)), IdleFor30Days(), Snap("new", stage: DefaultLifecycleStages.Onboarding), Snap("gone", churnedOn: Day0.PlusMonths(-3).PlusDays(1)));
        var tasks = await Run(before, after);
        Assert.Contains("expansion: Hold an expansion conversation (dana, Call, 14d)", tasks);
        Assert.Contains("renewal-preparation: Hold a value review: outcomes delivered against the goals (dana, Meeting, 21d)", tasks);
        Assert.Contains("dormant-users: Send the re-engagement message (Automation, InApp, 0d)", tasks);
        Assert.Contains("onboarding: 30-day call: first value reached? (dana, Call, 30d)", tasks);
        Assert.Contains("win-back: Reach out with what has changed since they left (dana, Email, 0d)", tasks);
        Assert.Equal(5 + 2 + 2 + 2 + 1, tasks.Length);

        static AccountSnapshot IdleFor30Days()
        {
            var idle = Snap("idle");
            return new AccountSnapshot(idle.Account with { Signals = idle.Account.Signals.With(WellKnownSignals.DaysSinceLastLogin, 30) });
        }
    }

    [Fact]
    public async Task EventPlaybooks_AnswerNpsChampionsFeaturesAndSuccesses()
    {
        var now = Portfolio(Day0.PlusDays(1), Snap("p"), Snap("d"), Snap("c"), Snap("f"), Snap("s"));
        var tasks = await Run(null, now,
            Event("p", LifecycleEventType.NpsResponse, 10),
            Event("d", LifecycleEventType.NpsResponse, 3),
            Event("c", LifecycleEventType.ChampionLeft),
            Event("f", LifecycleEventType.FeatureReleased),
            Event("s", LifecycleEventType.FirstValue));
        Assert.Equal(
        [
            "nps-promoter: Thank them and ask for a review or a referral (dana, Email, 3d)",
            "nps-detractor: Call to understand the low score (dana, Call, 2d)",
            "nps-detractor: Close the loop: tell them what is being done (dana, Email, 14d)",
            "champion-left: Find and onboard a new champion (dana, Call, 3d)",
            "feedback-loop: Tell the customer their requested feature is live (dana, Email, 2d)",
            "advocacy-ask: Celebrate the success and ask for a testimonial or case study (dana, Call, 7d)",
        ], tasks);
    }

    [Fact]
    public void EveryDefaultPlaybook_IsDescribed_AndHasAPage()
    {
        Assert.Equal(11, DefaultPlaybooks.All.Count);
        var docs = Path.Combine(Testing.PublicApi.RepositoryRoot(), "docs", "playbooks");
        foreach (var playbook in DefaultPlaybooks.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(playbook.Description));
            Assert.True(File.Exists(Path.Combine(docs, playbook.Id + ".md")), $"docs/playbooks/{playbook.Id}.md is missing");
        }
    }
}
