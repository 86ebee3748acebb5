namespace CustomerLifecycle.HealthScoring;

/// <summary>What a scorecard does when a factor's data is missing.</summary>
public enum MissingDataPolicy
{
    /// <summary>Leave the factor out and spread its weight over the other factors of its group (the default).</summary>
    DropAndReweight = 0,

    /// <summary>Score the factor at neutral points (50 unless set). Imputed points do not count towards confidence.</summary>
    Neutral = 1,

    /// <summary>Score the factor at zero: missing data is itself a bad sign. Does not count towards confidence.</summary>
    Zero = 2,

    /// <summary>
    /// Use the factor's points from the previous score, decaying towards neutral with its age (half-life), and drop
    /// it once older than the maximum age. Its confidence decays the same way.
    /// </summary>
    LastKnown = 3,
}
