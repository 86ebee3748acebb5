using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>Manual health overrides on SQLite (table <c>health_override</c>, component <c>overrides</c>), one per account.</summary>
public sealed class SqliteHealthOverrideStore : IHealthOverrideStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteHealthOverrideStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "overrides", SqliteSchema.OverrideMigrations));

    /// <inheritdoc />
    public async ValueTask SetAsync(HealthOverride entry, CancellationToken cancellationToken = default)
    {
        HealthOverride.Validate(entry);
        await _session.UseAsync(c =>
        {
            using var command = SqliteSession.Command(c, null, "INSERT OR REPLACE INTO health_override (account, color, author, reason, set_at, expires_at) VALUES ($a, $c, $w, $r, $s, $e)",
                ("$a", entry.Account.Value), ("$c", (int)entry.Color), ("$w", entry.Author), ("$r", entry.Reason), ("$s", entry.SetAt.ToUnixTimeTicks()), ("$e", entry.ExpiresAt.ToUnixTimeTicks()));
            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<bool> ClearAsync(AccountId account, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c =>
        {
            using var command = SqliteSession.Command(c, null, "DELETE FROM health_override WHERE account = $a", ("$a", account.Value));
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HealthOverride>> AllAsync(CancellationToken cancellationToken = default) =>
        _session.UseAsync<IReadOnlyList<HealthOverride>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT account, color, author, reason, set_at, expires_at FROM health_override ORDER BY account";
            using var reader = command.ExecuteReader();
            var all = new List<HealthOverride>();
            while (reader.Read())
            {
                all.Add(new HealthOverride(new AccountId(reader.GetString(0)), (HealthColor)reader.GetInt32(1), reader.GetString(2), reader.GetString(3), Instant.FromUnixTimeTicks(reader.GetInt64(4)), Instant.FromUnixTimeTicks(reader.GetInt64(5))));
            }

            return all;
        }, cancellationToken);

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
