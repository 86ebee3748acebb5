using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Stages;

public sealed class StageMetricsTests
{
    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 1, 1, 0, 0));

    private LifecycleStageMachine Machine() => new(LifecycleStageModel.Default, new BusinessClock(_clock, DateTimeZone.Utc));

    /// <summary>Onboarding on day 0, Adoption on day 30, back to Onboarding on day 40, Adoption on day 45, Value on day 60.</summary>
    private StageHistory Journey(AccountId id, int firstValueDay = 60)
    {
        var m = Machine();
        var h = m.Start(id, DefaultLifecycleStages.Onboarding);
        _clock.AdvanceDays(30);
        h = m.MoveForward(h, DefaultLifecycleStages.Adoption, "dana");
        _clock.AdvanceDays(10);
        h = m.MoveBackward(h, DefaultLifecycleStages.Onboarding, "dana", "integration broke");
        _clock.AdvanceDays(5);
        h = m.MoveForward(h, DefaultLifecycleStages.Adoption, "dana");
        _clock.AdvanceDays(firstValueDay - 45);
        return m.MoveForward(h, DefaultLifecycleStages.ValueRealization, "dana");
    }

    [Fact]
    public void TimeInStage_SumsEveryVisit()
    {
        var h = Journey(new AccountId("a"));
        var now = h.EnteredCurrentStageAt + Duration.FromDays(7);
        Assert.Equal(Duration.FromDays(35), StageMetrics.TimeInStage(h, DefaultLifecycleStages.Onboarding, now));
        Assert.Equal(Duration.FromDays(25), StageMetrics.TimeInStage(h, DefaultLifecycleStages.Adoption, now));
        Assert.Equal(Duration.FromDays(7), StageMetrics.TimeInStage(h, DefaultLifecycleStages.ValueRealization, now));
        Assert.Equal(Duration.Zero, StageMetrics.TimeInStage(h, DefaultLifecycleStages.Advocacy, now));
    }

    [Fact]
    public void TimeInStage_NowBeforeLastMove_Throws()
    {
        var h = Journey(new AccountId("a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => StageMetrics.TimeInStage(h, DefaultLifecycleStages.Onboarding, h.StartedAt));
    }

    [Fact]
    public void TimeToOnboardAndFirstValue_MeasureFromFirstOnboardingEntry()
    {
        var h = Journey(new AccountId("a"));
        Assert.Equal(Duration.FromDays(30), StageMetrics.TimeToOnboard(h, LifecycleStageModel.Default));
        Assert.Equal(Duration.FromDays(60), StageMetrics.TimeToFirstValue(h, LifecycleStageModel.Default));
    }

    [Fact]
    public void TimeToFirstValue_NotYetReached_IsNull()
    {
        var h = Machine().Start(new AccountId("a"), DefaultLifecycleStages.Onboarding);
        Assert.Null(StageMetrics.TimeToFirstValue(h, LifecycleStageModel.Default));
        Assert.Null(StageMetrics.TimeToOnboard(h, LifecycleStageModel.Default));
    }

    [Fact]
    public void ActivationRate_CountsTheCohortThatReachedFirstValueInTime()
    {
        var start = _clock.GetCurrentInstant();
        var fast = Journey(new AccountId("fast"), firstValueDay: 60);
        _clock.Set(start);
        var slow = Journey(new AccountId("slow"), firstValueDay: 120);
        _clock.Set(start);
        var stuck = Machine().Start(new AccountId("stuck"), DefaultLifecycleStages.Onboarding);
        _clock.Set(start + Duration.FromDays(400));
        var later = Machine().Start(new AccountId("next-year"), DefaultLifecycleStages.Onboarding);

        var cohort = new Interval(start, start + Duration.FromDays(31));
        var result = StageMetrics.ActivationRate([fast, slow, stuck, later], LifecycleStageModel.Default, cohort, Duration.FromDays(90));

        Assert.Equal(new CohortActivation(3, 1), result);
        Assert.Equal(1.0 / 3, result.Rate);
    }

    [Fact]
    public void ActivationRate_EmptyCohort_HasNoRate()
    {
        var result = StageMetrics.ActivationRate([], LifecycleStageModel.Default, new Interval(Instant.MinValue, Instant.MaxValue), Duration.FromDays(90));
        Assert.Equal(0, result.CohortSize);
        Assert.Null(result.Rate);
    }

    [Fact]
    public void ActivationRate_DuplicateAccount_Throws()
    {
        var h = Machine().Start(new AccountId("a"), DefaultLifecycleStages.Onboarding);
        Assert.Throws<ArgumentException>(() => StageMetrics.ActivationRate([h, h], LifecycleStageModel.Default, new Interval(null, null), Duration.FromDays(1)));
    }
}
