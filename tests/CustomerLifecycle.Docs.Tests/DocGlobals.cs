using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

#pragma warning disable IDE1006, CA1707, SA1300, CA1822 // The names are the ones the docs use.

namespace CustomerLifecycle.Docs.Tests;

/// <summary>
/// What a snippet in the docs may use without declaring it: the host's usual variables and the helpers the prose
/// describes. Each snippet compiles as a C# script against these globals; only compilation is checked.
/// </summary>
public class DocGlobals
{
    public IServiceCollection services = new ServiceCollection();
    public IConfiguration configuration = new ConfigurationBuilder().Build();
    public IServiceProvider provider = new ServiceCollection().BuildServiceProvider();
    public Account account = null!;
    public Account[] accounts = [];
    public HealthScorer scorer = null!;
    public LocalDate asOf;
    public Scorecard scorecard = Scorecard.Default;
    public Scorecard enterprise = Scorecard.Default;
    public HealthScoreExplanation? previous;
    public HealthScore[] results = [];
    public HealthCalibrator calibrator = null!;
    public IReadOnlyList<CalibrationCase> history = [];

    public string? segmentOf(Account a) => null;

    public string? callOf(Account a) => null;

    public Money? upsellOf(Account a) => null;

    public LocalDate? churnedOn(Account a) => null;

    public SurvivalObservation observationOf(Account a) => default;
}
