using Apache.Arrow;
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

/// <summary>
/// An <see cref="IAccountSource"/> that reads one shard of the portfolio where the accounts are (a SQL <c>WHERE</c>, a
/// partitioned file), when the pipeline runs in shards (<see cref="LifecyclePipelineOptions.Shards"/>). Without it, each
/// shard reads every account and keeps its own.
/// </summary>
public interface IShardedAccountSource : IAccountSource
{
    /// <summary>
    /// Reads the accounts of one shard as of a business date: those whose <see cref="AccountShard.Of(AccountId, int)"/>
    /// is the shard's index (FNV-1a of the id's UTF-8, modulo the count). An account of another shard is refused, naming it.
    /// </summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The shard's accounts.</returns>
    IAsyncEnumerable<Account> ReadAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken);
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

/// <summary>An <see cref="IUsageEventSource"/> that reads one shard's events where they are; without it, each shard reads every event and keeps its accounts'.</summary>
public interface IShardedUsageEventSource : IUsageEventSource
{
    /// <summary>Reads the usage events of one shard's accounts (<see cref="AccountShard.Contains"/>) to ingest for a business date.</summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The events.</returns>
    IAsyncEnumerable<UsageEvent> ReadAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken);
}

/// <summary>
/// Where the pipeline reads product-usage events in bulk, when Usage is added: Apache Arrow record batches (what DuckDB,
/// Polars, Spark and the warehouses export), ingested with no object per event.
/// </summary>
/// <remarks>
/// Batches carry no ids and are not de-duplicated, so the pipeline applies a date's batches once: a usage state saved
/// for the date (or a later one) already holds them, and the date's evaluation skips them; an ingestion that fails
/// half-way is dropped (the step starts again from the last saved state). Return each date's events once: those that
/// arrived for it.
/// </remarks>
public interface IUsageBatchSource
{
    /// <summary>The batches' column names; null for <see cref="UsageArrowColumns.Default"/>.</summary>
    UsageArrowColumns? Columns { get; }

    /// <summary>Reads the record batches of a business date's events; the pipeline disposes each once ingested.</summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The batches.</returns>
    IAsyncEnumerable<RecordBatch> ReadAsync(LocalDate date, CancellationToken cancellationToken);
}

/// <summary>
/// An <see cref="IUsageBatchSource"/> that reads one shard's events: required when the pipeline runs in shards with
/// batches ingested in process (a record batch is not filtered row by row).
/// </summary>
public interface IShardedUsageBatchSource : IUsageBatchSource
{
    /// <summary>Reads the record batches of one shard's events (rows whose account is in <paramref name="shard"/>) for a business date.</summary>
    /// <param name="date">The business date the pipeline runs for.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The batches.</returns>
    IAsyncEnumerable<RecordBatch> ReadAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken);
}
