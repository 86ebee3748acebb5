namespace CustomerLifecycle.HealthScoring;

/// <summary>How well a scorecard separated renewals from churn, and what weights the outcomes suggest.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class CalibrationReport
{
    internal CalibrationReport(Scorecard scorecard, int renewed, int churned, int excluded, double scoreAuc, IReadOnlyList<FactorCalibration> factors, IReadOnlyList<ColorBandOutcome> colorBands, LogisticRegression? fit, double? fittedAuc, string? fitProblem)
    {
        Scorecard = scorecard;
        Renewed = renewed;
        Churned = churned;
        Excluded = excluded;
        ScoreAuc = scoreAuc;
        Factors = factors;
        ColorBands = colorBands;
        Fit = fit;
        FittedAuc = fittedAuc;
        FitProblem = fitProblem;
    }

    /// <summary>The scorecard calibrated.</summary>
    public Scorecard Scorecard { get; }

    /// <summary>Cases that renewed (and had a score).</summary>
    public int Renewed { get; }

    /// <summary>Cases that churned (and had a score).</summary>
    public int Churned { get; }

    /// <summary>Cases left out because no factor had data (the score was not applicable).</summary>
    public int Excluded { get; }

    /// <summary>The ROC AUC of the score for telling renewals (higher score) from churn: 0.5 is chance, 1 is perfect.</summary>
    public double ScoreAuc { get; }

    /// <summary>Each factor's own AUC, current weight, fitted coefficient and suggested weight.</summary>
    public IReadOnlyList<FactorCalibration> Factors { get; }

    /// <summary>Churn by color band: the lift of Red over Green is the score's practical worth.</summary>
    public IReadOnlyList<ColorBandOutcome> ColorBands { get; }

    /// <summary>The logistic regression of renewal on the factors' points; null when it could not be fitted (see <see cref="FitProblem"/>).</summary>
    public LogisticRegression? Fit { get; }

    /// <summary>The AUC of the fitted model on the same history; null without a fit.</summary>
    public double? FittedAuc { get; }

    /// <summary>How much the AUC would change with the fitted weights (in-sample; expect less on new data).</summary>
    public double? AucChange => FittedAuc - ScoreAuc;

    /// <summary>Why no fit was made, when none was (perfect separation, collinear factors, too few cases).</summary>
    public string? FitProblem { get; }
}

/// <summary>One factor in a calibration.</summary>
/// <param name="Factor">The factor's name.</param>
/// <param name="Measured">Cases in which it had data.</param>
/// <param name="Auc">Its own AUC over those cases; null when they hold only one outcome.</param>
/// <param name="CurrentWeight">Its share of the scorecard's weight now, 0–1.</param>
/// <param name="Coefficient">Its coefficient in the fit, per point; null without a fit.</param>
/// <param name="SuggestedWeight">Its suggested share, 0–1 (negative coefficients suggest 0); null without a fit.</param>
public sealed record FactorCalibration(string Factor, int Measured, double? Auc, double CurrentWeight, double? Coefficient, double? SuggestedWeight);

/// <summary>The outcomes of the accounts in one color band.</summary>
/// <param name="Color">The band.</param>
/// <param name="Accounts">Accounts scored in it.</param>
/// <param name="Churned">Of those, how many churned.</param>
public sealed record ColorBandOutcome(HealthColor Color, int Accounts, int Churned)
{
    /// <summary>Churned over accounts; null for an empty band.</summary>
    public double? ChurnRate => Accounts == 0 ? null : (double)Churned / Accounts;
}
