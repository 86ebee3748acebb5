using DuckDB.NET.Data;
using NodaTime;

namespace CustomerLifecycle.Usage.DuckDb;

/// <summary>
/// Computes the usage signals with DuckDB, in process, over Parquet or CSV files (<see cref="DuckDbUsageEvents"/>) or a
/// table in a DuckDB database: the definitions as one query (<see cref="UsageSql"/>, the DuckDB dialect), read back into
/// the <see cref="UsageSignals"/> the aggregator returns. DuckDB uses every core and spills to disk past its memory limit.
/// </summary>
/// <remarks>Thread-safe: each computation opens its own connection (read-only on a database file).</remarks>
public sealed class DuckDbUsageSignalSource : IUsageSignalSource
{
    private readonly SqlUsageSignalSource _sql;

    /// <summary>Creates a source.</summary>
    /// <param name="options">The usage definitions.</param>
    /// <param name="clock">The business time zone.</param>
    /// <param name="events">The events: <see cref="DuckDbUsageEvents.Parquet"/>, <see cref="DuckDbUsageEvents.Csv"/>, or a table of <paramref name="database"/>.</param>
    /// <param name="database">A DuckDB database file holding the events table, opened read-only; null for files (an in-memory database).</param>
    /// <exception cref="ArgumentException">The options are invalid (every error listed), or the database file does not exist.</exception>
    public DuckDbUsageSignalSource(UsageOptions options, BusinessClock clock, UsageEventTable events, string? database = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (database is not null && !File.Exists(database))
        {
            throw new ArgumentException($"The DuckDB database '{database}' does not exist.", nameof(database));
        }

        var connectionString = database is null ? "DataSource=:memory:" : $"DataSource={database};ACCESS_MODE=READ_ONLY";
        _sql = new SqlUsageSignalSource(options, clock, UsageSqlDialect.DuckDb, events, () => new DuckDBConnection(connectionString));
    }

    /// <summary>The usage signals computed, in column order (ordinal by name).</summary>
    public IReadOnlyList<SignalKey> Signals => _sql.Signals;

    /// <summary>The query this source runs for a date.</summary>
    /// <param name="asOf">The evaluation date.</param>
    /// <returns>The SQL.</returns>
    public string Sql(LocalDate asOf) => _sql.Sql(asOf);

    /// <inheritdoc />
    public Task<UsageSignals> ComputeAsync(LocalDate asOf, IReadOnlyList<AccountId>? accounts, CancellationToken cancellationToken = default) =>
        _sql.ComputeAsync(asOf, accounts, cancellationToken);
}
