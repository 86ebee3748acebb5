namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The health of one account under one scorecard: the weighted score, its color, how much of the scorecard's weight
/// had data, and which scorecard version produced it. <see cref="HealthScorer.Explain(Account, HealthScoreExplanation?, Scorecard?)"/>
/// gives the per-factor explanation.
/// </summary>
/// <remarks>An immutable value; thread-safe. Producing one allocates nothing.</remarks>
public readonly record struct HealthScore
{
    /// <summary>The weighted score, 0–100; null when no factor had data (not applicable, which is not zero).</summary>
    public double? Value { get; init; }

    /// <summary>
    /// The color in effect: a manual override if one is active, else a color forced by a critical rule, else the
    /// color band of the score (with hysteresis against the previous color). Null when nothing applies: no factor had
    /// data, or too few did (<see cref="IsColorWithheld"/>).
    /// </summary>
    public HealthColor? Color { get; init; }

    /// <summary>The color the scorecard gives (critical rules included), before any manual override.</summary>
    public HealthColor? CalculatedColor { get; init; }

    /// <summary>The share of the scorecard's weight whose factors had data, 0–1 (imputed points do not count).</summary>
    public double Confidence { get; init; }

    /// <summary>The id of the scorecard that produced the score.</summary>
    public string ScorecardId { get; init; }

    /// <summary>The version of the scorecard that produced the score.</summary>
    public int ScorecardVersion { get; init; }

    /// <summary>How many signal values were NaN or infinite and were treated as missing.</summary>
    public int InvalidSignals { get; init; }

    /// <summary>
    /// True when the score has a value but no color because too little of the scorecard's weight had data: its
    /// <see cref="Confidence"/> is below the scorecard's <see cref="ColorBands.MinimumConfidence"/>.
    /// </summary>
    public bool IsColorWithheld { get; init; }

    /// <summary>True when a critical rule forced the calculated color.</summary>
    public bool IsForcedByRule { get; init; }

    /// <summary>True when a manual override set the color.</summary>
    public bool IsOverridden { get; init; }

    /// <summary>True when at least one factor had data (or imputed points), so <see cref="Value"/> has a value.</summary>
    public bool IsApplicable => Value.HasValue;
}
