using CustomerLifecycle.HealthScoring;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using static CustomerLifecycle.Forecasting.Tests.Renewals.RenewalForecasterTests;

namespace CustomerLifecycle.Forecasting.Tests.Renewals;

/// <summary>Forecast and simulation invariants over random renewals: zero and huge ARR, two currencies, probabilities at 0 and 1, every tier.</summary>
public sealed class ForecastPropertyTests
{
    private static readonly DateInterval Year = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 12, 31));

    private static Gen<RenewalCase> Renewal(int index) =>
        from arr in Gen.Frequency((3, Gen.Choose(0, 500_000).Select(i => (decimal)i)), (1, Gen.Elements(0m, 0.01m, 1_000_000_000_000m)))
        from upShare in Gen.Choose(0, 200)
        from downShare in Gen.Choose(0, 100)
        from day in Gen.Choose(0, 364)
        from currency in Gen.Elements("USD", "EUR")
        from score in Gen.Frequency((1, Gen.Constant<double?>(null)), (4, Gen.Choose(0, 100).Select(i => (double?)i)))
        from call in Gen.Elements(null, "Commit", "Probable", "Upside", "AtRisk")
        let account = Account("a" + index, arr, new LocalDate(2027, 1, 1).PlusDays(day), currency)
        select new RenewalCase(
            account,
            new HealthScore { Value = score, Color = score is null ? HealthColor.Yellow : null, ScorecardId = "x" },
            segment: index % 3 == 0 ? null : "S" + (index % 3),
            csmCall: call,
            expectedUpsell: new Money(decimal.Round(arr * upShare / 100m, 2), currency),
            expectedDownsell: new Money(decimal.Round(arr * downShare / 100m, 2), currency));

    private static Gen<RenewalCase[]> Renewals() =>
        Gen.Choose(0, 40).SelectMany(n => Gen.CollectToArray(Enumerable.Range(0, n).Select(Renewal)));

    [Fact]
    public void ExpectedRenewalRevenue_NeverExceedsContractedPlusUpsell()
    {
        var forecaster = new RenewalForecaster(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default));
        AssertHolds(Prop.ForAll(Renewals().ToArbitrary(), renewals =>
        {
            var forecast = forecaster.Forecast(renewals, Year);
            return forecast.Lines.All(l => l.ExpectedRevenue <= l.Contracted + l.ExpectedUpsell && l.ExpectedRevenue.Amount >= 0 && l.Commit <= l.BestCase)
                && forecast.Total.All(t => t.ExpectedRevenue <= t.Contracted + t.ExpectedUpsell && t.ExpectedChurn <= t.Contracted && t.Commit <= t.BestCase)
                && forecast.Total.Sum(t => t.Renewals) == renewals.Length
                && forecast.ByOwner.Concat(forecast.BySegment).Concat(forecast.ByPeriod).SelectMany(g => g.ByCurrency).Sum(t => t.Renewals) == 3 * renewals.Length;
        }), 300);
    }

    [Fact]
    public void SimulationPercentiles_AreOrdered_AndTheMeanConvergesToTheExpectedValue()
    {
        var forecaster = new RenewalForecaster(new SimulationAndBacktestTests.ScoreAsProbability());
        var gen = from renewals in Renewals()
                  from seed in Gen.Choose(0, int.MaxValue)
                  select (renewals: renewals.Where(r => r.Health?.Value is not null).ToArray(), seed);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var forecast = forecaster.Forecast(c.renewals, Year);
            const int Trials = 4000;
            var result = RenewalSimulation.Run(forecast, Trials, (ulong)c.seed);
            return result.Revenue.All(r =>
            {
                var lines = forecast.Lines.Where(l => l.Contracted.Currency == r.Currency).ToArray();
                var sd = Math.Sqrt(lines.Sum(l => Math.Pow((double)(l.Contracted - l.ExpectedDownsell + l.ExpectedUpsell).Amount, 2) * l.Probability * (1 - l.Probability)));
                return r.P10 <= r.P50 && r.P50 <= r.P90
                    && Math.Abs((double)(r.Mean - r.Expected).Amount) <= (5 * sd / Math.Sqrt(Trials)) + 0.01 + (1e-12 * (double)r.Expected.Amount);
            })
            && result.ChurnedLogos.P10 <= result.ChurnedLogos.P50 && result.ChurnedLogos.P50 <= result.ChurnedLogos.P90;
        }), 60);
    }

    private static void AssertHolds(Property property, int runs) => Assert.Null(Record.Exception(() => property.Check(Config.QuickThrowOnFailure.WithMaxTest(runs))));
}
