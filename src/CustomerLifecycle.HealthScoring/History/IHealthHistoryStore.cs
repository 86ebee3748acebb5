using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Health records by account and business date, kept across restarts and shared by every instance of a host: what
/// hysteresis and the last-known policy read back (<see cref="LatestAsync(LocalDate, CancellationToken)"/>, then <see cref="HealthRecord.ToPrevious"/>),
/// and what <c>health.change(n)</c> compares with. <see cref="InMemoryHealthHistoryStore"/> is the default; the
/// SQLite and PostgreSQL packages ship durable ones, checked by the same conformance suite.
/// </summary>
public interface IHealthHistoryStore
{
    /// <summary>
    /// Writes records, replacing any record of the same account and date (so a day run again writes it again, not
    /// twice). Every record is validated first; an invalid one, or two of one account and date, refuses the whole
    /// batch and nothing is written.
    /// </summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when they are written.</returns>
    /// <exception cref="ArgumentException">A record is invalid or repeated; the message names it.</exception>
    ValueTask WriteAsync(IReadOnlyList<HealthRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Each account's latest record dated on or before <paramref name="date"/>; accounts with none are absent.</summary>
    /// <param name="date">The latest date to consider: yesterday for hysteresis, today − n for <c>health.change(n)</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records by account.</returns>
    ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, CancellationToken cancellationToken = default);

    /// <summary>
    /// The latest record dated on or before <paramref name="date"/> of each of <paramref name="accounts"/>; accounts with
    /// none are absent. What the pipeline reads for one shard of the portfolio: the database stores look the accounts up
    /// by their key, so the read and its memory follow the accounts asked for, not the portfolio. The default filters
    /// <see cref="LatestAsync(LocalDate, CancellationToken)"/>.
    /// </summary>
    /// <param name="date">The latest date to consider.</param>
    /// <param name="accounts">The accounts.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records by account.</returns>
    async ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var wanted = accounts as IReadOnlySet<AccountId> ?? accounts.ToHashSet();
        var all = await LatestAsync(date, cancellationToken).ConfigureAwait(false);
        return all.Where(r => wanted.Contains(r.Key)).ToDictionary(r => r.Key, r => r.Value);
    }

    /// <summary>One account's records from <paramref name="from"/> to <paramref name="to"/> inclusive, oldest first.</summary>
    /// <param name="account">The account.</param>
    /// <param name="from">The first date.</param>
    /// <param name="to">The last date.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<HealthRecord>> HistoryAsync(AccountId account, LocalDate from, LocalDate to, CancellationToken cancellationToken = default);

    /// <summary>Deletes the records dated before <paramref name="date"/> (retention).</summary>
    /// <param name="date">The first date to keep.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many records were deleted.</returns>
    ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default);
}

/// <summary>Health records in memory: for tests and hosts that may lose them when they stop. Thread-safe.</summary>
public sealed class InMemoryHealthHistoryStore : IHealthHistoryStore
{
    private readonly object _lock = new();
    private readonly Dictionary<AccountId, SortedList<LocalDate, HealthRecord>> _records = [];

    /// <inheritdoc />
    public ValueTask WriteAsync(IReadOnlyList<HealthRecord> records, CancellationToken cancellationToken = default)
    {
        HealthRecords.Validate(records);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var record in records)
            {
                if (!_records.TryGetValue(record.Account, out var list))
                {
                    _records[record.Account] = list = [];
                }

                list[record.Date] = record;
            }
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        var latest = new Dictionary<AccountId, HealthRecord>();
        lock (_lock)
        {
            foreach (var (account, list) in _records)
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (list.Keys[i] <= date)
                    {
                        latest[account] = list.Values[i];
                        break;
                    }
                }
            }
        }

        return new(latest);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HealthRecord>> HistoryAsync(AccountId account, LocalDate from, LocalDate to, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_records.TryGetValue(account, out var list) ? [.. list.Values.Where(r => r.Date >= from && r.Date <= to)] : []);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        lock (_lock)
        {
            foreach (var list in _records.Values)
            {
                while (list.Count > 0 && list.Keys[0] < date)
                {
                    list.RemoveAt(0);
                    deleted++;
                }
            }
        }

        return new(deleted);
    }
}

/// <summary>What every health history store checks before writing.</summary>
public static class HealthRecords
{
    /// <summary>Validates a batch: each record (<see cref="HealthRecord.Validate"/>), and one per account and date.</summary>
    /// <param name="records">The batch.</param>
    /// <exception cref="ArgumentException">A record is invalid or repeated.</exception>
    public static void Validate(IReadOnlyList<HealthRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var seen = new HashSet<(AccountId, LocalDate)>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw new ArgumentException($"The health record at index {i} is null.", nameof(records));
            record.Validate();
            if (!seen.Add((record.Account, record.Date)))
            {
                throw new ArgumentException($"Account '{record.Account}' has two health records on {record.Date:uuuu-MM-dd} in one batch (index {i}); keep one per account and date.", nameof(records));
            }
        }
    }
}
