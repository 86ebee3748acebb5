namespace CustomerLifecycle.HealthScoring;

/// <summary>How one factor's contribution moved between two scores.</summary>
/// <param name="Factor">The factor's name.</param>
/// <param name="Before">Its contribution in the earlier score (0 when absent).</param>
/// <param name="After">Its contribution in the later score (0 when absent).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record FactorChange(string Factor, double Before, double After)
{
    /// <summary>After minus before, in score points.</summary>
    public double Delta => After - Before;
}
