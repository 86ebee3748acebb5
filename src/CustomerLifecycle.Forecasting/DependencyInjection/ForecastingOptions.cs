using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// Forecasting settings, bindable from configuration (for example the <c>CustomerLifecycle:Forecasting</c> section) and
/// validated at start-up, every error with its key. The registered <see cref="RenewalForecaster"/> asks the CSM's call
/// first (<see cref="ConfidenceTiers"/>), then the health band table (<see cref="ScoreBands"/>, <see cref="ColorProbabilities"/>).
/// </summary>
public sealed class ForecastingOptions
{
    /// <summary>Score bands by lowest score; empty means the default table (0 → 0.35, 40 → 0.70, 70 → 0.92).</summary>
    public List<ScoreBandOptions> ScoreBands { get; } = [];

    /// <summary>A probability per health color, for renewals with a color but no score; empty means Red 0.35, Yellow 0.70, Green 0.92.</summary>
    public Dictionary<HealthColor, double> ColorProbabilities { get; } = [];

    /// <summary>The CSM's confidence tiers and their probabilities; empty means Commit 1.0, Probable 0.8, Upside 0.5, AtRisk 0.0.</summary>
    public Dictionary<string, double> ConfidenceTiers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The probability from which a renewal counts as commit. Default 0.9.</summary>
    public double CommitThreshold { get; set; } = 0.9;

    /// <summary>Month (default) or Quarter.</summary>
    public ForecastBreakdown Breakdown { get; set; }

    /// <summary>
    /// What a renewal that cannot be forecast (an unknown CSM call, ...) does: <c>SkipAndReport</c> (default; it is
    /// listed in <see cref="RenewalForecast.Refused"/>) or <c>Throw</c> (the whole forecast fails).
    /// </summary>
    public RefusedRenewalPolicy RefusedRenewals { get; set; }
}

/// <summary>One band of the health band table.</summary>
public sealed class ScoreBandOptions
{
    /// <summary>The lowest score of the band, 0–100; the first band starts at 0 and starts rise strictly.</summary>
    public double MinScore { get; set; }

    /// <summary>The renewal probability in the band, 0–1.</summary>
    public double Probability { get; set; }
}
