using System.Data.Common;
using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// Computes the usage signals with SQL where the events are, through any ADO.NET connection: the definitions compiled
/// by <see cref="UsageSql"/> for a <see cref="UsageSqlDialect"/>, run over a <see cref="UsageEventTable"/>, read back into
/// the same <see cref="UsageSignals"/> the aggregator returns (a typed read per cell, no boxing).
/// </summary>
/// <remarks>
/// <para>
/// The signals equal the aggregator's for the same events (a property test holds DuckDB, PostgreSQL and the aggregator
/// to the same cells). The milestones are found from the signals of the date and of the day before, with no state:
/// a <see cref="LifecycleEventType.UsageMilestone"/> when a value reaches a threshold it was below the day before,
/// a <see cref="LifecycleEventType.UsageDropped"/> when a change falls below its threshold from at or above it (or
/// from missing), and a <see cref="LifecycleEventType.FeatureAdopted"/> when an account's first use of a catalog
/// feature is on the date. Their ids are those of the aggregator's, so a consumer that keys by id (the playbook
/// engine does) acts once on a milestone reached again.
/// </para>
/// <para>Thread-safe: each computation opens its own connection.</para>
/// </remarks>
public sealed class SqlUsageSignalSource : IUsageSignalSource
{
    private readonly UsageModel _model;
    private readonly BusinessClock _clock;
    private readonly UsageSqlDialect _dialect;
    private readonly UsageEventTable _events;
    private readonly Func<DbConnection> _connect;

    /// <summary>Creates a source.</summary>
    /// <param name="options">The usage definitions.</param>
    /// <param name="clock">The business time zone (and now, for the milestones' instants).</param>
    /// <param name="dialect">The SQL engine.</param>
    /// <param name="events">Where the events are.</param>
    /// <param name="connection">Creates a connection (opened here when closed, and disposed after each computation).</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error.</exception>
    public SqlUsageSignalSource(UsageOptions options, BusinessClock clock, UsageSqlDialect dialect, UsageEventTable events, Func<DbConnection> connection)
        : this(UsageModel.Create(options, string.Empty), clock, dialect, events, connection)
    {
    }

