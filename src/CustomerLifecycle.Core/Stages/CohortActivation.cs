namespace CustomerLifecycle.Stages;

/// <summary>The activation of one onboarding cohort: how many started, and how many reached first value in time.</summary>
/// <param name="CohortSize">Accounts that entered onboarding in the cohort's interval.</param>
/// <param name="Activated">Of those, accounts that reached first value within the allowed time.</param>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
public readonly record struct CohortActivation(int CohortSize, int Activated)
{
    /// <summary>Activated divided by cohort size; null for an empty cohort (no data is not 0 %).</summary>
    public double? Rate => CohortSize == 0 ? null : (double)Activated / CohortSize;
}
