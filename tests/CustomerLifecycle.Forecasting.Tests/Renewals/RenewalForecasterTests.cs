using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Renewals;

public sealed class RenewalForecasterTests
{
    private static readonly DateInterval Quarter = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 3, 31));

    internal static Account Account(string id, decimal arr, LocalDate renewal, string currency = "USD", string? owner = "dana") => new()
    {
        Id = new AccountId(id),
        Name = id,
        Owner = owner,
        Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(arr, currency)),
    };

    internal static HealthScore Health(double score, HealthColor color) => new() { Value = score, Color = color, Confidence = 1, ScorecardId = "default" };

    private static readonly RenewalForecaster Forecaster = new(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default));

    [Fact]
    public void Forecast_WeighsEachRenewal_AndTotalsPerCurrencyPeriodOwnerAndSegment()
    {
        RenewalCase[] renewals =
        [
            new(Account("a", 100_000m, new LocalDate(2027, 1, 15)), Health(85, HealthColor.Green), "Enterprise", expectedUpsell: new Money(20_000m, "USD")),
            new(Account("b", 50_000m, new LocalDate(2027, 2, 10), owner: "lee"), Health(30, HealthColor.Red), "Enterprise", csmCall: "Commit", expectedDownsell: new Money(10_000m, "USD")),
            new(Account("c", 10_000m, new LocalDate(2027, 3, 31), owner: null), Health(50, HealthColor.Yellow), null),
            new(Account("d", 40_000m, new LocalDate(2027, 3, 1), "EUR"), new HealthScore { Color = HealthColor.Red, ScorecardId = "default" }, "SMB", csmCall: "atrisk"),
        ];
        var forecast = Forecaster.Forecast(renewals, Quarter);

        Assert.Equal(["health-band", "csm-call", "health-band", "csm-call"], forecast.Lines.Select(l => l.Model));
        Assert.Equal([0.92, 1.0, 0.70, 0.0], forecast.Lines.Select(l => l.Probability));

        // a: 0.92 × 120,000 = 110,400; b: 1 × 40,000; c: 0.7 × 10,000 = 7,000. Churn: 8,000 + 0 + 3,000.
        var usd = forecast.Total.Single(t => t.Currency == CurrencyCode.Usd);
        Assert.Equal((3, 160_000m, 157_400m, 11_000m, 20_000m, 10_000m), (usd.Renewals, usd.Contracted.Amount, usd.ExpectedRevenue.Amount, usd.ExpectedChurn.Amount, usd.ExpectedUpsell.Amount, usd.ExpectedDownsell.Amount));
        Assert.Equal(140_000m, usd.Commit.Amount);      // a (0.92 ≥ 0.9) 100,000 + b (commit) 50,000 − 10,000 downsell; c (0.7) not
        Assert.Equal(180_000m, usd.BestCase.Amount);    // 120,000 + 50,000 + 10,000
        Assert.Equal(usd.ExpectedRevenue, usd.MostLikely);
        var eur = forecast.Total.Single(t => t.Currency == CurrencyCode.Eur);
        Assert.Equal((0m, 40_000m, 0m, 0m), (eur.ExpectedRevenue.Amount, eur.ExpectedChurn.Amount, eur.Commit.Amount, eur.BestCase.Amount));

        Assert.Equal(["2027-01", "2027-02", "2027-03"], forecast.ByPeriod.Select(g => g.Key));
        Assert.Equal(["dana", "lee", null], forecast.ByOwner.Select(g => g.Key));
        Assert.Equal(["Enterprise", "SMB", null], forecast.BySegment.Select(g => g.Key));
        Assert.Equal(150_400m, forecast.BySegment[0].ByCurrency.Single().ExpectedRevenue.Amount);
        Assert.Equal(2, forecast.ByPeriod[2].ByCurrency.Count);

        var quarterly = new RenewalForecaster(HealthBandProbabilityModel.Default, ForecastBreakdown.Quarter).Forecast(renewals.Where(r => r.CsmCall is null), Quarter);
        Assert.Equal(["2027-Q1"], quarterly.ByPeriod.Select(g => g.Key));
    }

    [Fact]
    public void BadInput_WithTheThrowPolicy_IsRefusedNamingTheValue_AndNothingIsReturned()
    {
        var strict = new RenewalForecaster(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default), refused: RefusedRenewalPolicy.Throw);
        var due = Account("late", 1_000m, new LocalDate(2027, 4, 1));
        Assert.Contains("'late' renews on 2027-04-01, outside the period 2027-01-01 to 2027-03-31", Assert.Throws<ArgumentException>(() => strict.Forecast([new RenewalCase(due, Health(50, HealthColor.Yellow))], Quarter)).Message, StringComparison.Ordinal);

        var ok = Account("ok", 1_000m, new LocalDate(2027, 1, 2));
        Assert.Contains("no model of the chain", Assert.Throws<ArgumentException>(() => strict.Forecast([new RenewalCase(ok)], Quarter)).Message, StringComparison.Ordinal);
        Assert.Contains("'Maybe' is not a confidence tier", Assert.Throws<ArgumentException>(() => strict.Forecast([new RenewalCase(ok, csmCall: "Maybe")], Quarter)).Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => strict.Forecast([new RenewalCase(ok, csmCall: "Commit"), new RenewalCase(ok, csmCall: "Commit")], Quarter)).Message, StringComparison.Ordinal);
        Assert.Contains("probability 1.5", Assert.Throws<ArgumentException>(() => new RenewalForecaster(new FixedModel(1.5), refused: RefusedRenewalPolicy.Throw).Forecast([new RenewalCase(ok)], Quarter)).Message, StringComparison.Ordinal);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new RenewalForecaster(new FixedModel(double.NaN), refused: RefusedRenewalPolicy.Throw).Forecast([new RenewalCase(ok)], Quarter)).Message, StringComparison.Ordinal);

        Assert.Contains("no contract", Assert.Throws<ArgumentException>(() => new RenewalCase(new Account { Id = new AccountId("x"), Name = "x" })).Message, StringComparison.Ordinal);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => new RenewalCase(ok, expectedUpsell: new Money(-1m, "USD"))).Message, StringComparison.Ordinal);
        Assert.Contains("not in the contract's currency", Assert.Throws<ArgumentException>(() => new RenewalCase(ok, expectedUpsell: new Money(1m, "EUR"))).Message, StringComparison.Ordinal);
        Assert.Contains("more than the contract's ARR", Assert.Throws<ArgumentException>(() => new RenewalCase(ok, expectedDownsell: new Money(1_001m, "USD"))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RenewalForecaster(HealthBandProbabilityModel.Default, commitThreshold: 1.1));
        Assert.Throws<ArgumentException>(() => new HealthBandProbabilityModel([(10, 0.5)], new Dictionary<HealthColor, double>()));
        Assert.Throws<ArgumentException>(() => new HealthBandProbabilityModel([(0, 0.5), (0, 0.6)], new Dictionary<HealthColor, double>()));
        Assert.Throws<ArgumentException>(() => new CsmCallProbabilityModel(new Dictionary<string, double> { ["Commit"] = -0.1 }));
    }

    [Fact]
    public void OneBadCase_AmongFiftyThousand_IsReported_AndTheForecastKept()
    {
        // The default policy: a bad CSM call no longer throws the whole forecast away.
        var renewals = Enumerable.Range(0, 50_000)
            .Select(i => new RenewalCase(Account("a" + i, 1_000m, new LocalDate(2027, 1, 1).PlusDays(i % 90)), Health(80, HealthColor.Green), csmCall: i == 31_337 ? "Maybe" : null))
            .Append(new RenewalCase(Account("late", 1_000m, new LocalDate(2027, 4, 1)), Health(80, HealthColor.Green)))
            .ToArray();
        var forecast = Forecaster.Forecast(renewals, Quarter);
        Assert.Equal(49_999, forecast.Lines.Count);
        Assert.Equal(49_999, forecast.Total.Single().Renewals);
        Assert.Equal(49_999_000m, forecast.Total.Single().Contracted.Amount);
        Assert.Equal(
        [
            (new AccountId("a31337"), "Account 'a31337': the CSM's call 'Maybe' is not a confidence tier (Commit, Probable, Upside, AtRisk)."),
            (new AccountId("late"), "Account 'late' renews on 2027-04-01, outside the period 2027-01-01 to 2027-03-31."),
        ], forecast.Refused.Select(r => (r.Account, r.Reason)));
        Assert.Empty(Forecaster.Forecast(renewals.Take(10), Quarter).Refused);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenewalForecaster(HealthBandProbabilityModel.Default, refused: (RefusedRenewalPolicy)7));
    }

    [Fact]
    public void DueIn_SelectsTheRenewalsOfThePeriod()
    {
        Account[] accounts = [Account("in", 1m, new LocalDate(2027, 3, 31)), Account("out", 1m, new LocalDate(2027, 4, 1)), new Account { Id = new AccountId("none"), Name = "none" }];
        Assert.Equal(["in"], RenewalForecaster.DueIn(accounts, Quarter).Select(a => a.Id.Value));
    }

    [Fact]
    public void CalibratedModel_FitsRenewalHistory()
    {
        // 40 renewals: higher scores renew more often, with overlap (no separation).
        var history = Enumerable.Range(0, 40).Select(i => (Score: (double)(i * 2.5), Renewed: i % 4 != 0 && (i > 8 || i % 2 == 0))).ToArray();
        var model = CalibratedProbabilityModel.FromHistory(history);
        Assert.True(model.Fit.Coefficients[0] > 0);
        var low = new RenewalCase(Account("l", 1m, new LocalDate(2027, 1, 1)), Health(10, HealthColor.Red));
        var high = new RenewalCase(Account("h", 1m, new LocalDate(2027, 1, 1)), Health(90, HealthColor.Green));
        Assert.True(model.TryEstimate(low, out var pLow) && model.TryEstimate(high, out var pHigh) && pLow < pHigh);
        Assert.False(model.TryEstimate(new RenewalCase(Account("n", 1m, new LocalDate(2027, 1, 1))), out _));
        Assert.Throws<ModelFitException>(() => CalibratedProbabilityModel.FromHistory([(10, false), (20, false), (80, true), (90, true)]));
        Assert.Throws<ArgumentException>(() => CalibratedProbabilityModel.FromHistory([(101, false)]));
    }

    private sealed class FixedModel(double p) : IRenewalProbabilityModel
    {
        public string Name => "fixed";

        public bool TryEstimate(RenewalCase renewal, out double probability)
        {
            probability = p;
            return true;
        }
    }
}
