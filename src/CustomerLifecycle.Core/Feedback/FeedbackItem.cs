using NodaTime;

namespace CustomerLifecycle.Feedback;

/// <summary>
/// A piece of customer feedback and its journey to a close: submitted, reviewed, planned, released or declined,
/// and followed up with the customer. The loop is closed only when the customer has been told the outcome.
/// </summary>
/// <remarks>This type is immutable and thread-safe: each move returns a new item.</remarks>
public sealed class FeedbackItem
{
    private static readonly FeedbackStatus[][] Next =
    [
        [FeedbackStatus.UnderReview, FeedbackStatus.Declined], // Submitted
        [FeedbackStatus.Planned, FeedbackStatus.Declined],     // UnderReview
        [FeedbackStatus.Released, FeedbackStatus.Declined],    // Planned
        [],                                                    // Released
        [],                                                    // Declined
    ];

    private FeedbackItem(string id, AccountId account, string text, string? feature, Instant submittedAt, FeedbackStatus status, FeedbackStatusChange[] changes, Instant? followedUpAt)
    {
        Id = id;
        Account = account;
        Text = text;
        Feature = feature;
        SubmittedAt = submittedAt;
        Status = status;
        Changes = changes;
        FollowedUpAt = followedUpAt;
    }

    /// <summary>The item's identifier.</summary>
    public string Id { get; }

    /// <summary>The account that gave the feedback.</summary>
    public AccountId Account { get; }

    /// <summary>What the customer said.</summary>
    public string Text { get; }

    /// <summary>The feature the feedback asks for, if any; used to find whom to tell when it is released.</summary>
    public string? Feature { get; }

    /// <summary>When it was submitted.</summary>
    public Instant SubmittedAt { get; }

    /// <summary>The current status.</summary>
    public FeedbackStatus Status { get; }

    /// <summary>Every status move, oldest first.</summary>
    public IReadOnlyList<FeedbackStatusChange> Changes { get; }

    /// <summary>When the customer was told the outcome, or null.</summary>
    public Instant? FollowedUpAt { get; }

    /// <summary>True once the item is released or declined.</summary>
    public bool IsResolved => Status is FeedbackStatus.Released or FeedbackStatus.Declined;

    /// <summary>True once the item is resolved and the customer has been told.</summary>
    public bool IsLoopClosed => IsResolved && FollowedUpAt is not null;

    /// <summary>When the status last changed (the submission, if it never did).</summary>
    public Instant LastChangedAt => Changes.Count == 0 ? SubmittedAt : Changes[^1].At;

    /// <summary>Records new feedback.</summary>
    /// <param name="id">The item's identifier.</param>
    /// <param name="account">The account that gave it.</param>
    /// <param name="text">What the customer said; not blank.</param>
    /// <param name="submittedAt">When.</param>
    /// <param name="feature">The feature asked for, if any.</param>
    /// <exception cref="ArgumentException">The id or text is blank, or the account is default.</exception>
    public static FeedbackItem Submit(string id, AccountId account, string text, Instant submittedAt, string? feature = null)
    {
        AccountId.Validate(id, nameof(id));
        if (account.IsEmpty)
        {
            throw new ArgumentException($"Feedback '{id}' needs an account; default(AccountId) names none.", nameof(account));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"Feedback '{id}' has no text.", nameof(text));
        }

        // Kept by the stores: text they could not keep exactly is refused here, not changed on disk.
        if ((StoredText.Problem("Text", text) ?? (feature is null ? null : StoredText.Problem("Feature", feature))) is { } problem)
        {
            throw new ArgumentException($"Feedback '{id}': {problem}", feature is not null && StoredText.IndexOfProblem(text) < 0 ? nameof(feature) : nameof(text));
        }

