namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Re-checks a scorecard against what happened: the ROC AUC of the score and of each factor, churn by color band,
/// and weights fitted to the outcomes by logistic regression, with how much the AUC would change. The literature
/// asks teams to re-check their model yearly; this makes it one call.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class HealthCalibrator
{
    private readonly HealthScorer _scorer;

    /// <summary>Creates a calibrator.</summary>
    /// <param name="scorer">The scorer whose scorecards are calibrated.</param>
    public HealthCalibrator(HealthScorer scorer)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        _scorer = scorer;
    }

    /// <summary>Calibrates a scorecard against history.</summary>
    /// <param name="history">Accounts as they were when scored, and whether each renewed; each account once.</param>
    /// <param name="scorecard">The scorecard; the scorer's default when null.</param>
    /// <returns>The report. A regression that cannot be fitted is reported in <see cref="CalibrationReport.FitProblem"/>, not returned as numbers.</returns>
    /// <exception cref="ArgumentException">An account appears twice, or the scored cases lack renewals or churns.</exception>
    public CalibrationReport Calibrate(IEnumerable<CalibrationCase> history, Scorecard? scorecard = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        scorecard ??= _scorer.Resolver.Default;
        var seen = new HashSet<AccountId>();
        var explanations = new List<(HealthScoreExplanation Explanation, bool Renewed)>();
        var excluded = 0;
        foreach (var c in history)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(history));
            if (!seen.Add(c.Account.Id))
            {
                throw new ArgumentException($"Account '{c.Account.Id}' appears more than once in the calibration history.", nameof(history));
            }

            var explanation = _scorer.Explain(c.Account, scorecard: scorecard);
            if (explanation.Score.Value is null)
            {
                excluded++;
                continue;
            }

            explanations.Add((explanation, c.Renewed));
        }

        var renewed = explanations.Count(e => e.Renewed);
        var churned = explanations.Count - renewed;
        if (renewed == 0 || churned == 0)
        {
            throw new ArgumentException($"Calibration needs both renewals and churns among the scored accounts; got {renewed} renewed and {churned} churned ({excluded} without a score).", nameof(history));
        }

        var outcomes = explanations.Select(e => e.Renewed).ToArray();
        var scoreAuc = RocAuc.Compute(explanations.Select(e => e.Explanation.Score.Value!.Value).ToArray(), outcomes);

        var bands = Enum.GetValues<HealthColor>()
            .Select(color => new ColorBandOutcome(color, explanations.Count(e => e.Explanation.Score.CalculatedColor == color), explanations.Count(e => e.Explanation.Score.CalculatedColor == color && !e.Renewed)))
            .ToArray();

        // Predictors: each factor's points (0–100), a missing value imputed with the factor's mean.
        var factors = scorecard.Factors;
        var columns = new double[factors.Count][];
        var measured = new int[factors.Count];
        var aucs = new double?[factors.Count];
        for (var k = 0; k < factors.Count; k++)
        {
            var points = explanations.Select(e => e.Explanation.Factors[k].Status == FactorStatus.Measured ? e.Explanation.Factors[k].Points : null).ToArray();
            var present = points.Select((v, i) => (v, i)).Where(p => p.v is not null).ToArray();
            measured[k] = present.Length;
            var presentOutcomes = present.Select(p => outcomes[p.i]).ToArray();
            aucs[k] = presentOutcomes.Distinct().Count() == 2 ? RocAuc.Compute(present.Select(p => p.v!.Value).ToArray(), presentOutcomes) : null;
            var mean = present.Length > 0 ? present.Average(p => p.v!.Value) : 0;
            columns[k] = [.. points.Select(v => v ?? mean)];
        }

        var usable = Enumerable.Range(0, factors.Count).Where(k => measured[k] > 0 && columns[k].Distinct().Count() > 1).ToArray();
        LogisticRegression? fit = null;
        double? fittedAuc = null;
        string? problem = null;
        var coefficients = new double?[factors.Count];
        var suggested = new double?[factors.Count];
        if (usable.Length == 0)
        {
            problem = "No factor varies across the history, so there is nothing to fit.";
        }
        else
        {
            var rows = Enumerable.Range(0, explanations.Count).Select(i => usable.Select(k => columns[k][i]).ToArray()).ToArray();
            try
            {
                fit = LogisticRegression.Fit(rows, outcomes);
                fittedAuc = RocAuc.Compute(rows.Select(r => fit.LinearPredictor(r)).ToArray(), outcomes);
                var positive = usable.Select((k, j) => Math.Max(0, fit.Coefficients[j])).ToArray();
                var total = positive.Sum();
                for (var j = 0; j < usable.Length; j++)
                {
                    coefficients[usable[j]] = fit.Coefficients[j];
                    suggested[usable[j]] = total > 0 ? positive[j] / total : 0;
                }
            }
            catch (InvalidOperationException ex)
            {
                // Reported to the caller in the report, not swallowed: a fit that does not exist has no numbers.
                problem = ex.Message;
            }
        }

        var plans = scorecard.Compiled.Plans;
        var factorReports = factors.Select((f, k) => new FactorCalibration(f.Name, measured[k], aucs[k], plans[k].Share, coefficients[k], suggested[k])).ToArray();
        return new CalibrationReport(scorecard, renewed, churned, excluded, scoreAuc, factorReports, bands, fit, fittedAuc, problem);
    }
}
