using CustomerLifecycle.Usage;
using NodaTime;

namespace CustomerLifecycle.Hosting;

/// <summary>Where the pipeline reads the portfolio: the host's CRM, warehouse or file. Required.</summary>
public interface IAccountSource
{
    /// <summary>Reads every account as of a business date (churned ones in the <c>Churned</c> stage, so their runs end).</summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The accounts.</returns>
    IAsyncEnumerable<Account> ReadAsync(LocalDate date, CancellationToken cancellationToken);
}

/// <summary>Where the pipeline reads product-usage events, when Usage is added: the events that arrived since the last run.</summary>
public interface IUsageEventSource
{
    /// <summary>Reads the usage events to ingest for a business date. Events seen before are ignored by id, so a source may repeat them.</summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The events.</returns>
    IAsyncEnumerable<UsageEvent> ReadAsync(LocalDate date, CancellationToken cancellationToken);
}
