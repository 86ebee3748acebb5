using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// Computes the usage signals of a date where the events are (a warehouse, Parquet files, PostgreSQL) instead of
/// ingesting them into a <see cref="UsageAggregator"/>. The pipeline's usage step takes its signals from it when one is
/// registered.
/// </summary>
public interface IUsageSignalSource
{
    /// <summary>Computes every signal of the given accounts as of a date, in the business time zone.</summary>
    /// <param name="asOf">The evaluation date: windows end on it, inclusive.</param>
    /// <param name="accounts">The rows, in this order; null for every account with an event on or before the date, in ordinal order.</param>
    /// <param name="cancellationToken">Stops the computation.</param>
    /// <returns>The signals and the milestones found from them.</returns>
    Task<UsageSignals> ComputeAsync(LocalDate asOf, IReadOnlyList<AccountId>? accounts, CancellationToken cancellationToken = default);
}
