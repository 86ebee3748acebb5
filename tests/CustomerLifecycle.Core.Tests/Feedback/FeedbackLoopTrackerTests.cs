using CustomerLifecycle.Feedback;
using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Feedback;

public sealed class FeedbackLoopTrackerTests
{
    private readonly FakeClock _clock = FakeClock.AtDefaultStart();

    [Fact]
    public async Task ATrackerRestoredFromAStore_CarriesOnWhereTheOtherStopped()
    {
        var store = new InMemoryFeedbackStore();
        var first = new FeedbackLoopTracker(_clock);
        await store.SaveAsync(first.Submit("1", new AccountId("a"), "SSO please", "sso"));
        await store.SaveAsync(first.MoveTo("1", FeedbackStatus.UnderReview));

        var second = new FeedbackLoopTracker(_clock);
        second.Submit("stale", new AccountId("b"), "gone after the restore");
        second.Restore(await store.AllAsync());
        Assert.Equal(FeedbackStatus.Planned, second.MoveTo("1", FeedbackStatus.Planned).Status);
        Assert.Equal(1, second.Count);
        Assert.Throws<ArgumentException>(() => second.Restore([first.Get("1"), first.Get("1")]));
        Assert.Equal(FeedbackStatus.Planned, second.Get("1").Status);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SaveAsync(FeedbackItem.Submit("1", new AccountId("z"), "reused id", _clock.GetCurrentInstant())));
    }

    [Fact]
    public void Queries_FindOpenLoopsStaleItemsAndRequestersOfAFeature()
    {
        var tracker = new FeedbackLoopTracker(_clock);
        tracker.Submit("1", new AccountId("a"), "SSO please", "sso");
        tracker.Submit("2", new AccountId("b"), "SSO too", "SSO");
        tracker.Submit("3", new AccountId("a"), "Dark mode");
        _clock.AdvanceDays(1);
        tracker.MoveTo("1", FeedbackStatus.UnderReview);
        tracker.MoveTo("1", FeedbackStatus.Declined, "not this year");
        _clock.AdvanceDays(30);

        Assert.Equal(["1"], tracker.AwaitingFollowUp().Select(i => i.Id));
        Assert.Equal(["2", "3"], tracker.Stale(Duration.FromDays(14)).Select(i => i.Id));
        Assert.Equal(["1", "2"], tracker.ForFeature("sso").Select(i => i.Id));
        Assert.Equal(["1", "3"], tracker.ForAccount(new AccountId("a")).Select(i => i.Id));

        tracker.RecordFollowUp("1");
        Assert.Empty(tracker.AwaitingFollowUp());
    }

    [Fact]
    public void BadRequests_AreRefusedAndChangeNothing()
    {
        var tracker = new FeedbackLoopTracker(_clock);
        tracker.Submit("1", new AccountId("a"), "x");
        Assert.Throws<ArgumentException>(() => tracker.Submit("1", new AccountId("a"), "again"));
        Assert.Throws<KeyNotFoundException>(() => tracker.MoveTo("9", FeedbackStatus.UnderReview));
        Assert.Throws<IllegalFeedbackTransitionException>(() => tracker.MoveTo("1", FeedbackStatus.Released));
        Assert.Equal(FeedbackStatus.Submitted, tracker.Get("1").Status);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public async Task ConcurrentSubmissionsAndMoves_LoseNothingAndApplyEachMoveOnce()
    {
        var tracker = new FeedbackLoopTracker(_clock);
        const int Items = 2000;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = worker; i < Items; i += 4)
            {
                tracker.Submit("fb-" + i, new AccountId("acct-" + (i % 10)), "text " + i);
            }
        })));

        // Every item is reviewed by two racing workers: exactly one move succeeds per item.
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < Items; i++)
            {
                try
                {
                    tracker.MoveTo("fb-" + i, FeedbackStatus.UnderReview);
                }
                catch (IllegalFeedbackTransitionException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })));

        Assert.Equal(Items, tracker.Count);
        Assert.Equal(Items, refused);
        Assert.All(Enumerable.Range(0, Items), i => Assert.Single(tracker.Get("fb-" + i).Changes));
    }
}
