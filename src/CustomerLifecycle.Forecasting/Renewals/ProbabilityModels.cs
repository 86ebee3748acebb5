using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// A source of renewal probabilities. A model may have no opinion about a renewal (no health score, no CSM call);
/// <see cref="ChainProbabilityModel"/> then asks the next one. Implementations must be thread-safe.
/// </summary>
public interface IRenewalProbabilityModel
{
    /// <summary>The model's name, recorded on each forecast line.</summary>
    string Name { get; }

    /// <summary>Estimates the probability that the renewal happens.</summary>
    /// <param name="renewal">The renewal.</param>
    /// <param name="probability">The probability, 0–1, when the model has an opinion.</param>
    /// <returns>False when the model has no opinion.</returns>
    bool TryEstimate(RenewalCase renewal, out double probability);
}

/// <summary>
/// Probabilities from a health band table: by score band when the renewal has a score, otherwise by color. The
/// default table (Red 0.35, Yellow 0.70, Green 0.92; score bands from 0, 40 and 70) is a starting point to replace
/// with your own renewal rates per band, for example from <see cref="CalibratedProbabilityModel"/>.
/// </summary>
public sealed class HealthBandProbabilityModel : IRenewalProbabilityModel
{
    private readonly (double MinScore, double Probability)[] _bands;
    private readonly Dictionary<HealthColor, double> _colors;

    /// <summary>Creates the model.</summary>
    /// <param name="scoreBands">Bands by their lowest score (0–100, strictly increasing, the first at 0), each with a probability 0–1.</param>
    /// <param name="colorProbabilities">A probability 0–1 per color, used when a renewal has a color but no score.</param>
    /// <exception cref="ArgumentException">A band or probability breaks the rules; the message names it.</exception>
    public HealthBandProbabilityModel(IEnumerable<(double MinScore, double Probability)> scoreBands, IReadOnlyDictionary<HealthColor, double> colorProbabilities)
    {
        ArgumentNullException.ThrowIfNull(scoreBands);
        ArgumentNullException.ThrowIfNull(colorProbabilities);
        _bands = scoreBands.ToArray();
        if (_bands.Length == 0 || _bands[0].MinScore != 0)
        {
            throw new ArgumentException("The score bands must start at 0 so every score has a band.", nameof(scoreBands));
        }

        for (var i = 0; i < _bands.Length; i++)
        {
            ForecastChecks.Probability(_bands[i].Probability, $"scoreBands[{i}].Probability");
            if (!(_bands[i].MinScore is >= 0 and <= 100) || (i > 0 && _bands[i].MinScore <= _bands[i - 1].MinScore))
            {
                throw new ArgumentException($"scoreBands[{i}].MinScore = {_bands[i].MinScore}: band starts must be 0–100 and strictly increasing.", nameof(scoreBands));
            }
        }

        foreach (var (color, probability) in colorProbabilities)
        {
            ForecastChecks.Probability(probability, $"colorProbabilities[{color}]");
        }

        _colors = new Dictionary<HealthColor, double>(colorProbabilities);
    }

    /// <summary>The default probabilities per color: Red 0.35, Yellow 0.70, Green 0.92.</summary>
    public static IReadOnlyDictionary<HealthColor, double> DefaultColorProbabilities { get; } =
        new Dictionary<HealthColor, double> { [HealthColor.Red] = 0.35, [HealthColor.Yellow] = 0.70, [HealthColor.Green] = 0.92 };

    /// <summary>The default score bands: from 0 → 0.35, from 40 → 0.70, from 70 → 0.92.</summary>
    public static IReadOnlyList<(double MinScore, double Probability)> DefaultScoreBands { get; } = [(0, 0.35), (40, 0.70), (70, 0.92)];

    /// <summary>The default table: <see cref="DefaultScoreBands"/> and <see cref="DefaultColorProbabilities"/>.</summary>
    public static HealthBandProbabilityModel Default { get; } = new(DefaultScoreBands, DefaultColorProbabilities);

    /// <inheritdoc />
    public string Name => "health-band";

    /// <inheritdoc />
    public bool TryEstimate(RenewalCase renewal, out double probability)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        if (renewal.Health?.Value is { } score)
        {
            probability = _bands[0].Probability;
            foreach (var band in _bands)
            {
                if (score >= band.MinScore)
                {
                    probability = band.Probability;
                }
            }

            return true;
        }

        probability = 0;
        return renewal.Health?.Color is { } color && _colors.TryGetValue(color, out probability);
    }
}

/// <summary>
/// Probabilities calibrated from renewal history: a logistic regression of renewed-or-not on the health score at the
/// time, <c>p = 1 / (1 + exp(−(a + b·score)))</c>. It has no opinion about a renewal without a score.
/// </summary>
public sealed class CalibratedProbabilityModel : IRenewalProbabilityModel
{
    private CalibratedProbabilityModel(LogisticRegression fit) => Fit = fit;

    /// <summary>The fitted regression: intercept and the score's coefficient.</summary>
    public LogisticRegression Fit { get; }

    /// <inheritdoc />
    public string Name => "calibrated";

