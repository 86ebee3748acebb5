using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>Saved component states on SQLite (table <c>saved_state</c>, component <c>state</c>): the latest per key, replaced in one transaction.</summary>
public sealed class SqliteStateStore : IStateStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteStateStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "state", SqliteSchema.StateMigrations));

    /// <inheritdoc />
    public ValueTask<SavedState?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return _session.UseAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT as_of, state FROM saved_state WHERE key = $k";
            command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new SavedState(key, LocalDatePattern.Iso.Parse(reader.GetString(0)).GetValueOrThrow(), (byte[])reader.GetValue(1)) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(string key, LocalDate asOf, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var bytes = state.ToArray();
        await _session.UseAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "INSERT INTO saved_state (key, as_of, state) VALUES ($k, $d, $s) ON CONFLICT (key) DO UPDATE SET as_of = excluded.as_of, state = excluded.state";
            command.Parameters.AddWithValue("$k", key);
            command.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(asOf));
            command.Parameters.Add("$s", SqliteType.Blob).Value = bytes;
            return command.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
