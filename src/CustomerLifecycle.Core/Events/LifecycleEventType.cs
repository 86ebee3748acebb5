namespace CustomerLifecycle.Events;

/// <summary>
/// The kind of a lifecycle event: its category and a name such as <c>qbr_held</c>. The static members are the
/// well-known types the default playbooks react to; host applications define their own with the constructor.
/// </summary>
/// <remarks>
/// Names follow the same rule as signal names (lower-case ASCII letters, digits, '_' and '.', starting with a letter).
/// This type is an immutable value and is thread-safe.
/// </remarks>
public readonly record struct LifecycleEventType
{
    private readonly string? _name;

    /// <summary>Creates an event type.</summary>
    /// <param name="category">One of the seven categories.</param>
    /// <param name="name">The name, unique across categories by convention.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="category"/> is undefined.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> breaks the naming rule.</exception>
    public LifecycleEventType(LifecycleEventCategory category, string name)
    {
        if (!Enum.IsDefined(category))
        {
            throw new ArgumentOutOfRangeException(nameof(category), category, "Unknown lifecycle event category.");
        }

        if (!SignalKey.IsValidName(name))
        {
            throw new ArgumentException($"Event type name '{name}' is invalid: use 1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter.", nameof(name));
        }

        Category = category;
        _name = name;
    }

    /// <summary>The category.</summary>
    public LifecycleEventCategory Category { get; }

    /// <summary>The name; empty for <c>default</c>.</summary>
    public string Name => _name ?? string.Empty;

    /// <summary>True for <c>default(LifecycleEventType)</c>.</summary>
    public bool IsEmpty => _name is null;

    /// <summary>Kickoff meeting held.</summary>
    public static LifecycleEventType Kickoff { get; } = new(LifecycleEventCategory.Onboarding, "kickoff");

    /// <summary>A training session completed.</summary>
    public static LifecycleEventType TrainingCompleted { get; } = new(LifecycleEventCategory.Onboarding, "training_completed");

    /// <summary>The customer went live.</summary>
    public static LifecycleEventType GoLive { get; } = new(LifecycleEventCategory.Onboarding, "go_live");

    /// <summary>An onboarding checklist step was completed.</summary>
    public static LifecycleEventType OnboardingStepCompleted { get; } = new(LifecycleEventCategory.Onboarding, "onboarding_step_completed");

    /// <summary>The customer reached the first value it was promised.</summary>
    public static LifecycleEventType FirstValue { get; } = new(LifecycleEventCategory.ProductUsageMilestone, "first_value");

    /// <summary>A usage threshold was crossed (value: the threshold).</summary>
    public static LifecycleEventType UsageMilestone { get; } = new(LifecycleEventCategory.ProductUsageMilestone, "usage_milestone");

    /// <summary>A feature was adopted.</summary>
    public static LifecycleEventType FeatureAdopted { get; } = new(LifecycleEventCategory.ProductUsageMilestone, "feature_adopted");

    /// <summary>Product usage dropped: a usage change signal fell below its threshold (value: the change, -0.5 for half).</summary>
    public static LifecycleEventType UsageDropped { get; } = new(LifecycleEventCategory.ProductUsageMilestone, "usage_dropped");

    /// <summary>An upsell was signed (value: added ARR).</summary>
    public static LifecycleEventType Upsell { get; } = new(LifecycleEventCategory.ExpansionMilestone, "upsell");

    /// <summary>A cross-sell was signed (value: added ARR).</summary>
    public static LifecycleEventType CrossSell { get; } = new(LifecycleEventCategory.ExpansionMilestone, "cross_sell");

    /// <summary>Seats were added (value: seats added).</summary>
    public static LifecycleEventType SeatsAdded { get; } = new(LifecycleEventCategory.ExpansionMilestone, "seats_added");

    /// <summary>The customer gave a testimonial.</summary>
    public static LifecycleEventType Testimonial { get; } = new(LifecycleEventCategory.Advocacy, "testimonial");

    /// <summary>The customer wrote a public review.</summary>
    public static LifecycleEventType Review { get; } = new(LifecycleEventCategory.Advocacy, "review");

    /// <summary>The customer referred a prospect.</summary>
    public static LifecycleEventType Referral { get; } = new(LifecycleEventCategory.Advocacy, "referral");

    /// <summary>A case study with the customer was published.</summary>
    public static LifecycleEventType CaseStudy { get; } = new(LifecycleEventCategory.Advocacy, "case_study");

    /// <summary>A quarterly business review was held.</summary>
    public static LifecycleEventType QuarterlyBusinessReview { get; } = new(LifecycleEventCategory.BusinessReview, "qbr_held");

    /// <summary>An executive business review was held.</summary>
    public static LifecycleEventType ExecutiveBusinessReview { get; } = new(LifecycleEventCategory.BusinessReview, "ebr_held");

    /// <summary>The renewal was signed (value: renewed ARR).</summary>
    public static LifecycleEventType RenewalSigned { get; } = new(LifecycleEventCategory.Renewal, "renewal_signed");

    /// <summary>The renewal was lost.</summary>
    public static LifecycleEventType RenewalLost { get; } = new(LifecycleEventCategory.Renewal, "renewal_lost");

    /// <summary>A support ticket was opened (value: severity, 1 = highest).</summary>
    public static LifecycleEventType SupportTicketOpened { get; } = new(LifecycleEventCategory.OngoingCollaboration, "support_ticket_opened");

    /// <summary>Feedback was submitted.</summary>
    public static LifecycleEventType FeedbackSubmitted { get; } = new(LifecycleEventCategory.OngoingCollaboration, "feedback_submitted");

    /// <summary>A feature the customer asked for was released.</summary>
    public static LifecycleEventType FeatureReleased { get; } = new(LifecycleEventCategory.OngoingCollaboration, "feature_released");

    /// <summary>A one-on-one or check-in call was held.</summary>
    public static LifecycleEventType OneOnOne { get; } = new(LifecycleEventCategory.OngoingCollaboration, "one_on_one");

    /// <summary>An NPS survey was answered (value: the 0–10 score).</summary>
    public static LifecycleEventType NpsResponse { get; } = new(LifecycleEventCategory.OngoingCollaboration, "nps_response");

    /// <summary>The account's champion left.</summary>
    public static LifecycleEventType ChampionLeft { get; } = new(LifecycleEventCategory.OngoingCollaboration, "champion_left");

    /// <summary>Every well-known event type above, for looking one up by name (configuration, imports).</summary>
    public static IReadOnlyList<LifecycleEventType> WellKnown { get; } = [Kickoff, TrainingCompleted, GoLive, OnboardingStepCompleted, FirstValue, UsageMilestone, FeatureAdopted, UsageDropped, Upsell, CrossSell, SeatsAdded, Testimonial, Review, Referral, CaseStudy, QuarterlyBusinessReview, ExecutiveBusinessReview, RenewalSigned, RenewalLost, SupportTicketOpened, FeedbackSubmitted, FeatureReleased, OneOnOne, NpsResponse, ChampionLeft];

    /// <inheritdoc />
    public override string ToString() => $"{Category}/{Name}";
}
