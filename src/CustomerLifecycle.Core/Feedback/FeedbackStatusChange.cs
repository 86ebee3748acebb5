using NodaTime;

namespace CustomerLifecycle.Feedback;

/// <summary>One move of a feedback item's status.</summary>
/// <param name="From">The status left.</param>
/// <param name="To">The status entered.</param>
/// <param name="At">When.</param>
/// <param name="Note">Why, or what was decided, if recorded.</param>
public sealed record FeedbackStatusChange(FeedbackStatus From, FeedbackStatus To, Instant At, string? Note);
