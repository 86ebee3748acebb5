namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>Where and how the SQLite stores keep their state.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>
    /// The connection string, for example <c>Data Source=customerlifecycle.db</c>. The file is created on first use.
    /// Required.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Whether the first use applies the schema's pending migrations (the default). When false, a database whose
    /// schema is older than the package is refused with a <see cref="StoreSchemaException"/> instead; apply the
    /// migrations with <see cref="SqlitePlaybookRunStore.MigrateAsync"/>.
    /// </summary>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>How long a write waits for another process's write to finish before it fails; 30 seconds by default.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether an in-memory database (<c>Data Source=:memory:</c>, <c>Mode=Memory</c>, or no data source) is intended:
    /// its state is gone when the process stops, so it is refused unless this says so. False by default.
    /// </summary>
    public bool AllowInMemory { get; set; }

    internal bool IsInMemory { get; private set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("SqliteStorageOptions.ConnectionString is empty; name the database, for example \"Data Source=customerlifecycle.db\".", nameof(ConnectionString));
        }

        Microsoft.Data.Sqlite.SqliteConnectionStringBuilder builder;
        try
        {
            builder = new(ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"SqliteStorageOptions.ConnectionString '{ConnectionString}' is not a SQLite connection string: {e.Message}", nameof(ConnectionString), e);
        }

        IsInMemory = builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || builder.DataSource.Length == 0 || builder.DataSource == ":memory:";
        if (IsInMemory)
        {
            if (!AllowInMemory)
            {
                throw new ArgumentException($"SqliteStorageOptions.ConnectionString '{ConnectionString}' names an in-memory database: everything it keeps is lost when the process stops. Name a file (\"Data Source=customerlifecycle.db\"), or set SqliteStorageOptions.AllowInMemory if that is intended.", nameof(ConnectionString));
            }
        }
        else
        {
            // Found at start-up, not at the first write of the first day.
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (folder is not null && !Directory.Exists(folder))
            {
                throw new ArgumentException($"SqliteStorageOptions.ConnectionString: the folder of the database '{builder.DataSource}' ({folder}) does not exist; create it, or name a file in a folder that does.", nameof(ConnectionString));
            }

            if (builder.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly && !CanWriteIn(folder ?? ".", Path.GetFullPath(builder.DataSource)))
            {
                throw new ArgumentException($"SqliteStorageOptions.ConnectionString: the database '{builder.DataSource}' cannot be written in {folder} (the file or the folder is read-only for this process; SQLite writes the file and its -wal and -shm files beside it).", nameof(ConnectionString));
            }
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "SqliteStorageOptions.BusyTimeout must be more than zero and at most an hour.");
        }
    }

    // The file (if there) must open for writing, and the folder must take new files (the -wal and -shm files).
    private static bool CanWriteIn(string folder, string file)
    {
        try
        {
            if (File.Exists(file))
            {
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
                {
                }
            }

            var probe = Path.Combine(folder, $".customerlifecycle-{Guid.NewGuid():N}.probe");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
