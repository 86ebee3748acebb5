namespace CustomerLifecycle.Forecasting;

/// <summary>One past forecast and what happened.</summary>
/// <param name="Account">The account.</param>
/// <param name="Probability">The forecast probability of renewal, 0–1.</param>
/// <param name="Renewed">Whether it renewed.</param>
/// <param name="ForecastRevenue">The forecast's expected revenue for it.</param>
/// <param name="ActualRevenue">The revenue it renewed for (zero when it churned), in the same currency.</param>
public sealed record BacktestCase(AccountId Account, double Probability, bool Renewed, Money ForecastRevenue, Money ActualRevenue);

/// <summary>
/// How well past forecasts matched what happened: the Brier score of the probabilities, a calibration table by
/// probability band, and the error of the revenue forecast per currency.
/// </summary>
public static class Backtest
{
    /// <summary>Scores past forecasts.</summary>
    /// <param name="cases">One or more cases; account ids unique.</param>
    /// <param name="bands">Equal-width probability bands for the calibration table, 1 to 100; default 10.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">No cases, a probability outside 0–1, a negative revenue, or forecast and actual revenue in different currencies; the message names the account.</exception>
    public static BacktestReport Evaluate(IEnumerable<BacktestCase> cases, int bands = 10)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (bands is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(bands), bands, "The calibration table has 1 to 100 bands.");
        }

        var list = cases.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("Back-testing needs at least one past forecast.", nameof(cases));
        }

        var brier = 0.0;
        var revenue = new SortedDictionary<string, (decimal Forecast, decimal Actual, CurrencyCode Currency)>(StringComparer.Ordinal);
        foreach (var c in list)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(cases));
            ForecastChecks.Probability(c.Probability, $"Account '{c.Account}' probability");
            if (c.ForecastRevenue.Currency != c.ActualRevenue.Currency)
            {
                throw new ArgumentException($"Account '{c.Account}': forecast {c.ForecastRevenue} and actual {c.ActualRevenue} are in different currencies; nothing is converted.", nameof(cases));
            }

            if (c.ForecastRevenue.Amount < 0 || c.ActualRevenue.Amount < 0)
            {
                throw new ArgumentException($"Account '{c.Account}': revenue cannot be negative (forecast {c.ForecastRevenue}, actual {c.ActualRevenue}).", nameof(cases));
            }

            var outcome = c.Renewed ? 1.0 : 0.0;
            brier += (c.Probability - outcome) * (c.Probability - outcome);
            var code = c.ActualRevenue.Currency.Code;
            var (f, a, _) = revenue.GetValueOrDefault(code);
            revenue[code] = (f + c.ForecastRevenue.Amount, a + c.ActualRevenue.Amount, c.ActualRevenue.Currency);
        }

        var table = CalibrationTable.Of([.. list.Select(c => c.Probability)], [.. list.Select(c => c.Renewed)], bands);
        var errors = revenue.Values
            .Select(r => new RevenueForecastError(new Money(r.Forecast, r.Currency), new Money(r.Actual, r.Currency), r.Actual == 0 ? null : (double)(Math.Abs(r.Forecast - r.Actual) / r.Actual)))
            .ToArray();
        return new BacktestReport(list.Length, brier / list.Length, table, errors);
    }
}

/// <summary>The result of a back-test.</summary>
/// <param name="Cases">The number of past forecasts.</param>
/// <param name="BrierScore">Mean squared difference between probability and outcome (1 renewed, 0 churned): 0 is perfect, 0.25 is a coin toss at 50 %.</param>
/// <param name="Calibration">The bands that hold cases: how often renewals forecast at that probability renewed.</param>
/// <param name="Revenue">The revenue forecast's error, per currency.</param>
public sealed record BacktestReport(int Cases, double BrierScore, IReadOnlyList<CalibrationBand> Calibration, IReadOnlyList<RevenueForecastError> Revenue);

/// <summary>A probability band of the calibration table: [<paramref name="Lower"/>, <paramref name="Upper"/>), the last band closed.</summary>
/// <param name="Lower">The band's lower edge.</param>
/// <param name="Upper">The band's upper edge.</param>
/// <param name="Cases">Cases in the band.</param>
/// <param name="MeanPredicted">Their mean forecast probability.</param>
/// <param name="ObservedRate">The share of them that renewed; close to <paramref name="MeanPredicted"/> when the forecast is calibrated.</param>
public sealed record CalibrationBand(double Lower, double Upper, int Cases, double MeanPredicted, double ObservedRate);

/// <summary>The revenue forecast against what happened, in one currency.</summary>
/// <param name="Forecast">The forecast's expected revenue.</param>
/// <param name="Actual">The revenue renewed.</param>
/// <param name="AbsolutePercentageError">|forecast − actual| / actual; null when nothing renewed.</param>
public sealed record RevenueForecastError(Money Forecast, Money Actual, double? AbsolutePercentageError)
{
    /// <summary>Forecast minus actual: positive when the forecast was too high.</summary>
    public Money Error => Forecast - Actual;
}
