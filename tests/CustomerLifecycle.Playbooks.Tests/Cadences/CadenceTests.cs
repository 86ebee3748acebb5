using CustomerLifecycle.Feedback;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Playbooks.Tests.Cadences;

public sealed class CadenceTests
{
    private static readonly LocalDate Since = new(2026, 1, 31);

    private static Account Customer(string tier, decimal arr) => new()
    {
        Id = new AccountId("acme"),
        Name = "Acme",
        Tier = tier,
        CustomerSince = Since,
        Contract = new Contract(Since, Since.PlusYears(1), new Money(arr, "USD")),
        Signals = SignalSet.Create(new Signal(WellKnownSignals.Logins30Days, 120), new Signal(WellKnownSignals.OpenTickets, 2)),
    };

    private static string[] Plan(Account account, int months) =>
        [.. CustomerLifecycle.Playbooks.Cadences.Plan(account, new DateInterval(Since, Since.PlusMonths(months))).Select(i => $"{i.Date:MM-dd} {i.Kind}")];

    [Fact]
    public void LargeAccounts_GetQuarterlyReviews_SmallOnesTwiceAYear_StrategicOnesMonthlyExecutiveCheckIns()
    {
        var small = Plan(Customer("SMB", 5_000m), 12);
        Assert.Equal(["02-07 OnboardingCheckIn", "02-14 OnboardingCheckIn", "02-21 OnboardingCheckIn", "02-28 OnboardingCheckIn", "07-31 BusinessReview", "07-31 NpsSurvey", "01-31 BusinessReview", "01-31 NpsSurvey"], small);
        var large = Plan(Customer("SMB", 80_000m), 6).Where(i => i.EndsWith("BusinessReview", StringComparison.Ordinal));
        Assert.Equal(["04-30 BusinessReview", "07-31 BusinessReview"], large); // 31 Jan + 3 months = 30 Apr; + 6 months = 31 Jul
        var strategic = Plan(Customer("strategic", 1_000m), 3).Where(i => i.EndsWith("ExecutiveCheckIn", StringComparison.Ordinal));
        Assert.Equal(["02-28 ExecutiveCheckIn", "03-31 ExecutiveCheckIn", "04-30 ExecutiveCheckIn"], strategic);
        Assert.Empty(CustomerLifecycle.Playbooks.Cadences.Plan(new Account { Id = new AccountId("x"), Name = "x" }, new DateInterval(Since, Since.PlusYears(1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CadencePolicy { OnboardingCheckIns = 53 });
    }

    [Fact]
    public void FirstYearCalendar_HasTheMilestonesAndCadences()
    {
        var calendar = CustomerLifecycle.Playbooks.Cadences.FirstYear(Customer("Enterprise", 100_000m));
        Assert.Equal("01-31 Welcome and kickoff scheduling", $"{calendar[0].Date:MM-dd} {calendar[0].Title}");
        Assert.Contains(calendar, i => i.Title == "30-day call: first value reached?" && i.Date == Since.PlusDays(30));
        Assert.Contains(calendar, i => i.Title == "Renewal preparation: value review" && i.Date == Since.PlusYears(1).PlusDays(-90));
        Assert.Equal(3, calendar.Count(i => i.Kind == CadenceKind.BusinessReview)); // months 3, 6, 9 (month 12 is the next year)
        Assert.Equal(1, calendar.Count(i => i.Kind == CadenceKind.NpsSurvey));
        Assert.True(calendar.Zip(calendar.Skip(1)).All(p => p.First.Date <= p.Second.Date));
        Assert.Throws<ArgumentException>(() => CustomerLifecycle.Playbooks.Cadences.FirstYear(new Account { Id = new AccountId("x"), Name = "x" }));
    }

    [Fact]
    public void JourneyGaps_FindStagesWithoutOwnerOrTouchpoint_AndLongSilences()
    {
        var plan = new[]
        {
            new JourneyStagePlan(DefaultLifecycleStages.Onboarding, "Onboarding team", ["Kickoff", "Training"]),
            new JourneyStagePlan(DefaultLifecycleStages.Adoption, null, ["Webinar"]),
            new JourneyStagePlan(DefaultLifecycleStages.Expansion, "AM", []),
        };
        var gaps = JourneyGapAnalysis.StageGaps(LifecycleStageModel.Default, plan).Select(g => $"{g.Stage} {g.Kind}").ToArray();
        Assert.Contains("Adoption StageWithoutOwner", gaps);
        Assert.Contains("Expansion StageWithoutTouchpoint", gaps);
        Assert.Contains("Advocacy StageWithoutOwner", gaps);
        Assert.DoesNotContain(gaps, g => g.StartsWith("Onboarding", StringComparison.Ordinal) || g.StartsWith("Churned", StringComparison.Ordinal));

        var window = new DateInterval(new LocalDate(2026, 1, 1), new LocalDate(2026, 6, 30));
        var silences = JourneyGapAnalysis.Silences([new LocalDate(2026, 1, 20), new LocalDate(2026, 2, 10), new LocalDate(2026, 5, 1)], window, Period.FromDays(45));
        Assert.Equal(["2026-02-10..2026-05-01", "2026-05-01..2026-06-30"], silences.Select(s => $"{s.From:uuuu-MM-dd}..{s.To:uuuu-MM-dd}"));
        Assert.Contains("No touchpoint for 80 days", silences[0].Description, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => JourneyGapAnalysis.Silences([], window, Period.Zero));
    }

    [Fact]
    public void QbrPack_GathersGoalsMetricsIssuesAndTheNextQuarter()
    {
        var end = Customer("Enterprise", 100_000m);
        var start = end with { Signals = SignalSet.Create(new Signal(WellKnownSignals.Logins30Days, 80)) };
        var quarter = new DateInterval(new LocalDate(2026, 7, 1), new LocalDate(2026, 9, 30));
        var open = FeedbackItem.Submit("f1", end.Id, "Need SSO", Instant.FromUtc(2026, 8, 1, 0, 0));
        var done = FeedbackItem.Submit("f2", end.Id, "Dark mode", Instant.FromUtc(2026, 8, 1, 0, 0)).MoveTo(FeedbackStatus.Declined, Instant.FromUtc(2026, 8, 2, 0, 0));
        var task = new PlaybookTask("t", "r", "expansion", end.Id, "Hold an expansion conversation", "CSM", "dana", TaskChannel.Call, TaskPriority.Normal, new LocalDate(2026, 10, 12));
        var pack = QbrPack.Build(start, end, quarter, [new QbrGoal("Teams onboarded", 10, 7)], new HealthScore { Value = 60, ScorecardId = "x" }, new HealthScore { Value = 72, Color = HealthColor.Green, ScorecardId = "x" }, [open, done], [task]);
        Assert.Equal(0.7, pack.Goals[0].Progress);
        Assert.Equal(12, pack.HealthTrend);
        Assert.Equal(40, pack.Metrics.Single(m => m.Name == "logins_30d").Change);
        Assert.Null(pack.Metrics.Single(m => m.Name == "nps").Change);
        Assert.Equal(2, pack.OpenTickets);
        Assert.Equal(["f1"], pack.OpenFeedback.Select(f => f.Id));
        Assert.Equal(["2026-10-12 Hold an expansion conversation (dana)", "2026-10-31 Quarterly business review"], pack.NextQuarter);
        Assert.Throws<ArgumentException>(() => QbrPack.Build(null, end, quarter, [], null, null, [FeedbackItem.Submit("x", new AccountId("other"), "t", Instant.FromUtc(2026, 8, 1, 0, 0))], []));
    }
}
