using System.Globalization;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// A time-split back-test of renewal probability models: the <see cref="LearntProbabilityModel"/> is fitted on the
/// decisions before a date and every model scores the decisions from that date on, so that no model is scored on
/// renewals it was fitted on. Each model gets a Brier score, an AUC and a calibration table, on the renewals it had an
/// opinion about and on those every model had an opinion about (the fair comparison).
/// </summary>
public static class RenewalModelBacktest
{
    /// <summary>Runs the back-test.</summary>
    /// <param name="decisions">Past decisions, each with the account as it was before it.</param>
    /// <param name="split">Decisions before it train the learnt model; decisions on or after it test every model.</param>
    /// <param name="scorer">The scorer whose factors the learnt model reads, and whose scores the other models see.</param>
    /// <param name="others">The models to compare with, each given the decision's account and health score; by default <see cref="HealthBandProbabilityModel.Default"/>.</param>
    /// <param name="minimumEventsPerCovariate">As for <see cref="LearntProbabilityModel.FitHistory"/>.</param>
    /// <param name="bands">Equal-width probability bands of the calibration tables, 1 to 100; default 10.</param>
    /// <returns>The comparison.</returns>
    /// <exception cref="ArgumentException">No decision before <paramref name="split"/>, or none on or after it.</exception>
    /// <exception cref="ModelFitException">The learnt model cannot be fitted on the decisions before the split (the message says why).</exception>
    public static RenewalModelComparison Compare(
        IEnumerable<RenewalDecision> decisions,
        LocalDate split,
        HealthScorer scorer,
        IEnumerable<IRenewalProbabilityModel>? others = null,
        int minimumEventsPerCovariate = 10,
        int bands = 10)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(scorer);
        if (bands is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(bands), bands, "The calibration table has 1 to 100 bands.");
        }

        var all = decisions.ToArray();
        var training = all.Where(d => d.Decided < split).ToArray();
        var test = all.Where(d => d.Decided >= split).ToArray();
        var date = split.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture);
        if (training.Length == 0 || test.Length == 0)
        {
            throw new ArgumentException($"A back-test split on {date} needs decisions before it (there are {training.Length}) and on or after it (there are {test.Length}).", nameof(split));
        }

        var learnt = LearntProbabilityModel.FitHistory(training, scorer, minimumEventsPerCovariate);
        IRenewalProbabilityModel[] models = [learnt, .. others ?? [HealthBandProbabilityModel.Default]];
        var estimates = new double?[models.Length][];
        for (var m = 0; m < models.Length; m++)
        {
            estimates[m] = new double?[test.Length];
        }

        for (var i = 0; i < test.Length; i++)
        {
            var renewal = test[i].Before.Contract is null ? null : new RenewalCase(test[i].Before, scorer.Score(test[i].Before));
            for (var m = 0; m < models.Length; m++)
            {
                // The learnt model reads the account's factors; the others see the account and its score, as in a forecast.
                var p = 0.0;
                var known = m == 0 ? learnt.TryEstimate(test[i].Before, out p) : renewal is not null && models[m].TryEstimate(renewal, out p);
                if (known)
                {
                    ForecastChecks.Probability(p, $"Model '{models[m].Name}' on account '{test[i].Before.Id}'");
                    estimates[m][i] = p;
                }
            }
        }

        var common = Enumerable.Range(0, test.Length).Where(i => estimates.All(e => e[i] is not null)).ToArray();
        var scores = models.Select((model, m) => new RenewalModelScore(
            model.Name,
            Score(Enumerable.Range(0, test.Length).Where(i => estimates[m][i] is not null), estimates[m], test, bands),
            Score(common, estimates[m], test, bands))).ToArray();
        return new RenewalModelComparison(split, training.Length, test.Length, common.Length, learnt, scores);
    }

    private static ProbabilityScore? Score(IEnumerable<int> cases, double?[] estimates, RenewalDecision[] test, int bands)
    {
        var which = cases.ToArray();
        if (which.Length == 0)
        {
            return null;
        }

        var p = which.Select(i => estimates[i]!.Value).ToArray();
        var y = which.Select(i => test[i].Renewed).ToArray();
        var brier = p.Zip(y, (q, r) => (q - (r ? 1 : 0)) * (q - (r ? 1 : 0))).Average();
        double? auc = y.Contains(true) && y.Contains(false) ? RocAuc.Compute(p, y) : null;
        return new ProbabilityScore(p.Length, brier, auc, y.Count(r => r) / (double)y.Length, CalibrationTable.Of(p, y, bands));
    }
}

/// <summary>The calibration table of a back-test: equal-width probability bands, the last closed, those holding cases.</summary>
internal static class CalibrationTable
{
    public static CalibrationBand[] Of(IReadOnlyList<double> probabilities, IReadOnlyList<bool> renewed, int bands)
    {
        var count = new int[bands];
        var predicted = new double[bands];
        var observed = new int[bands];
        for (var k = 0; k < probabilities.Count; k++)
        {
            var band = Math.Min(bands - 1, (int)(probabilities[k] * bands));
            count[band]++;
            predicted[band] += probabilities[k];
            observed[band] += renewed[k] ? 1 : 0;
        }

        return [.. Enumerable.Range(0, bands)
            .Where(b => count[b] > 0)
            .Select(b => new CalibrationBand((double)b / bands, (double)(b + 1) / bands, count[b], predicted[b] / count[b], (double)observed[b] / count[b]))];
    }
}

/// <summary>How well a model's probabilities matched what happened on a set of renewals.</summary>
/// <param name="Cases">The renewals scored.</param>
/// <param name="BrierScore">Mean squared difference between probability and outcome (1 renewed, 0 churned): lower is better; 0.25 is a coin toss at 50 %.</param>
/// <param name="Auc">How well the probabilities rank renewals above churns (0.5 is chance); null when only one outcome occurred.</param>
/// <param name="RenewalRate">The share of them that renewed (always guessing it gives a Brier score of rate × (1 − rate)).</param>
/// <param name="Calibration">The probability bands that hold cases: how often renewals forecast at that probability renewed.</param>
public sealed record ProbabilityScore(int Cases, double BrierScore, double? Auc, double RenewalRate, IReadOnlyList<CalibrationBand> Calibration);

/// <summary>One model in a back-test.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Own">On the test renewals it had an opinion about; null when it had none.</param>
/// <param name="Common">On the test renewals every model had an opinion about, the fair comparison; null when there are none.</param>
public sealed record RenewalModelScore(string Model, ProbabilityScore? Own, ProbabilityScore? Common);

/// <summary>The result of <see cref="RenewalModelBacktest.Compare"/>.</summary>
/// <param name="Split">Decisions before it trained the learnt model; those on or after it tested every model.</param>
/// <param name="TrainingDecisions">The decisions before the split (the learnt model's <see cref="LearntProbabilityModel.Decisions"/> says how many it could use).</param>
/// <param name="TestDecisions">The decisions on or after the split.</param>
/// <param name="CommonDecisions">The test decisions every model had an opinion about.</param>
/// <param name="Learnt">The model fitted on the training decisions.</param>
/// <param name="Models">The learnt model first, then the others in the order given.</param>
public sealed record RenewalModelComparison(LocalDate Split, int TrainingDecisions, int TestDecisions, int CommonDecisions, LearntProbabilityModel Learnt, IReadOnlyList<RenewalModelScore> Models)
{
    /// <summary>The model with the lowest Brier score on the common renewals, or null when there are none.</summary>
    public RenewalModelScore? Best => Models.Where(m => m.Common is not null).MinBy(m => m.Common!.BrierScore);
}
