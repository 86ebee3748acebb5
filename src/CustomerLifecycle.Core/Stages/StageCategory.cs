namespace CustomerLifecycle.Stages;

/// <summary>Where a lifecycle stage sits relative to the purchase.</summary>
public enum StageCategory
{
    /// <summary>Before the customer signs: outreach, connection, conversion.</summary>
    PreCustomer = 0,

    /// <summary>A paying customer: onboarding through advocacy.</summary>
    Customer = 1,

    /// <summary>The relationship has ended (churned); only an explicit win-back leaves it.</summary>
    Terminal = 2,
}
