using CustomerLifecycle.HealthScoring;
using NodaTime;
using static CustomerLifecycle.Forecasting.Tests.Renewals.RenewalForecasterTests;

namespace CustomerLifecycle.Forecasting.Tests.Renewals;

public sealed class SimulationAndBacktestTests
{
    private static readonly DateInterval Quarter = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 3, 31));

    private static RenewalForecast Forecast(int count, Func<int, double> probability)
    {
        var renewals = Enumerable.Range(0, count).Select(i => new RenewalCase(Account("a" + i, 1_000m + (i * 10m), new LocalDate(2027, 1, 1).PlusDays(i % 90), i % 3 == 0 ? "EUR" : "USD"), new HealthScore { Value = probability(i) * 100, Color = HealthColor.Green, ScorecardId = "x" }));
        return new RenewalForecaster(new ScoreAsProbability()).Forecast(renewals, Quarter);
    }

    [Fact]
    public void Simulation_IsReproducibleFromTheSeed_AndItsMeanConvergesToTheExpectation()
    {
        var forecast = Forecast(500, i => (i % 10) / 9.0);
        var first = RenewalSimulation.Run(forecast, 20_000, seed: 42);
        var again = RenewalSimulation.Run(forecast, 20_000, seed: 42);
        Assert.Equal(first.Revenue, again.Revenue);
        Assert.Equal(first.ChurnedLogos, again.ChurnedLogos);
        Assert.NotEqual(first.Revenue, RenewalSimulation.Run(forecast, 20_000, seed: 43).Revenue);

        foreach (var currency in first.Revenue)
        {
            var lines = forecast.Lines.Where(l => l.Contracted.Currency == currency.Currency).ToArray();
            var sd = Math.Sqrt(lines.Sum(l => (double)l.Contracted.Amount * (double)l.Contracted.Amount * l.Probability * (1 - l.Probability)));
            Assert.InRange((double)(currency.Mean - currency.Expected).Amount, -4 * sd / Math.Sqrt(20_000), 4 * sd / Math.Sqrt(20_000));
            Assert.True(currency.P10 <= currency.P50 && currency.P50 <= currency.P90);
        }

        Assert.InRange(first.ChurnedLogos.Mean - first.ChurnedLogos.Expected, -0.2, 0.2);
    }

    [Fact]
    public void Simulation_OfCertainRenewals_HasNoSpread()
    {
        var result = RenewalSimulation.Run(Forecast(10, _ => 1.0), 100);
        Assert.All(result.Revenue, r => Assert.True(r.P10 == r.P90 && r.P10 == r.Expected));
        Assert.Equal(0, result.ChurnedLogos.P90);
        Assert.Throws<ArgumentOutOfRangeException>(() => RenewalSimulation.Run(Forecast(1, _ => 0.5), 0));
    }

    [Fact]
    public void Percentiles_AreRType7()
    {
        // quantile(c(1, 2, 3, 4, 10), c(.1, .5, .9)) in R 4.2.2: 1.4, 3.0, 7.6.
        double[] sorted = [1, 2, 3, 4, 10];
        Assert.Equal(1.4, RenewalSimulation.Percentile(sorted, 0.1), 1e-12);
        Assert.Equal(3.0, RenewalSimulation.Percentile(sorted, 0.5), 1e-12);
        Assert.Equal(7.6, RenewalSimulation.Percentile(sorted, 0.9), 1e-12);
    }

    [Fact]
    public void Backtest_ScoresProbabilitiesAndRevenue()
    {
        // Brier (1950): mean((p − o)²). In R: mean((c(.7, .2, .9, .5) - c(1, 0, 0, 1))^2) = 0.2975.
        BacktestCase[] cases =
        [
            new(new AccountId("a"), 0.7, true, new Money(70m, "USD"), new Money(100m, "USD")),
            new(new AccountId("b"), 0.2, false, new Money(20m, "USD"), new Money(0m, "USD")),
            new(new AccountId("c"), 0.9, false, new Money(90m, "USD"), new Money(0m, "USD")),
            new(new AccountId("d"), 0.5, true, new Money(50m, "EUR"), new Money(120m, "EUR")),
        ];
        var report = Backtest.Evaluate(cases, bands: 5);
        Assert.Equal(0.2975, report.BrierScore, 1e-12);
        Assert.Equal(["0.2:1/0", "0.4:1/1", "0.6:1/1", "0.8:1/0"], report.Calibration.Select(b => $"{b.Lower}:{b.Cases}/{b.ObservedRate}"));
        var usd = report.Revenue.Single(r => r.Actual.Currency == CurrencyCode.Usd);
        Assert.Equal((180m, 100m, 80m), (usd.Forecast.Amount, usd.Actual.Amount, usd.Error.Amount));
        Assert.Equal(0.8, usd.AbsolutePercentageError);
        Assert.Throws<ArgumentException>(() => Backtest.Evaluate([]));
        Assert.Throws<ArgumentException>(() => Backtest.Evaluate([new(new AccountId("x"), 1.2, true, new Money(1m, "USD"), new Money(1m, "USD"))]));
        Assert.Throws<ArgumentException>(() => Backtest.Evaluate([new(new AccountId("x"), 0.5, true, new Money(1m, "USD"), new Money(1m, "EUR"))]));
    }

    internal sealed class ScoreAsProbability : IRenewalProbabilityModel
    {
        public string Name => "score";

        public bool TryEstimate(RenewalCase renewal, out double probability)
        {
            probability = renewal.Health!.Value.Value!.Value / 100;
            return true;
        }
    }
}
