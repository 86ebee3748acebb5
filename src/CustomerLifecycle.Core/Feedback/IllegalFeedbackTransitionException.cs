namespace CustomerLifecycle.Feedback;

/// <summary>Thrown when a feedback item is asked to make a status move its status machine does not allow.</summary>
/// <remarks>The item is left unchanged.</remarks>
public sealed class IllegalFeedbackTransitionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="feedbackId">The item.</param>
    /// <param name="from">Its current status.</param>
    /// <param name="to">The status asked for.</param>
    public IllegalFeedbackTransitionException(string feedbackId, FeedbackStatus from, FeedbackStatus to)
        : base($"Feedback '{feedbackId}' cannot move from {from} to {to}; allowed from {from}: {Describe(FeedbackItem.AllowedNext(from))}.")
    {
        FeedbackId = feedbackId;
        From = from;
        To = to;
    }

    /// <summary>The item.</summary>
    public string FeedbackId { get; }

    /// <summary>Its current status.</summary>
    public FeedbackStatus From { get; }

    /// <summary>The status asked for.</summary>
    public FeedbackStatus To { get; }

    private static string Describe(IReadOnlyList<FeedbackStatus> next) => next.Count == 0 ? "nothing (the status is final)" : string.Join(", ", next);
}
