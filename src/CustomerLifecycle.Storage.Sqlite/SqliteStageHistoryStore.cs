using CustomerLifecycle.Stages;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Stage histories on SQLite (table <c>stage_transition</c>, component <c>stages</c>): a batch in one transaction, each
/// account's transitions replaced whole.
/// </summary>
public sealed class SqliteStageHistoryStore : IStageHistoryStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteStageHistoryStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "stages", SqliteSchema.StageMigrations));

    /// <inheritdoc />
    public async ValueTask SaveAsync(IReadOnlyList<StageHistory> histories, CancellationToken cancellationToken = default)
    {
        StageHistories.Validate(histories);
        if (histories.Count == 0)
        {
            return;
        }

        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using var delete = c.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM stage_transition WHERE account = $a";
            var deleted = delete.Parameters.Add("$a", SqliteType.Text);
            using var insert = c.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO stage_transition (account, position, from_stage, to_stage, at, kind, actor, reason) VALUES ($a, $p, $f, $t, $at, $k, $who, $why)";
            var p = new[] { "$a", "$p", "$f", "$t", "$at", "$k", "$who", "$why" }.Select(n =>
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = n;
                insert.Parameters.Add(parameter);
                return parameter;
            }).ToArray();
            foreach (var history in histories)
            {
                deleted.Value = history.Account.Value;
                delete.ExecuteNonQuery();
                for (var i = 0; i < history.Transitions.Count; i++)
                {
                    var t = history.Transitions[i];
                    p[0].Value = history.Account.Value;
                    p[1].Value = i;
                    p[2].Value = t.From is { } from ? from.Value : DBNull.Value;
                    p[3].Value = t.To.Value;
                    p[4].Value = t.At.ToUnixTimeTicks();
                    p[5].Value = (int)t.Kind;
                    p[6].Value = t.Actor;
                    p[7].Value = (object?)t.Reason ?? DBNull.Value;
                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<AccountId, IReadOnlyList<StageTransition>>> LoadAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return _session.UseAsync<IReadOnlyDictionary<AccountId, IReadOnlyList<StageTransition>>>(c =>
        {
            // A few accounts: one indexed lookup each. Many (a daily run over the portfolio): one pass over the table,
            // keeping the accounts asked for, instead of a query per account.
            var wanted = accounts.Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
            using var command = c.CreateCommand();
            var one = wanted.Count <= 64;
            command.CommandText = one
                ? "SELECT account, from_stage, to_stage, at, kind, actor, reason FROM stage_transition WHERE account = $a ORDER BY position"
                : "SELECT account, from_stage, to_stage, at, kind, actor, reason FROM stage_transition ORDER BY account, position";
            var account = command.Parameters.Add("$a", SqliteType.Text);
            var found = new Dictionary<AccountId, List<StageTransition>>();
            foreach (var id in one ? wanted : [string.Empty])
            {
                account.Value = id;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var key = reader.GetString(0);
                    if (!wanted.Contains(key))
                    {
                        continue;
                    }

                    var transitions = found.TryGetValue(new AccountId(key), out var list) ? list : found[new AccountId(key)] = [];
                    transitions.Add(new StageTransition(
                        reader.IsDBNull(1) ? null : new StageId(reader.GetString(1)),
                        new StageId(reader.GetString(2)),
                        Instant.FromUnixTimeTicks(reader.GetInt64(3)),
                        (StageTransitionKind)reader.GetInt32(4),
                        reader.GetString(5),
                        reader.IsDBNull(6) ? null : reader.GetString(6)));
                }
            }

            return found.ToDictionary(p => p.Key, p => (IReadOnlyList<StageTransition>)p.Value);
        }, cancellationToken);
    }

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
