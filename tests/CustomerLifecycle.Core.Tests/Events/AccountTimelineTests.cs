using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Events;

public sealed class AccountTimelineTests
{
    private static readonly AccountId Acme = new("acme");
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static LifecycleEvent Event(LifecycleEventType type, int day, string? id = null, double? value = null) =>
        new() { Account = Acme, Type = type, At = T0 + Duration.FromDays(day), Id = id, Value = value };

    [Fact]
    public void Add_KeepsTimeOrder_AndOrderOfArrivalForTies()
    {
        var timeline = AccountTimeline.Empty(Acme)
            .Add(Event(LifecycleEventType.QuarterlyBusinessReview, 90))
            .Add(Event(LifecycleEventType.Kickoff, 0))
            .Add(Event(LifecycleEventType.NpsResponse, 90, value: 9))
            .Add(Event(LifecycleEventType.GoLive, 45));
        Assert.Equal(
            [LifecycleEventType.Kickoff, LifecycleEventType.GoLive, LifecycleEventType.QuarterlyBusinessReview, LifecycleEventType.NpsResponse],
            timeline.Events.Select(e => e.Type));
    }

    [Fact]
    public void Queries_FilterByCategoryIntervalAndType()
    {
        var timeline = AccountTimeline.Create(Acme, [
            Event(LifecycleEventType.Kickoff, 0), Event(LifecycleEventType.NpsResponse, 30, value: 6),
            Event(LifecycleEventType.NpsResponse, 200, value: 10), Event(LifecycleEventType.Referral, 210)]);
        Assert.Equal(2, timeline.InCategory(LifecycleEventCategory.OngoingCollaboration).Count);
        Assert.Single(timeline.Within(new Interval(T0 + Duration.FromDays(200), T0 + Duration.FromDays(210))));
        Assert.Equal(10, timeline.LatestOf(LifecycleEventType.NpsResponse)!.Value);
        Assert.Null(timeline.LatestOf(LifecycleEventType.CaseStudy));
    }

    [Fact]
    public void Add_OtherAccountOrDuplicateId_IsRefusedAndTimelineUnchanged()
    {
        var timeline = AccountTimeline.Empty(Acme).Add(Event(LifecycleEventType.Kickoff, 0, id: "evt-1"));
        Assert.Throws<ArgumentException>(() => timeline.Add(Event(LifecycleEventType.GoLive, 1, id: "evt-1")));
        Assert.Throws<ArgumentException>(() => timeline.Add(Event(LifecycleEventType.GoLive, 1) with { Account = new AccountId("other") }));
        Assert.Single(timeline.Events);
    }

    [Fact]
    public void Event_NonFiniteValueOrDefaultType_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Event(LifecycleEventType.NpsResponse, 0, value: double.NaN));
        Assert.Throws<ArgumentException>(() => Event(default, 0));
    }

    [Fact]
    public void WellKnownTypes_CoverTheSevenCategories() =>
        Assert.Equal(
            Enum.GetValues<LifecycleEventCategory>(),
            new[]
            {
                LifecycleEventType.Kickoff, LifecycleEventType.FirstValue, LifecycleEventType.Upsell, LifecycleEventType.CaseStudy,
                LifecycleEventType.QuarterlyBusinessReview, LifecycleEventType.RenewalSigned, LifecycleEventType.OneOnOne,
            }.Select(t => t.Category));
}
