namespace CustomerLifecycle.HealthScoring;

/// <summary>How child accounts weigh in a parent's rolled-up health.</summary>
public enum RollupWeighting
{
    /// <summary>Every child with a score counts the same.</summary>
    Equal = 0,

    /// <summary>Children count by their contract's ARR; children without a contract do not count.</summary>
    ContractValue = 1,
}

/// <summary>A parent account's health rolled up from its children.</summary>
/// <param name="Score">The rolled-up score (scorecard id <c>rollup</c>).</param>
/// <param name="Children">Children given.</param>
/// <param name="Included">Children that counted (had a score, and for ARR weighting a contract with ARR above zero).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record HealthRollup(HealthScore Score, int Children, int Included)
{
    /// <summary>The scorecard id recorded on rolled-up scores.</summary>
    public const string ScorecardId = "rollup";

    /// <summary>
    /// Rolls up children's scores into the parent's: the weighted mean of their scores and confidences, colored by
    /// <paramref name="colorBands"/>; a Red child forced by a critical rule does not force the parent.
    /// </summary>
    /// <param name="children">Each child account with its score.</param>
    /// <param name="weighting">Equal, or by contract value.</param>
    /// <param name="colorBands">The parent's color bands; <see cref="ColorBands.Default"/> when null.</param>
    /// <exception cref="CurrencyMismatchException">ARR weighting over contracts in different currencies.</exception>
    /// <exception cref="ArgumentException">A child's score is outside 0–100 or not finite, or its confidence is outside 0–1.</exception>
    public static HealthRollup Compute(IEnumerable<(Account Child, HealthScore Score)> children, RollupWeighting weighting = RollupWeighting.Equal, ColorBands? colorBands = null)
    {
        ArgumentNullException.ThrowIfNull(children);
        var bands = colorBands ?? ColorBands.Default;
        int count = 0, included = 0;
        double sumW = 0, sumWV = 0, sumWC = 0;
        Money? currencyProbe = null;
        foreach (var (child, score) in children)
        {
            ArgumentNullException.ThrowIfNull(child, nameof(children));
            count++;
            if (score.Value is not { } value)
            {
                continue;
            }

            if (!double.IsFinite(value) || value is < 0 or > 100 || !double.IsFinite(score.Confidence) || score.Confidence is < 0 or > 1)
            {
                throw new ArgumentException(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Child '{child.Id}' has score {value} with confidence {score.Confidence}; a score is within 0–100 and a confidence within 0–1."),
                    nameof(children));
            }

            double weight = 1;
            if (weighting == RollupWeighting.ContractValue)
            {
                if (child.Contract is not { } contract || contract.AnnualRecurringRevenue.IsZero)
                {
                    continue;
                }

                // Adding to the probe throws on a currency mismatch: ARR in different currencies is not comparable.
                currencyProbe = currencyProbe is { } probe ? probe + Money.Zero(contract.AnnualRecurringRevenue.Currency) : Money.Zero(contract.AnnualRecurringRevenue.Currency);
                weight = (double)contract.AnnualRecurringRevenue.Amount;
            }

            included++;
            sumW += weight;
            sumWV += weight * value;
            sumWC += weight * score.Confidence;
        }

        double? rolled = sumW > 0 ? Kernel.WithoutRoundOff(sumWV / sumW) : null;
        var color = rolled is { } r ? bands.ColorOf(r) : (HealthColor?)null;
        var result = new HealthScore
        {
            Value = rolled,
            Color = color,
            CalculatedColor = color,
            Confidence = sumW > 0 ? sumWC / sumW : 0,
            ScorecardId = ScorecardId,
            ScorecardVersion = 1,
        };
        return new HealthRollup(result, count, included);
    }
}
