namespace CustomerLifecycle.Forecasting;

/// <summary>
/// Simulates the renewal outcome of a forecast: each trial renews every line independently with its probability and
/// adds up the revenue (ARR − downsell + upsell of the renewed lines) and the churned logos. Reports P10 / P50 / P90
/// per currency. Reproducible: the same forecast, trials and seed give the same result on any machine and any number
/// of cores (each trial has its own random stream, derived from the seed and the trial's number), and whatever the
/// order of the forecast's lines (they are drawn in account order), so a forecast combined from shards
/// (<see cref="RenewalForecaster.Combine"/>) gives the whole portfolio's P10 / P50 / P90.
/// </summary>
/// <remarks>
/// Assumes renewals are independent; correlated churn (a market downturn) widens the real range beyond this one.
/// Percentiles use linear interpolation between order statistics (R's default, type 7). Memory: the per-trial totals
/// (8 bytes per trial and currency) and the lines' values; nothing per draw.
/// </remarks>
public static class RenewalSimulation
{
    /// <summary>The most trials one run may ask for.</summary>
    public const int MaxTrials = 10_000_000;

    /// <summary>Runs the simulation.</summary>
    /// <param name="forecast">The forecast.</param>
    /// <param name="trials">1 to <see cref="MaxTrials"/>; default 10,000.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>The distribution of outcomes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="trials"/> is outside 1–<see cref="MaxTrials"/>.</exception>
    public static RenewalSimulationResult Run(RenewalForecast forecast, int trials = 10_000, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        if (trials is < 1 or > MaxTrials)
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, $"A simulation runs 1 to {MaxTrials:N0} trials.");
        }

        // In account order, whatever the order of the forecast's lines: a forecast combined from shards draws what the
        // whole portfolio's would, line for line.
        var lines = forecast.Lines.OrderBy(l => l.Account.Value, StringComparer.Ordinal).ToArray();
        var currencies = forecast.Total.Select(t => t.Currency).ToArray();
        var currencyOf = new int[lines.Length];
        var value = new double[lines.Length];
        var threshold = new ulong[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            currencyOf[i] = Array.IndexOf(currencies, line.Contracted.Currency);
            value[i] = (double)(line.Contracted - line.ExpectedDownsell + line.ExpectedUpsell).Amount;

            // Renewed when a uniform 64-bit draw is below p·2^64; p = 1 always renews, p = 0 never.
            threshold[i] = line.Probability >= 1 ? ulong.MaxValue : (ulong)(line.Probability * 18446744073709551616.0);
        }

        var revenue = new double[currencies.Length][];
        for (var c = 0; c < currencies.Length; c++)
        {
            revenue[c] = new double[trials];
        }

        var churned = new double[trials];
        Parallel.For(0, trials, () => new double[currencies.Length], (trial, _, sums) =>
        {
            Array.Clear(sums);
            var random = new Xoshiro256(seed, (ulong)trial);
            var lost = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var t = threshold[i];
                if (t == ulong.MaxValue || random.Next() < t)
                {
                    sums[currencyOf[i]] += value[i];
                }
                else
                {
                    lost++;
                }
            }

            for (var c = 0; c < sums.Length; c++)
            {
                revenue[c][trial] = sums[c];
            }

            churned[trial] = lost;
            return sums;
        }, _ => { });

        var byCurrency = new SimulatedRevenue[currencies.Length];
        for (var c = 0; c < currencies.Length; c++)
        {
            var outcomes = revenue[c];
            var mean = outcomes.Average();
            Array.Sort(outcomes);
            var currency = currencies[c];
            byCurrency[c] = new SimulatedRevenue(
                Money(Percentile(outcomes, 0.10), currency),
                Money(Percentile(outcomes, 0.50), currency),
                Money(Percentile(outcomes, 0.90), currency),
                Money(mean, currency),
                forecast.Total[c].ExpectedRevenue);
        }

        var meanChurned = churned.Average();
        Array.Sort(churned);
        var expectedChurned = lines.Sum(l => 1 - l.Probability);
        return new RenewalSimulationResult(trials, seed, byCurrency, new SimulatedCount(Percentile(churned, 0.10), Percentile(churned, 0.50), Percentile(churned, 0.90), meanChurned, expectedChurned));
    }

    /// <summary>Type-7 percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        var h = (sorted.Length - 1) * p;
        var low = (int)Math.Floor(h);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((h - low) * (sorted[high] - sorted[low]));
    }

    private static Money Money(double amount, CurrencyCode currency) => new(Math.Round((decimal)amount, 2), currency);
}

/// <summary>The simulated outcome of a forecast.</summary>
/// <param name="Trials">The number of trials.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Revenue">Renewed revenue per currency, by currency code.</param>
/// <param name="ChurnedLogos">Churned renewals (all currencies).</param>
public sealed record RenewalSimulationResult(int Trials, ulong Seed, IReadOnlyList<SimulatedRevenue> Revenue, SimulatedCount ChurnedLogos);

/// <summary>Renewed revenue in one currency across trials, rounded to cents.</summary>
/// <param name="P10">10th percentile: a bad quarter.</param>
/// <param name="P50">The median.</param>
/// <param name="P90">90th percentile: a good quarter.</param>
/// <param name="Mean">The mean of the trials; tends to <paramref name="Expected"/> as trials grow.</param>
/// <param name="Expected">The forecast's expected revenue.</param>
public sealed record SimulatedRevenue(Money P10, Money P50, Money P90, Money Mean, Money Expected)
{
    /// <summary>The currency.</summary>
    public CurrencyCode Currency => Expected.Currency;
}

/// <summary>A count across trials.</summary>
/// <param name="P10">10th percentile.</param>
/// <param name="P50">The median.</param>
/// <param name="P90">90th percentile.</param>
/// <param name="Mean">The mean of the trials.</param>
/// <param name="Expected">The expected value, Σ (1 − p).</param>
public sealed record SimulatedCount(double P10, double P50, double P90, double Mean, double Expected);
