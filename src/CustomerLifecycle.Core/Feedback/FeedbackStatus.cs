namespace CustomerLifecycle.Feedback;

/// <summary>
/// Where a piece of customer feedback stands. The allowed moves are Submitted → UnderReview or Declined;
/// UnderReview → Planned or Declined; Planned → Released or Declined. Released and Declined are final.
/// </summary>
public enum FeedbackStatus
{
    /// <summary>Received, not yet looked at.</summary>
    Submitted = 0,

    /// <summary>The product team is looking at it.</summary>
    UnderReview = 1,

    /// <summary>On the roadmap.</summary>
    Planned = 2,

    /// <summary>Shipped: tell the customer.</summary>
    Released = 3,

    /// <summary>Will not be done: tell the customer why.</summary>
    Declined = 4,
}
