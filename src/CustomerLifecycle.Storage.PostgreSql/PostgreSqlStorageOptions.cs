using System.Text.RegularExpressions;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>Where and how the PostgreSQL stores keep their state.</summary>
public sealed partial class PostgreSqlStorageOptions
{
    /// <summary>The connection string, for example <c>Host=db;Database=app;Username=app</c>. Required unless <see cref="DataSource"/> is set.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The host's own data source (pooling, credentials, logging), used instead of <see cref="ConnectionString"/>; not disposed by the store.</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>The schema that holds the tables, created when missing; <c>customerlifecycle</c> by default. Lower-case letters, digits and underscores.</summary>
    public string Schema { get; set; } = "customerlifecycle";

    /// <summary>
    /// Whether the first use applies the schema's pending migrations (the default). When false, a database whose schema
    /// is older than the package is refused with a <see cref="StoreSchemaException"/>; apply the migrations with
    /// <see cref="PostgreSqlPlaybookRunStore.MigrateAsync"/>.
    /// </summary>
    public bool ApplyMigrations { get; set; } = true;

    /// <summary>
    /// Receives the stores' log events (a transaction PostgreSQL aborted as a deadlock or a serialization failure and
    /// that is tried again: event 6001); none when null. <c>AddPostgreSqlStorage</c> gives the host's.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        if (DataSource is null && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("PostgreSqlStorageOptions needs a ConnectionString or a DataSource.", nameof(ConnectionString));
        }

        if (Schema is null || !SchemaName().IsMatch(Schema))
        {
            throw new ArgumentException($"PostgreSqlStorageOptions.Schema '{Schema}' is not a plain schema name: 1 to 63 lower-case letters, digits and underscores, starting with a letter or an underscore.", nameof(Schema));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
