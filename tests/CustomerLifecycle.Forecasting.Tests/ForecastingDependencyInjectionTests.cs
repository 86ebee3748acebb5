using CustomerLifecycle.HealthScoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;
using static CustomerLifecycle.Forecasting.Tests.Renewals.RenewalForecasterTests;

namespace CustomerLifecycle.Forecasting.Tests;

public sealed class ForecastingDependencyInjectionTests
{
    private const string Section = "CustomerLifecycle:Forecasting";

    private static ServiceProvider Provider(Dictionary<string, string?> values) =>
        new ServiceCollection().AddCustomerLifecycle()
            .AddForecasting(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(Section))
            .Services.BuildServiceProvider();

    [Fact]
    public void BandTablesAndTiers_BindFromConfiguration()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:ScoreBands:0:MinScore"] = "0",
            [$"{Section}:ScoreBands:0:Probability"] = "0.5",
            [$"{Section}:ScoreBands:1:MinScore"] = "60",
            [$"{Section}:ScoreBands:1:Probability"] = "0.95",
            [$"{Section}:ConfidenceTiers:Commit"] = "1",
            [$"{Section}:ConfidenceTiers:AtRisk"] = "0.25",
            [$"{Section}:ColorProbabilities:Red"] = "0.1",
            [$"{Section}:Breakdown"] = "Quarter",
        });
        var forecaster = provider.GetRequiredService<RenewalForecaster>();
        var period = new DateInterval(new LocalDate(2027, 1, 1), new LocalDate(2027, 3, 31));
        var forecast = forecaster.Forecast(
        [
            new RenewalCase(Account("a", 100m, new LocalDate(2027, 1, 5)), Health(65, HealthColor.Yellow)),
            new RenewalCase(Account("b", 100m, new LocalDate(2027, 1, 5)), csmCall: "atrisk"),
            new RenewalCase(Account("c", 100m, new LocalDate(2027, 1, 5)), new HealthScore { Color = HealthColor.Red, ScorecardId = "x" }),
        ], period);
        Assert.Equal([0.95, 0.25, 0.1], forecast.Lines.Select(l => l.Probability));
        Assert.Equal(["2027-Q1"], forecast.ByPeriod.Select(p => p.Key));
    }

    [Fact]
    public void InvalidConfiguration_StopsStartUp_WithEveryKey()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:ScoreBands:0:MinScore"] = "10",
            [$"{Section}:ScoreBands:0:Probability"] = "1.5",
            [$"{Section}:ConfidenceTiers:Commit"] = "-1",
            [$"{Section}:CommitThreshold"] = "2",
        });
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ForecastingOptions>>().Value);
        Assert.Equal(
        [
            $"{Section}:ScoreBands:0:MinScore: must be 0–100, the first 0 and each above the last (was 10).",
            $"{Section}:ScoreBands:0:Probability: must be within 0–1 (was 1.5).",
            $"{Section}:ConfidenceTiers:Commit: must be within 0–1 (was -1).",
            $"{Section}:CommitThreshold: must be within 0–1 (was 2).",
        ], e.Failures);
    }

    [Fact]
    public void ACustomModel_ReplacesTheChain()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IRenewalProbabilityModel>(HealthBandProbabilityModel.Default);
        using var provider = services.AddCustomerLifecycle().AddForecasting(o => o.CommitThreshold = 0.5).Services.BuildServiceProvider();
        var forecaster = provider.GetRequiredService<RenewalForecaster>();
        Assert.Equal(0.5, forecaster.CommitThreshold);
        var line = forecaster.Forecast([new RenewalCase(Account("a", 100m, new LocalDate(2027, 1, 5)), Health(10, HealthColor.Red), csmCall: "Commit")], new DateInterval(new LocalDate(2027, 1, 1), new LocalDate(2027, 1, 31))).Lines[0];
        Assert.Equal(("health-band", 0.35), (line.Model, line.Probability));
    }
}
