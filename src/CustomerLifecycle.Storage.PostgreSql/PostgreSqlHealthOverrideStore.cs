using CustomerLifecycle.HealthScoring;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>Manual health overrides on PostgreSQL (table <c>health_override</c>, component <c>overrides</c>), one per account.</summary>
public sealed class PostgreSqlHealthOverrideStore : IHealthOverrideStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _table;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlHealthOverrideStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "overrides", PostgreSqlSchema.OverrideMigrations);
        _table = $"{options.Schema}.health_override";
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(HealthOverride entry, CancellationToken cancellationToken = default)
    {
        HealthOverride.Validate(entry);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {_table} (account, color, author, reason, set_at, expires_at) VALUES (@a, @c, @w, @r, @s, @e)
            ON CONFLICT (account) DO UPDATE SET color = excluded.color, author = excluded.author, reason = excluded.reason, set_at = excluded.set_at, expires_at = excluded.expires_at
            """, connection);
        command.Parameters.AddWithValue("a", entry.Account.Value);
        command.Parameters.AddWithValue("c", (short)entry.Color);
        command.Parameters.AddWithValue("w", entry.Author);
        command.Parameters.AddWithValue("r", entry.Reason);
        command.Parameters.AddWithValue("s", entry.SetAt.ToUnixTimeTicks());
        command.Parameters.AddWithValue("e", entry.ExpiresAt.ToUnixTimeTicks());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ClearAsync(AccountId account, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE account = @a", connection);
        command.Parameters.AddWithValue("a", account.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HealthOverride>> AllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT account, color, author, reason, set_at, expires_at FROM {_table} ORDER BY account COLLATE \"C\"", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var all = new List<HealthOverride>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            all.Add(new HealthOverride(new AccountId(reader.GetString(0)), (HealthColor)reader.GetInt16(1), reader.GetString(2), reader.GetString(3), Instant.FromUnixTimeTicks(reader.GetInt64(4)), Instant.FromUnixTimeTicks(reader.GetInt64(5))));
        }

        return all;
    }

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}
