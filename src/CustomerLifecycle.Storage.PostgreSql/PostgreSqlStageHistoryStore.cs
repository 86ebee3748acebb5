using CustomerLifecycle.Stages;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// Stage histories on PostgreSQL (table <c>stage_transition</c>, component <c>stages</c>): a batch in one transaction,
/// the accounts' transitions deleted with <c>= ANY</c> and written again with <c>unnest</c>.
/// </summary>
public sealed class PostgreSqlStageHistoryStore : IStageHistoryStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _table;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlStageHistoryStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "stages", PostgreSqlSchema.StageMigrations);
        _table = $"{options.Schema}.stage_transition";
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(IReadOnlyList<StageHistory> histories, CancellationToken cancellationToken = default)
    {
        StageHistories.Validate(histories);
        if (histories.Count == 0)
        {
            return;
        }

        var rows = histories.SelectMany(h => h.Transitions.Select((t, i) => (h.Account, Position: i, Transition: t))).ToArray();
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE account = ANY(@a)", connection, transaction))
        {
            delete.Parameters.AddWithValue("a", histories.Select(h => h.Account.Value).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var insert = new NpgsqlCommand($"INSERT INTO {_table} (account, position, from_stage, to_stage, at, kind, actor, reason) SELECT * FROM unnest(@a, @p, @f, @t, @at, @k, @who, @why)", connection, transaction))
        {
            insert.Parameters.AddWithValue("a", rows.Select(r => r.Account.Value).ToArray());
            insert.Parameters.AddWithValue("p", rows.Select(r => r.Position).ToArray());
            insert.Parameters.AddWithValue("f", rows.Select(r => r.Transition.From?.Value).ToArray());
            insert.Parameters.AddWithValue("t", rows.Select(r => r.Transition.To.Value).ToArray());
            insert.Parameters.AddWithValue("at", rows.Select(r => r.Transition.At.ToUnixTimeTicks()).ToArray());
            insert.Parameters.AddWithValue("k", rows.Select(r => (short)r.Transition.Kind).ToArray());
            insert.Parameters.AddWithValue("who", rows.Select(r => r.Transition.Actor).ToArray());
            insert.Parameters.AddWithValue("why", rows.Select(r => r.Transition.Reason).ToArray());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<AccountId, IReadOnlyList<StageTransition>>> LoadAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var found = new Dictionary<AccountId, List<StageTransition>>();
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT account, from_stage, to_stage, at, kind, actor, reason FROM {_table} WHERE account = ANY(@a) ORDER BY account, position", connection);
        command.Parameters.AddWithValue("a", accounts.Select(a => a.Value).Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var account = new AccountId(reader.GetString(0));
            (found.TryGetValue(account, out var list) ? list : found[account] = []).Add(new StageTransition(
                reader.IsDBNull(1) ? null : new StageId(reader.GetString(1)),
                new StageId(reader.GetString(2)),
                Instant.FromUnixTimeTicks(reader.GetInt64(3)),
                (StageTransitionKind)reader.GetInt16(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return found.ToDictionary(p => p.Key, p => (IReadOnlyList<StageTransition>)p.Value);
    }

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}
