using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>Saved component states on PostgreSQL (table <c>saved_state</c>, component <c>state</c>): the latest per key, replaced in one statement.</summary>
public sealed class PostgreSqlStateStore : IStateStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _table;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlStateStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "state", PostgreSqlSchema.StateMigrations);
        _table = $"{options.Schema}.saved_state";
    }

    /// <inheritdoc />
    public async ValueTask<SavedState?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT as_of, state FROM {_table} WHERE key = @k", connection);
        command.Parameters.AddWithValue("k", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new SavedState(key, LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(0)), reader.GetFieldValue<byte[]>(1))
            : null;
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(string key, LocalDate asOf, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"INSERT INTO {_table} (key, as_of, state) VALUES (@k, @d, @s) ON CONFLICT (key) DO UPDATE SET as_of = excluded.as_of, state = excluded.state", connection);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("d", asOf.ToDateOnly());
        command.Parameters.Add(new NpgsqlParameter("s", NpgsqlDbType.Bytea) { Value = state.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}
