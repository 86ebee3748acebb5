using System.Data.Common;
using System.Globalization;
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
        Dictionary<AccountId, int>? requested = null;
        if (accounts is not null)
        {
            requested = new Dictionary<AccountId, int>(accounts.Count);
            for (var r = 0; r < accounts.Count; r++)
            {
                if (accounts[r].IsEmpty)
                {
                    throw new ArgumentException($"Account at row {r} is default.", nameof(accounts));
                }

                if (!requested.TryAdd(accounts[r], r))
                {
                    throw new ArgumentException($"Account '{accounts[r]}' is given twice, at rows {requested[accounts[r]]} and {r}.", nameof(accounts));
                }
            }
        }

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

            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = plan.Signals;
                command.CommandTimeout = 0;
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var account = ReadAccount(reader, found.Count);
                        if (requested is not null && !requested.ContainsKey(account))
                        {
                            continue;
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
                    }
                }
            }

            if (plan.Adoptions is { } adoptionSql)
            {
                var command2 = connection.CreateCommand();
                await using (command2.ConfigureAwait(false))
                {
                    command2.CommandText = adoptionSql;
                    command2.CommandTimeout = 0;
                    var reader = await command2.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            var account = ReadAccount(reader, adoptions.Count);
                            if (requested is null || requested.ContainsKey(account))
                            {
                                adoptions.Add((account, reader.GetString(1), Instant.FromUnixTimeTicks(reader.GetInt64(2) * 10)));
                            }
                        }
                    }
                }
            }
        }

        // Rows in the caller's order, or every account found in ordinal order.
        IReadOnlyList<AccountId> rows;
        int[] rowOf;
        if (accounts is not null)
        {
            rows = accounts;
            rowOf = [.. found.Select(a => requested![a])];
        }
        else
        {
            var order = Enumerable.Range(0, found.Count).OrderBy(i => found[i].Value, StringComparer.Ordinal).ToArray();
            rows = [.. order.Select(i => found[i])];
            rowOf = new int[found.Count];
            for (var r = 0; r < order.Length; r++)
            {
                rowOf[order[r]] = r;
            }
        }

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

        var rowIndex = new Dictionary<AccountId, int>(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            rowIndex[rows[r]] = r;
        }

        var matrix = new SignalMatrix(rows.Count, Signals);
        for (var i = 0; i < defs.Length; i++)
        {
            matrix.SetColumn(defs[i].Key, columns[i]);
            for (var r = 0; r < rows.Count; r++)
            {
                if (double.IsNaN(columns[i][r]))
                {
                    matrix.SetMissing(r, defs[i].Key);
                }
            }
        }

        var milestones = Milestones(asOf, plan, found, rowOf, values, width, adoptions);
        return new UsageSignals(asOf, rows, rowIndex, matrix, milestones);
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
            events.Add(new LifecycleEvent
            {
                Account = account,
                Type = LifecycleEventType.FeatureAdopted,
                At = first,
                Id = $"usage:feature_adopted:{account}:{feature}",
                Note = feature,
            });
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
                        var t = threshold.ToString("R", CultureInfo.InvariantCulture);
                        events.Add(new LifecycleEvent
                        {
                            Account = account,
                            Type = LifecycleEventType.UsageMilestone,
                            At = at,
                            Value = threshold,
                            Id = $"usage:usage_milestone:{account}:{key}:{t}",
                            Note = $"{key} reached {t}",
                        });
                    }
                }
            }

            foreach (var drop in m.Drops)
            {
                var value = row[drop.Definition];
                var before = row[m.Definitions.Length + Array.IndexOf(plan.DayBefore, drop.Definition)];
                if (value < drop.Below && !(before < drop.Below))
                {
                    var key = m.Definitions[drop.Definition].Key;
                    events.Add(new LifecycleEvent
                    {
                        Account = account,
                        Type = LifecycleEventType.UsageDropped,
                        At = at,
                        Value = value,
                        Id = $"usage:usage_dropped:{account}:{key}:{asOf:yyyy-MM-dd}",
                        Note = $"{key} {value.ToString("P0", CultureInfo.InvariantCulture)}, below {drop.Below.ToString("P0", CultureInfo.InvariantCulture)}",
                    });
                }
            }
        }

        return events;
    }
}
