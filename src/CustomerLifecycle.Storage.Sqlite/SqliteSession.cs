using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// A store's connection to its file: opened (and its schema checked) on first use, used by one call at a time. A call
/// that fails closes it (a transaction the driver could not finish is rolled back with it), and the next call opens a
/// new one.
/// </summary>
internal sealed class SqliteSession(SqliteSchema schema) : IDisposable, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private DatabaseFileIdentity _file;
    private bool _disposed;

    public SqliteSchema Schema { get; } = schema;

    /// <summary>A command in a transaction (or none), with its parameters by name and value.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    public async ValueTask<T> UseAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null)
            {
                _connection = await Schema.OpenAsync(cancellationToken).ConfigureAwait(false);
                _file = Schema.FileIdentity();
            }
            else if (Schema.FileIdentity() is var now && now != _file)
            {
                // Deleted (or replaced) under the open connection: its writes would go to a file no one can open.
                throw new InvalidOperationException(now.Exists
                    ? $"The CustomerLifecycle database '{Schema.DataSource}' was replaced by another file while this store had it open; nothing was written. Restart the host so that every store opens the same file."
                    : $"The CustomerLifecycle database '{Schema.DataSource}' was deleted while this store had it open; nothing was written (writes would go to the deleted file and be lost). Restore it, or restart the host to start a new one.");
            }

            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return work(_connection);
            }
            catch (SqliteException e)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
                throw Schema.Explain(e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _connection?.Dispose();
            _connection = null;
            _disposed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
            }

            _connection = null;
            _disposed = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