        return new FeedbackItem(id, account, text, string.IsNullOrWhiteSpace(feature) ? null : feature, submittedAt, FeedbackStatus.Submitted, [], null);
    }

    /// <summary>
    /// Rebuilds a stored item by replaying its changes and follow-up through the same rules as when it was made, so a
    /// store can never hand back an item the rules would not allow.
    /// </summary>
    /// <param name="id">The item's id.</param>
    /// <param name="account">The account.</param>
    /// <param name="text">What the customer said.</param>
    /// <param name="submittedAt">When it was submitted.</param>
    /// <param name="feature">The feature it is about, if any.</param>
    /// <param name="changes">Its status changes, oldest first.</param>
    /// <param name="followedUpAt">When the loop was closed with the customer, if it was.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentException">A field is not valid, or a change does not follow from the one before; the message names the item.</exception>
    public static FeedbackItem Restore(string id, AccountId account, string text, Instant submittedAt, string? feature, IEnumerable<FeedbackStatusChange> changes, Instant? followedUpAt)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var item = Submit(id, account, text, submittedAt, feature);
        try
        {
            foreach (var change in changes)
            {
                if (change.From != item.Status)
                {
                    throw new ArgumentException($"a change leaves {change.From}, but the item was {item.Status}.");
                }

                item = item.MoveTo(change.To, change.At, change.Note);
            }

            return followedUpAt is { } at ? item.RecordFollowUp(at) : item;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"Stored feedback '{id}' cannot be restored: {e.Message}", nameof(changes), e);
        }
    }

    /// <summary>The statuses an item in <paramref name="status"/> may move to.</summary>
    /// <param name="status">The current status.</param>
    public static IReadOnlyList<FeedbackStatus> AllowedNext(FeedbackStatus status) =>
        (uint)status < (uint)Next.Length ? Next[(int)status] : [];

    /// <summary>Moves the item to another status.</summary>
    /// <param name="status">The status to enter; allowed from the current one.</param>
    /// <param name="at">When; not before the last change.</param>
    /// <param name="note">Why, or what was decided.</param>
    /// <returns>The moved item.</returns>
    /// <exception cref="IllegalFeedbackTransitionException">The status machine does not allow the move.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the last change.</exception>
    public FeedbackItem MoveTo(FeedbackStatus status, Instant at, string? note = null)
    {
        if (Array.IndexOf(Next[(int)Status], status) < 0)
        {
            throw new IllegalFeedbackTransitionException(Id, Status, status);
        }

        if (at < LastChangedAt)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"Feedback '{Id}' cannot move to {status} at {at}, before its last change at {LastChangedAt}.");
        }

        if (note is not null && StoredText.Problem("Note", note) is { } problem)
        {
            throw new ArgumentException($"Feedback '{Id}': {problem}", nameof(note));
        }

        FeedbackStatusChange[] changes = [.. Changes, new FeedbackStatusChange(Status, status, at, note)];
        return new FeedbackItem(Id, Account, Text, Feature, SubmittedAt, status, changes, FollowedUpAt);
    }

    /// <summary>Records that the customer was told the outcome, closing the loop.</summary>
    /// <param name="at">When; not before the resolution.</param>
    /// <returns>The closed item.</returns>
    /// <exception cref="InvalidOperationException">The item is not resolved yet, or was already followed up.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the resolution.</exception>
    public FeedbackItem RecordFollowUp(Instant at)
    {
        if (!IsResolved)
        {
            throw new InvalidOperationException($"Feedback '{Id}' is {Status}; the loop is closed with the customer only once it is Released or Declined.");
        }

        if (FollowedUpAt is { } done)
        {
            throw new InvalidOperationException($"Feedback '{Id}' was already followed up at {done}.");
        }

        if (at < LastChangedAt)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"Feedback '{Id}' cannot be followed up at {at}, before it was resolved at {LastChangedAt}.");
        }

        return new FeedbackItem(Id, Account, Text, Feature, SubmittedAt, Status, (FeedbackStatusChange[])Changes, at);
    }
}
