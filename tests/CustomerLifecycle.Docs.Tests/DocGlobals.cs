using CustomerLifecycle.Events;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
    public HostApplicationBuilder builder = Host.CreateApplicationBuilder();
    public Account account = null!;
    public Account[] accounts = [];
    public HealthScorer scorer = null!;
    public LocalDate asOf;
    public PortfolioSnapshot yesterday = null!;
    public PortfolioSnapshot today = null!;
    public IClock myClock = SystemClock.Instance;
    public CustomerLifecycle.Stages.LifecycleStageModel model = CustomerLifecycle.Stages.LifecycleStageModel.Default;
    public Scorecard scorecard = Scorecard.Default;
    public Scorecard enterprise = Scorecard.Default;
    public HealthScoreExplanation? previous;
    public HealthScore[] results = [];
    public HealthCalibrator calibrator = null!;
    public IReadOnlyList<CalibrationCase> history = [];
    public IEnumerable<LifecycleEvent> events = [];
    public IEnumerable<CustomerLifecycle.Usage.UsageEvent> usageEvents = [];
    public IReadOnlyList<AccountId> accountIds = [];
    public SegmentMembershipSnapshot lastSnapshot = SegmentMembershipSnapshot.Empty;
    public SegmentMembershipSnapshot yesterdaysSnapshot = SegmentMembershipSnapshot.Empty;
    public PortfolioSummary? lastSummary;
    public PortfolioSummary? yesterdaysSummary;
    public SnapshotStore store = new();

    public HealthHistory? historyOf(Account a) => null;

    public string? segmentOf(Account a) => null;

    public string? callOf(Account a) => null;

    public Money? upsellOf(Account a) => null;

    public LocalDate? churnedOn(Account a) => null;

    public SurvivalObservation observationOf(Account a) => default;
}

public sealed class SnapshotStore
{
    public void Save(SegmentMembershipSnapshot snapshot)
    {
    }
}

public sealed class CrmTaskHandler : IPlaybookTaskHandler
{
    public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class MyTaskHandler : IPlaybookTaskHandler
{
    public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class MyFactor : IHealthFactor
{
    public string Name => "my_factor";

    public string Description => "A factor of the host's.";

    public IReadOnlyList<SignalKey> Inputs { get; } = [new SignalKey("my_signal")];

    public PointMapping DefaultMapping { get; } = PointMapping.Linear((0, 0), (1, 100));

    public double Measure(ReadOnlySpan<double> inputs) => inputs[0];
}

/// <summary>The account source docs/operations.md registers.</summary>
public sealed class DocAccountSource : CustomerLifecycle.Hosting.IAccountSource
{
    public IAsyncEnumerable<Account> ReadAsync(LocalDate date, CancellationToken cancellationToken) => AsyncEnumerable.Empty<Account>();
}
