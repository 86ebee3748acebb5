using System.Runtime.CompilerServices;
using CustomerLifecycle.Hosting;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Usage;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The sample's inputs to the pipeline: the portfolio once read and checked (<see cref="IAccountSource"/>), and, for
/// portfolios up to <see cref="UsageEventLimit"/> accounts, the simulated usage events (<see cref="Events"/>).
/// </summary>
internal sealed class SampleInputs : IAccountSource
{
    /// <summary>Portfolios up to this size get their usage signals from simulated events; larger files keep their columns.</summary>
    public const int UsageEventLimit = 20_000;

    /// <summary>The valid rows of the portfolio; set once the file is read and checked, before the pipeline runs.</summary>
    public IReadOnlyList<PortfolioRow> Rows { get; set; } = [];

    /// <summary>The day's usage events since the saved usage state, for portfolios up to the limit.</summary>
    public SampleUsageEvents Events { get; } = new();

    /// <summary>The usage events file (--events) DuckDB computes the signals from, or null.</summary>
    public string? EventsFile { get; set; }

    /// <summary>Whether the usage signals come from simulated events (the usage step ingests them), or from <see cref="EventsFile"/>, or stay the file's columns.</summary>
    public bool SimulatesUsage => EventsFile is null && Rows.Count <= UsageEventLimit;

    public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var row in Rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ToAccount(row);
        }
    }

    /// <summary>
    /// The account the pipeline reads for a row: a churned row is in the <c>Churned</c> stage (so its open runs end), and
    /// a plan with the API says so in <see cref="ApiAdoptionFactor.ApiPlan"/> (the file's <c>api_calls_7d</c> is empty
    /// for the others, while the usage signals computed from events count 0 calls for them).
    /// </summary>
    public static Account ToAccount(PortfolioRow row)
    {
        var account = row.ChurnedOn is null ? row.Account : row.Account with { Stage = DefaultLifecycleStages.Churned };
        return UsageSimulation.HasApi(row.Account)
            ? account with { Signals = SignalSet.Create(account.Signals.Append(new(ApiAdoptionFactor.ApiPlan, 1))) }
            : account;
    }
}

/// <summary>
/// The simulated usage events the pipeline's usage step ingests for a date: those of every day from the saved usage
/// state's date (whose events the state already holds, so they count as duplicates) to the date.
/// </summary>
internal sealed class SampleUsageEvents : IUsageEventSource
{
    private UsageSimulation? _simulation;
    private LocalDate _from;

    /// <summary>Sets the simulation and the first day to send, once the saved usage state is known.</summary>
    public void Prepare(UsageSimulation simulation, LocalDate from) => (_simulation, _from) = (simulation, from);

    public async IAsyncEnumerable<UsageEvent> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        var simulation = _simulation ?? throw new InvalidOperationException("The usage events were read before the run prepared them.");
        for (var day = _from; day <= date; day = day.PlusDays(1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var e in simulation.Events(day))
            {
                yield return e;
            }
        }
    }
}
