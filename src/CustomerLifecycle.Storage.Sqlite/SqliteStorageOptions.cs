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

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("SqliteStorageOptions.ConnectionString is empty; name the database, for example \"Data Source=customerlifecycle.db\".", nameof(ConnectionString));
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "SqliteStorageOptions.BusyTimeout must be more than zero and at most an hour.");
        }
    }
}
