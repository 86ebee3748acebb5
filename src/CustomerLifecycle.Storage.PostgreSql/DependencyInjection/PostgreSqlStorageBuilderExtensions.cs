using CustomerLifecycle;
using CustomerLifecycle.Feedback;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds PostgreSQL storage to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class PostgreSqlStorageBuilderExtensions
{
    /// <summary>
    /// Keeps the playbook engine's runs, hand-offs and trigger state, the daily pipeline's ledger, saved states (<see cref="IStateStore"/>)
    /// health records (<see cref="IHealthHistoryStore"/>), health overrides (<see cref="IHealthOverrideStore"/>), segment snapshots (<see cref="ISegmentSnapshotStore"/>), stage histories (<see cref="IStageHistoryStore"/>) and feedback items (<see cref="IFeedbackStore"/>) in PostgreSQL,
    /// shared by every instance of the host that uses the same database and schema: registers a
    /// <see cref="PostgreSqlPlaybookRunStore"/> as the <see cref="IPlaybookRunStore"/> and a
    /// <see cref="PostgreSqlPipelineRunStore"/> as the <see cref="IPipelineRunStore"/> (singletons, replacing the
    /// in-memory defaults whichever is added first). The schema
    /// is migrated on first use unless <see cref="PostgreSqlStorageOptions.ApplyMigrations"/> is turned off.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="connectionString">The database, for example <c>Host=db;Database=app;Username=app</c>.</param>
    /// <param name="configure">Adjusts the other options (the schema, migrations, or the host's own data source).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">An option is not valid (the message names it).</exception>
    public static ICustomerLifecycleBuilder AddPostgreSqlStorage(this ICustomerLifecycleBuilder builder, string? connectionString, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new PostgreSqlStorageOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        // One connection pool for every store (a data source the host gave is used as it is, and not disposed).
        builder.Services.RemoveAll<SharedDataSource>();
        builder.Services.AddSingleton(sp => new SharedDataSource(options, sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        builder.Services.RemoveAll<IPlaybookRunStore>();
        builder.Services.AddSingleton<IPlaybookRunStore>(sp => new PostgreSqlPlaybookRunStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IPipelineRunStore>();
        builder.Services.AddSingleton<IPipelineRunStore>(sp => new PostgreSqlPipelineRunStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IStateStore>();
        builder.Services.AddSingleton<IStateStore>(sp => new PostgreSqlStateStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IHealthHistoryStore>();
        builder.Services.AddSingleton<IHealthHistoryStore>(sp => new PostgreSqlHealthHistoryStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<ISegmentSnapshotStore>();
        builder.Services.AddSingleton<ISegmentSnapshotStore>(sp => new PostgreSqlSegmentSnapshotStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IStageHistoryStore>();
        builder.Services.AddSingleton<IStageHistoryStore>(sp => new PostgreSqlStageHistoryStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IHealthOverrideStore>();
        builder.Services.AddSingleton<IHealthOverrideStore>(sp => new PostgreSqlHealthOverrideStore(sp.GetRequiredService<SharedDataSource>().Options));
        builder.Services.RemoveAll<IFeedbackStore>();
        builder.Services.AddSingleton<IFeedbackStore>(sp => new PostgreSqlFeedbackStore(sp.GetRequiredService<SharedDataSource>().Options));
        return builder;
    }

    /// <summary>The stores' options with one data source, created from the connection string when the host gave none, and disposed with the container.</summary>
    private sealed class SharedDataSource : IAsyncDisposable
    {
        private readonly NpgsqlDataSource? _owned;

        public SharedDataSource(PostgreSqlStorageOptions options, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory)
        {
            _owned = options.DataSource is null ? NpgsqlDataSource.Create(options.ConnectionString!) : null;
            Options = new PostgreSqlStorageOptions { DataSource = options.DataSource ?? _owned, Schema = options.Schema, ApplyMigrations = options.ApplyMigrations, LoggerFactory = options.LoggerFactory ?? loggerFactory };
        }

        public PostgreSqlStorageOptions Options { get; }

        public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? default;
    }
}