    /// <summary>Fits the model to past renewals.</summary>
    /// <param name="history">Past renewals: the health score before each, and whether it renewed. Both outcomes must occur.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">The history is empty, a score is outside 0–100, or only one outcome occurs.</exception>
    /// <exception cref="ModelFitException">The fit does not converge (for example, scores separate renewals from churns perfectly); no model is returned.</exception>
    public static CalibratedProbabilityModel FromHistory(IEnumerable<(double Score, bool Renewed)> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var cases = history.ToArray();
        for (var i = 0; i < cases.Length; i++)
        {
            if (!(cases[i].Score is >= 0 and <= 100))
            {
                throw new ArgumentException($"history[{i}].Score = {cases[i].Score}: a health score is 0–100.", nameof(history));
            }
        }

        try
        {
            return new CalibratedProbabilityModel(LogisticRegression.Fit(cases.Select(c => new[] { c.Score }).ToArray(), cases.Select(c => c.Renewed).ToArray()));
        }
        catch (InvalidOperationException e)
        {
            throw new ModelFitException("The renewal history cannot calibrate probabilities: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    public bool TryEstimate(RenewalCase renewal, out double probability)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        if (renewal.Health?.Value is not { } score)
        {
            probability = 0;
            return false;
        }

        probability = 1 / (1 + Math.Exp(-Fit.LinearPredictor([score])));
        return true;
    }
}

/// <summary>
/// The CSM's call with tiered confidence: each tier name maps to a probability (by default Commit 1.0, Probable 0.8,
/// Upside 0.5, AtRisk 0.0; set AtRisk above 0 to weight at-risk renewals instead of writing them off). It has no
/// opinion about a renewal without a call; a call naming an unknown tier is an error, not a guess.
/// </summary>
public sealed class CsmCallProbabilityModel : IRenewalProbabilityModel
{
    private readonly Dictionary<string, double> _tiers;

    /// <summary>Creates the model.</summary>
    /// <param name="tiers">Tier names (compared without case) and their probabilities, 0–1.</param>
    /// <exception cref="ArgumentException">A probability is outside 0–1, or a tier name is blank.</exception>
    public CsmCallProbabilityModel(IReadOnlyDictionary<string, double> tiers)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        _tiers = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, probability) in tiers)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException("A confidence tier needs a name.", nameof(tiers));
            }

            ForecastChecks.Probability(probability, $"tiers[{name}]");
            _tiers[name] = probability;
        }
    }

    /// <summary>The default tiers.</summary>
    public static IReadOnlyDictionary<string, double> DefaultTiers { get; } = new Dictionary<string, double> { ["Commit"] = 1.0, ["Probable"] = 0.8, ["Upside"] = 0.5, ["AtRisk"] = 0.0 };

    /// <summary>Commit 1.0, Probable 0.8, Upside 0.5, AtRisk 0.0.</summary>
    public static CsmCallProbabilityModel Default { get; } = new(DefaultTiers);

    /// <inheritdoc />
    public string Name => "csm-call";

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The call names a tier the model does not have.</exception>
    public bool TryEstimate(RenewalCase renewal, out double probability)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        probability = 0;
        if (renewal.CsmCall is not { } call)
        {
            return false;
        }

        return _tiers.TryGetValue(call, out probability)
            ? true
            : throw new ArgumentException($"Account '{renewal.Account.Id}': the CSM's call '{call}' is not a confidence tier ({string.Join(", ", _tiers.Keys)}).", nameof(renewal));
    }
}

/// <summary>Asks each model in turn and takes the first opinion, for example the CSM's call, then the health band table.</summary>
public sealed class ChainProbabilityModel : IRenewalProbabilityModel
{
    private readonly IRenewalProbabilityModel[] _models;

    /// <summary>Creates the chain.</summary>
    /// <param name="models">One or more models, in the order to ask them.</param>
    public ChainProbabilityModel(params IRenewalProbabilityModel[] models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Length == 0 || models.Any(m => m is null))
        {
            throw new ArgumentException("A chain needs one or more models, none null.", nameof(models));
        }

        _models = [.. models];
    }

    /// <summary>The models, in order.</summary>
    public IReadOnlyList<IRenewalProbabilityModel> Models => _models;

    /// <inheritdoc />
    public string Name => string.Join(" > ", _models.Select(m => m.Name));

    /// <inheritdoc />
    public bool TryEstimate(RenewalCase renewal, out double probability) => TryEstimate(renewal, out probability, out _);

    /// <summary>Estimates, saying which model answered.</summary>
    /// <param name="renewal">The renewal.</param>
    /// <param name="probability">The probability.</param>
    /// <param name="model">The model that answered.</param>
    /// <returns>False when no model has an opinion.</returns>
    public bool TryEstimate(RenewalCase renewal, out double probability, out IRenewalProbabilityModel? model)
    {
        foreach (var candidate in _models)
        {
            if (candidate.TryEstimate(renewal, out probability))
            {
                model = candidate;
                return true;
            }
        }

        probability = 0;
        model = null;
        return false;
    }
}

internal static class ForecastChecks
{
    public static void Probability(double value, string name)
    {
        if (!(value is >= 0 and <= 1))
        {
            throw new ArgumentException($"{name} = {value}: a probability must be within 0–1.", name);
        }
    }
}
