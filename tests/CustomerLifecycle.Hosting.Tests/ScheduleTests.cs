using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>When the daily run falls, in New York, across both daylight-saving changes (tz database).</summary>
public sealed class ScheduleTests
{
    private static readonly LocalTime Six = new(6, 0);

    [Fact]
    public void SixInTheMorning_IsSixLocal_OnBothSidesOfSpringForward()
    {
        // 2027-03-14: 02:00 EST becomes 03:00 EDT. 06:00 is 11:00 UTC before, 10:00 UTC after: 23 hours apart.
        var (first, at1) = PipelineSchedule.NextAfter(Instant.FromUtc(2027, 3, 13, 5, 0), Six, NewYork);
        var (second, at2) = PipelineSchedule.NextAfter(at1, Six, NewYork);
        Assert.Equal((new LocalDate(2027, 3, 13), Instant.FromUtc(2027, 3, 13, 11, 0)), (first, at1));
        Assert.Equal((new LocalDate(2027, 3, 14), Instant.FromUtc(2027, 3, 14, 10, 0)), (second, at2));
        Assert.Equal(Duration.FromHours(23), at2 - at1);
    }

    [Fact]
    public void ATimeTheClocksSkip_RunsAtTheEndOfTheGap_AndARepeatedOne_AtItsFirstOccurrence()
    {
        // 02:30 does not exist on 2027-03-14: the run is at 03:00 EDT (07:00 UTC).
        Assert.Equal(Instant.FromUtc(2027, 3, 14, 7, 0), PipelineSchedule.On(new LocalDate(2027, 3, 14), new LocalTime(2, 30), NewYork));

        // 01:30 happens twice on 2026-11-01: the first time, in EDT (05:30 UTC); the date runs once.
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 5, 30), PipelineSchedule.On(new LocalDate(2026, 11, 1), new LocalTime(1, 30), NewYork));
        var (date, at) = PipelineSchedule.NextAfter(Instant.FromUtc(2026, 11, 1, 5, 45), new LocalTime(1, 30), NewYork);
        Assert.Equal((new LocalDate(2026, 11, 2), Instant.FromUtc(2026, 11, 2, 6, 30)), (date, at));
    }

    [Fact]
    public void AtTheExactInstant_TheNextRunIsTomorrows()
    {
        var at = Instant.FromUtc(2026, 12, 2, 11, 0); // 06:00 EST
        Assert.Equal(new LocalDate(2026, 12, 3), PipelineSchedule.NextAfter(at, Six, NewYork).Date);
        Assert.Equal(new LocalDate(2026, 12, 2), PipelineSchedule.NextAfter(at - Duration.FromTicks(1), Six, NewYork).Date);
    }
}
