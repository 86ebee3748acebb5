using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.HealthScoring.Tests.DependencyInjection;

public sealed class AddHealthScoringTests
{
    /// <summary>A custom factor, as a user would write it: one class.</summary>
    public sealed class ApiAdoptionFactor : IHealthFactor
    {
        public static readonly SignalKey ApiCalls = new("api_calls_7d");

        public string Name => "api_adoption";

        public string Description => "API calls in the last 7 days per licensed seat";

        public IReadOnlyList<SignalKey> Inputs { get; } = [ApiCalls, WellKnownSignals.LicensedSeats];

        public PointMapping DefaultMapping { get; } = PointMapping.Linear((0, 0), (10, 60), (50, 100));

        public double Measure(ReadOnlySpan<double> inputs) => inputs[1] > 0 ? inputs[0] / inputs[1] : double.NaN;
    }

    private static IConfigurationRoot Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static Dictionary<string, string?> EnterpriseScorecard(string weight = "3") => new()
    {
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Version"] = "4",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Groups:0:Name"] = "usage",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Groups:0:Weight"] = "2",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Factor"] = "api_adoption",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Group"] = "usage",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Weight"] = weight,
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Factor"] = "nps",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:MissingData"] = "Neutral",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Kind"] = "Bands",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Thresholds:0"] = "7",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Thresholds:1"] = "9",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Points:0"] = "0",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Points:1"] = "50",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Points:2"] = "100",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:CriticalRules:0:Name"] = "late",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:CriticalRules:0:Signal"] = "days_late_on_payment",
        ["CustomerLifecycle:HealthScoring:Scorecards:enterprise:CriticalRules:0:Value"] = "60",
        ["CustomerLifecycle:HealthScoring:Selectors:0:Scorecard"] = "enterprise",
        ["CustomerLifecycle:HealthScoring:Selectors:0:Tier"] = "Enterprise",
    };

    private static ServiceProvider Provider(IConfiguration config) =>
        new ServiceCollection()
            .AddCustomerLifecycle()
            .UseClock(FakeClock.AtDefaultStart())
            .AddHealthScoring(config.GetSection("CustomerLifecycle:HealthScoring"), h => h.AddFactor<ApiAdoptionFactor>())
            .Services.BuildServiceProvider();

    private static Account Enterprise() => new()
    {
        Id = new AccountId("acme"),
        Name = "Acme",
        Tier = "Enterprise",
        Signals = SignalSet.Create([new(ApiAdoptionFactor.ApiCalls, 500), new(WellKnownSignals.LicensedSeats, 20), new(WellKnownSignals.Nps, 9)]),
    };

    [Fact]
    public void Defaults_ScoreWithTheBuiltInScorecards()
    {
        using var provider = new ServiceCollection().AddCustomerLifecycle().AddHealthScoring().Services.BuildServiceProvider();
        var scorer = provider.GetRequiredService<HealthScorer>();
        Assert.Equal("default", scorer.Resolver.Default.Id);
        Assert.Equal("onboarding", scorer.Score(Enterprise() with { Stage = DefaultLifecycleStages.Onboarding, Signals = SignalSet.Create([new(WellKnownSignals.OnboardingCompletion, 0.5)]) }).ScorecardId);
        Assert.NotNull(provider.GetRequiredService<HealthCalibrator>());
        Assert.NotNull(provider.GetRequiredService<HealthOverrideRegistry>());
    }

    [Fact]
    public void CustomFactor_RegisteredOnce_IsUsableByNameFromConfiguration()
    {
        using var provider = Provider(Config(EnterpriseScorecard()));
        var scorer = provider.GetRequiredService<HealthScorer>();
        var explanation = scorer.Explain(Enterprise());
        Assert.Equal("enterprise", explanation.Score.ScorecardId);
        Assert.Equal(4, explanation.Score.ScorecardVersion);
        // api_adoption: 500 / 20 = 25 calls per seat → 60 + (15/40)·40 = 75; nps 9 → 100 under the configured bands.
        Assert.Equal(75, explanation.Find("api_adoption")!.Points!.Value, 10);
        Assert.Equal(100, explanation.Find("nps")!.Points!.Value, 10);
        Assert.Equal((2 * 75 + 100) / 3.0, explanation.Score.Value!.Value, 10);
    }

    [Fact]
    public void Validation_ReportsEveryErrorWithItsKey()
    {
        var values = EnterpriseScorecard(weight: "-1");
        values["CustomerLifecycle:HealthScoring:Scorecards:enterprise:RedBelow"] = "80";
        values["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:2:Factor"] = "no_such_factor";
        values["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping:Points:2"] = "20";
        values["CustomerLifecycle:HealthScoring:Selectors:1:Scorecard"] = "missing";
        using var provider = Provider(Config(values));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HealthScoringOptions>>().Value);
        var all = string.Join("\n", ex.Failures);
        Assert.Contains("CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Weight: weight -1 is out of range; weights are 0 or from 1E-12 to 1000000000000.", all, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:HealthScoring:Scorecards:enterprise:RedBelow: Color thresholds are out of order", all, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:2:Factor: 'no_such_factor' is not a known factor", all, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:1:Mapping: The band is not monotone", all, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:HealthScoring:Selectors:1:Scorecard: 'missing'", all, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_AValidChangeReplacesTheScorecardsWithoutRestart_AndAnInvalidOneIsRefusedAndReported()
    {
        var config = Config(EnterpriseScorecard());
        var logger = new FakeLogger<HealthScorer>();
        using var provider = new ServiceCollection()
            .AddSingleton<ILogger<HealthScorer>>(logger)
            .AddCustomerLifecycle()
            .UseClock(FakeClock.AtDefaultStart())
            .AddHealthScoring(config.GetSection("CustomerLifecycle:HealthScoring"), h => h.AddFactor<ApiAdoptionFactor>())
            .Services.BuildServiceProvider();
        var scorer = provider.GetRequiredService<HealthScorer>();
        var monitor = provider.GetRequiredService<IOptionsMonitor<HealthScoringOptions>>();
        Assert.Equal(4, scorer.Score(Enterprise()).ScorecardVersion);

        config["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Version"] = "5";
        config.Reload();
        Assert.Equal(5, scorer.Score(Enterprise()).ScorecardVersion);
        Assert.Null(scorer.LastRejectedReload);

        // An invalid change: nothing is thrown on the reloading thread, the last valid scorecards stay in force
        // (for the scorer and for anyone reading the monitor), and the rejection is reported with its key.
        config["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Version"] = "6";
        config["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Weight"] = "-2";
        config.Reload();
        Assert.Equal(5, scorer.Score(Enterprise()).ScorecardVersion);
        Assert.Equal(5, monitor.CurrentValue.Scorecards["enterprise"].Version);
        Assert.Contains(scorer.LastRejectedReload!.Failures, f => f.Contains("Scorecards:enterprise:Factors:0:Weight", StringComparison.Ordinal));

        // An operator sees it in the log: a warning (event 1001) naming the key; the valid reload before was 1002.
        var rejected = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 1001);
        Assert.Equal(LogLevel.Warning, rejected.Level);
        Assert.Contains("CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Weight", rejected.Message, StringComparison.Ordinal);
        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 1002);

        // The next valid change applies and clears the rejection.
        config["CustomerLifecycle:HealthScoring:Scorecards:enterprise:Factors:0:Weight"] = "3";
        config.Reload();
        Assert.Equal(6, scorer.Score(Enterprise()).ScorecardVersion);
        Assert.Null(scorer.LastRejectedReload);
    }

    [Fact]
    public void StartUp_WithInvalidScorecards_StillFailsThroughTheMonitor()
    {
        using var provider = Provider(Config(EnterpriseScorecard(weight: "-1")));
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<HealthScoringOptions>>().CurrentValue);
        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<HealthScorer>());
    }

    [Fact]
    public void AddHealthScoring_Twice_RegistersOneScorer()
    {
        var services = new ServiceCollection();
        services.AddCustomerLifecycle().AddHealthScoring().AddHealthScoring();
        Assert.Single(services, d => d.ServiceType == typeof(HealthScorer));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<HealthScoringOptions>));
    }
}
