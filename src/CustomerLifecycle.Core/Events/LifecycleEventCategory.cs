namespace CustomerLifecycle.Events;

/// <summary>The seven categories of customer lifecycle events.</summary>
public enum LifecycleEventCategory
{
    /// <summary>Onboarding milestones: kickoff, training, go-live.</summary>
    Onboarding = 0,

    /// <summary>Product usage milestones: first value, adoption thresholds, features adopted.</summary>
    ProductUsageMilestone = 1,

    /// <summary>Expansion milestones: upsell, cross-sell, added seats.</summary>
    ExpansionMilestone = 2,

    /// <summary>Advocacy events: testimonial, review, referral, case study.</summary>
    Advocacy = 3,

    /// <summary>Business reviews: quarterly and executive business reviews.</summary>
    BusinessReview = 4,

    /// <summary>Renewals: renewal signed, renewal lost, renewal window opened.</summary>
    Renewal = 5,

    /// <summary>Ongoing research and collaboration: support tickets, feedback, surveys, one-on-ones, account changes.</summary>
    OngoingCollaboration = 6,
}