    internal SqlUsageSignalSource(UsageModel model, BusinessClock clock, UsageSqlDialect dialect, UsageEventTable events, Func<DbConnection> connection)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(connection);
        _model = model;
        _clock = clock;
        _dialect = dialect;
        _events = events;
        _connect = connection;
        Signals = [.. model.Definitions.Select(d => d.Key)];
    }

    /// <summary>The usage signals computed, in column order (ordinal by name).</summary>
    public IReadOnlyList<SignalKey> Signals { get; }

    /// <summary>The query this source runs for a date (the signals; milestone definitions add their values of the day before).</summary>
    /// <param name="asOf">The evaluation date.</param>
    /// <returns>The SQL.</returns>
    public string Sql(LocalDate asOf) => UsageSqlPlan.Create(_model, _dialect, _events, _clock.Zone.Id, asOf, milestones: true).Signals;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An account is default or given twice.</exception>
    /// <exception cref="InvalidDataException">The events hold an account id that is not an <see cref="AccountId"/> (the message names it).</exception>
    /// <exception cref="DbException">The engine refused the query.</exception>
    public async Task<UsageSignals> ComputeAsync(LocalDate asOf, IReadOnlyList<AccountId>? accounts, CancellationToken cancellationToken = default)
    {
        var requested = accounts is null ? null : UsageSignals.RowIndex(accounts, nameof(accounts));

        var plan = UsageSqlPlan.Create(_model, _dialect, _events, _clock.Zone.Id, asOf, milestones: true);
        var defs = _model.Definitions;
        var width = defs.Length + plan.DayBefore.Length;

        // Rows as the engine returns them: the account and its values, flat.
        var found = new List<AccountId>();
        var values = new double[Math.Max(width, 1) * 1024];
        List<(AccountId Account, string Feature, Instant At)> adoptions = [];
        var connection = _connect() ?? throw new InvalidOperationException("The connection factory returned null.");
        await using (connection.ConfigureAwait(false))
        {
            if (connection.State != System.Data.ConnectionState.Open)
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var statement in _dialect.SessionStatements)
            {
                await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
            }

            var read = 0;
            await QueryAsync(connection, plan.Signals, reader =>
            {
                var account = ReadAccount(reader, read++);
                if (requested is not null && !requested.ContainsKey(account))
                {
                    return;
                }

                if ((found.Count + 1) * width > values.Length)
                {
                    Array.Resize(ref values, values.Length * 2);
                }

                var row = values.AsSpan(found.Count * width, width);
                for (var c = 0; c < width; c++)
                {
                    row[c] = reader.IsDBNull(c + 1) ? double.NaN : reader.GetDouble(c + 1);
                }

                found.Add(account);
            }, cancellationToken).ConfigureAwait(false);

            if (plan.Adoptions is { } adoptionSql)
            {
                read = 0;
                await QueryAsync(connection, adoptionSql, reader =>
                {
                    var account = ReadAccount(reader, read++);
                    if (requested is null || requested.ContainsKey(account))
                    {
                        adoptions.Add((account, reader.GetString(1), Instant.FromUnixTimeTicks(reader.GetInt64(2) * 10)));
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        // Rows in the caller's order, or every account found in ordinal order.
        var rows = accounts ?? [.. found.Order(Comparer<AccountId>.Create((a, b) => string.CompareOrdinal(a.Value, b.Value)))];
        var rowIndex = requested ?? UsageSignals.RowIndex(rows, nameof(accounts));
        int[] rowOf = [.. found.Select(a => rowIndex[a])];

        var columns = new double[defs.Length][];
        for (var i = 0; i < defs.Length; i++)
        {
            // An account without events: 0 for the counts, missing for the ratios, the recency and the changes.
            columns[i] = new double[rows.Count];
            if (defs[i].Kind is UsageSignalKind.Stickiness or UsageSignalKind.DaysSinceLast or UsageSignalKind.Change)
            {
                Array.Fill(columns[i], double.NaN);
            }
        }

        for (var f = 0; f < found.Count; f++)
        {
            for (var i = 0; i < defs.Length; i++)
            {
                columns[i][rowOf[f]] = values[(f * width) + i];
            }
        }

        return UsageSignals.Create(asOf, rows, rowIndex, Signals, columns, Milestones(asOf, plan, found, rowOf, values, width, adoptions));
    }

    private static AccountId ReadAccount(DbDataReader reader, int row)
    {
        var text = reader.IsDBNull(0) ? null : reader.GetString(0);
        try
        {
            return new AccountId(text!);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Usage events row {row}: the account '{text}' is not an account id: {e.Message}", e);
        }
    }

    /// <summary>Runs a query with no time limit (a warehouse query may take minutes), calling <paramref name="row"/> for each row.</summary>
    private static async Task QueryAsync(DbConnection connection, string sql, Action<DbDataReader> row, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            command.CommandTimeout = 0;
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    row(reader);
                }
            }
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private List<LifecycleEvent> Milestones(LocalDate asOf, UsageSqlPlan plan, List<AccountId> found, int[] rowOf, double[] values, int width, List<(AccountId Account, string Feature, Instant At)> adoptions)
    {
        var m = _model;
        var endOfDay = asOf.PlusDays(1).AtStartOfDayInZone(_clock.Zone).ToInstant() - Duration.Epsilon;
        var now = _clock.Now;
        var at = now < endOfDay ? now : endOfDay;
        var events = new List<LifecycleEvent>();
        foreach (var (account, feature, first) in adoptions.OrderBy(a => a.Account.Value, StringComparer.Ordinal).ThenBy(a => a.Feature, StringComparer.Ordinal))
        {
            events.Add(UsageMilestones.Adopted(account, feature, first));
        }

        // In row order, so that the same events give the same list whatever order the engine returned them in.
        foreach (var f in Enumerable.Range(0, found.Count).OrderBy(f => rowOf[f]))
        {
            var row = values.AsSpan(f * width, width);
            var account = found[f];
            foreach (var milestone in m.Milestones)
            {
                var value = row[milestone.Definition];
                var before = row[m.Definitions.Length + Array.IndexOf(plan.DayBefore, milestone.Definition)];
                var key = m.Definitions[milestone.Definition].Key;
                foreach (var threshold in milestone.Thresholds)
                {
                    if (value >= threshold && !(before >= threshold))
                    {
                        events.Add(UsageMilestones.Reached(account, key, threshold, at));
                    }
                }
            }

            foreach (var drop in m.Drops)
            {
                var value = row[drop.Definition];
                var before = row[m.Definitions.Length + Array.IndexOf(plan.DayBefore, drop.Definition)];
                if (value < drop.Below && !(before < drop.Below))
                {
                    events.Add(UsageMilestones.Dropped(account, m.Definitions[drop.Definition].Key, value, drop.Below, asOf, at));
                }
            }
        }

        return events;
    }
}
