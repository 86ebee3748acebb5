namespace CustomerLifecycle.HealthScoring;

/// <summary>Where a factor's points in an explanation came from.</summary>
public enum FactorStatus
{
    /// <summary>Measured from the account's signals.</summary>
    Measured = 0,

    /// <summary>The data was missing; the missing-data policy imputed neutral or zero points.</summary>
    Imputed = 1,

    /// <summary>The data was missing; the last known points were used, decayed by their age.</summary>
    LastKnown = 2,

    /// <summary>The data was missing and the factor was left out; its weight went to the rest of its group.</summary>
    NotApplicable = 3,
}
