using CustomerLifecycle;
using CustomerLifecycle.Feedback;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds SQLite storage to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class SqliteStorageBuilderExtensions
{
    /// <summary>
    /// Keeps the playbook engine's runs, hand-offs and trigger state, the daily pipeline's ledger, saved states (<see cref="IStateStore"/>)
    /// health records (<see cref="IHealthHistoryStore"/>), health overrides (<see cref="IHealthOverrideStore"/>), segment snapshots (<see cref="ISegmentSnapshotStore"/>), stage histories (<see cref="IStageHistoryStore"/>) and feedback items (<see cref="IFeedbackStore"/>) in a SQLite file:
    /// registers a <see cref="SqlitePlaybookRunStore"/> as the <see cref="IPlaybookRunStore"/> and a
    /// <see cref="SqlitePipelineRunStore"/> as the <see cref="IPipelineRunStore"/> (singletons, replacing the in-memory
    /// defaults whichever is added first). The schema is migrated on first use unless
    /// <see cref="SqliteStorageOptions.ApplyMigrations"/> is turned off.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="connectionString">The database, for example <c>Data Source=customerlifecycle.db</c>.</param>
    /// <param name="configure">Adjusts the other options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty, or an option is not valid (the message names it).</exception>
    public static ICustomerLifecycleBuilder AddSqliteStorage(this ICustomerLifecycleBuilder builder, string connectionString, Action<SqliteStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SqliteStorageOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        builder.Services.RemoveAll<IPlaybookRunStore>();
        builder.Services.AddSingleton<IPlaybookRunStore>(_ => new SqlitePlaybookRunStore(options));
        builder.Services.RemoveAll<IPipelineRunStore>();
        builder.Services.AddSingleton<IPipelineRunStore>(_ => new SqlitePipelineRunStore(options));
        builder.Services.RemoveAll<IStateStore>();
        builder.Services.AddSingleton<IStateStore>(_ => new SqliteStateStore(options));
        builder.Services.RemoveAll<IHealthHistoryStore>();
        builder.Services.AddSingleton<IHealthHistoryStore>(_ => new SqliteHealthHistoryStore(options));
        builder.Services.RemoveAll<ISegmentSnapshotStore>();
        builder.Services.AddSingleton<ISegmentSnapshotStore>(_ => new SqliteSegmentSnapshotStore(options));
        builder.Services.RemoveAll<IStageHistoryStore>();
        builder.Services.AddSingleton<IStageHistoryStore>(_ => new SqliteStageHistoryStore(options));
        builder.Services.RemoveAll<IHealthOverrideStore>();
        builder.Services.AddSingleton<IHealthOverrideStore>(_ => new SqliteHealthOverrideStore(options));
        builder.Services.RemoveAll<IFeedbackStore>();
        builder.Services.AddSingleton<IFeedbackStore>(_ => new SqliteFeedbackStore(options));
        return builder;
    }
}
