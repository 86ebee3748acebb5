using CustomerLifecycle.Feedback;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Feedback;

public sealed class FeedbackItemTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static FeedbackItem Item() => FeedbackItem.Submit("fb-1", new AccountId("acme"), "Please add SSO", T0, feature: "sso");

    [Fact]
    public void HappyPath_ClosesTheLoopAfterReleaseAndFollowUp()
    {
        var item = Item()
            .MoveTo(FeedbackStatus.UnderReview, T0 + Duration.FromDays(1))
            .MoveTo(FeedbackStatus.Planned, T0 + Duration.FromDays(5), "Q3 roadmap")
            .MoveTo(FeedbackStatus.Released, T0 + Duration.FromDays(90));
        Assert.True(item.IsResolved);
        Assert.False(item.IsLoopClosed);
        item = item.RecordFollowUp(T0 + Duration.FromDays(91));
        Assert.True(item.IsLoopClosed);
        Assert.Equal(3, item.Changes.Count);
    }

    [Fact]
    public void Restore_ReplaysTheStoredChanges_AndRefusesAHistoryTheRulesDoNotAllow()
    {
        var item = Item().MoveTo(FeedbackStatus.UnderReview, T0.PlusTicks(1), "triaged").MoveTo(FeedbackStatus.Declined, T0 + Duration.FromDays(1)).RecordFollowUp(T0 + Duration.FromDays(2));
        var restored = FeedbackItem.Restore(item.Id, item.Account, item.Text, item.SubmittedAt, item.Feature, item.Changes, item.FollowedUpAt);
        Assert.Equal((item.Status, item.FollowedUpAt, item.IsLoopClosed), (restored.Status, restored.FollowedUpAt, restored.IsLoopClosed));
        Assert.Equal(item.Changes, restored.Changes);

        FeedbackStatusChange[] skipped = [new(FeedbackStatus.Submitted, FeedbackStatus.Released, T0, null)];
        Assert.Contains("Stored feedback 'fb-1' cannot be restored", Assert.Throws<ArgumentException>(() => FeedbackItem.Restore("fb-1", item.Account, item.Text, T0, null, skipped, null)).Message, StringComparison.Ordinal);
        FeedbackStatusChange[] broken = [new(FeedbackStatus.UnderReview, FeedbackStatus.Planned, T0, null)];
        Assert.Contains("leaves UnderReview, but the item was Submitted", Assert.Throws<ArgumentException>(() => FeedbackItem.Restore("fb-1", item.Account, item.Text, T0, null, broken, null)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FeedbackItem.Restore("fb-1", item.Account, item.Text, T0, null, [], T0)); // followed up while still open
    }

    [Fact]
    public void IllegalMove_ThrowsNamingTheAllowedMoves()
    {
        var ex = Assert.Throws<IllegalFeedbackTransitionException>(() => Item().MoveTo(FeedbackStatus.Released, T0));
        Assert.Contains("UnderReview, Declined", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FollowUp_BeforeResolution_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => Item().RecordFollowUp(T0));

    /// <summary>Whatever moves are requested, an item only ever takes moves its status machine allows.</summary>
    [Fact]
    public void AnySequenceOfMoves_FollowsTheStatusMachine()
    {
        Prop.ForAll(Gen.ListOf(Gen.Elements(Enum.GetValues<FeedbackStatus>())).ToArbitrary(), requests =>
        {
            var item = Item();
            var at = T0;
            foreach (var status in requests)
            {
                at += Duration.FromHours(1);
                var before = item;
                try
                {
                    item = item.MoveTo(status, at);
                }
                catch (IllegalFeedbackTransitionException)
                {
                    if (FeedbackItem.AllowedNext(before.Status).Contains(status))
                    {
                        return false;
                    }
                }
            }

            return item.Changes.All(c => FeedbackItem.AllowedNext(c.From).Contains(c.To));
        }).QuickCheckThrowOnFailure();
    }
}
