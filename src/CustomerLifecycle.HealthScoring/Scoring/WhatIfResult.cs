namespace CustomerLifecycle.HealthScoring;

/// <summary>The same account scored as it is and under a scenario (another scorecard, changed signals), side by side.</summary>
/// <param name="Baseline">The account as it is, with the scorecard chosen for it.</param>
/// <param name="Scenario">The account under the scenario.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record WhatIfResult(HealthScoreExplanation Baseline, HealthScoreExplanation Scenario)
{
    /// <summary>Scenario score minus baseline score; null when either is not applicable.</summary>
    public double? Delta => Scenario.Score.Value is { } s && Baseline.Score.Value is { } b ? s - b : null;

    /// <summary>True when the color differs.</summary>
    public bool ColorChanged => Scenario.Score.Color != Baseline.Score.Color;

    /// <summary>Per-factor contribution changes (baseline → scenario), largest first.</summary>
    public IReadOnlyList<FactorChange> FactorChanges { get; } =
        [.. Baseline.Factors.Select(f => f.Factor).Union(Scenario.Factors.Select(f => f.Factor))
            .Select(name => new FactorChange(name, Baseline.Find(name)?.Contribution ?? 0, Scenario.Find(name)?.Contribution ?? 0))
            .Where(c => c.Delta != 0)
            .OrderByDescending(c => Math.Abs(c.Delta))];
}
