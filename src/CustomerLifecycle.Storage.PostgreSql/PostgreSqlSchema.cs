using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// The data source, and the schema's migrations: applied in one transaction under an advisory lock, so instances
/// starting at once apply each once; a database whose schema is newer than the package is refused before anything is
/// written.
/// </summary>
internal sealed class PostgreSqlSchema : IDisposable, IAsyncDisposable
{
    private readonly string _component;
    private readonly string[] _migrations;
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly bool _migrate;
    private readonly SemaphoreSlim _ready = new(1, 1);
    private readonly Microsoft.Extensions.Logging.ILogger _logger;
    private volatile bool _checked;

    public PostgreSqlSchema(PostgreSqlStorageOptions options, string component, Func<string, string[]> migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Name = options.Schema;
        _component = component;
        _migrations = migrations(Name);
        _migrate = options.ApplyMigrations;
        _ownsDataSource = options.DataSource is null;
        _dataSource = options.DataSource ?? NpgsqlDataSource.Create(options.ConnectionString!);
        _logger = options.LoggerFactory?.CreateLogger("CustomerLifecycle.Storage.PostgreSql") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public int Latest => _migrations.Length;

    public string Name { get; }

    // Each store's tables are a component with its own version; version n is the n-th migration, given the schema's
    // name. Never edit a shipped migration: add one.
    internal static string[] PlaybookMigrations(string name) =>
    [
        // 1: runs; their tasks (state 0 pending, 1 claimed, 2 handed off, 3 cancelled with the run), with the tasks
        // not yet handed off in a partial index for claims; the engine's trigger state.
        $"""
        CREATE TABLE {name}.playbook_run (id text PRIMARY KEY, playbook text NOT NULL, account text NOT NULL, occurrence text NOT NULL, triggered_on date NOT NULL, created_at bigint NOT NULL, status smallint NOT NULL);
        CREATE INDEX playbook_run_by_account ON {name}.playbook_run (playbook, account);
        CREATE INDEX playbook_run_open ON {name}.playbook_run (id) WHERE status = 0;
        CREATE TABLE {name}.playbook_task (id text PRIMARY KEY, run_id text NOT NULL REFERENCES {name}.playbook_run (id), position integer NOT NULL, playbook text NOT NULL, account text NOT NULL, title text NOT NULL, role text NOT NULL, owner text NOT NULL, channel smallint NOT NULL, priority smallint NOT NULL, due date NOT NULL, state smallint NOT NULL, claimant text, until bigint);
        CREATE INDEX playbook_task_claimable ON {name}.playbook_task (state, until) WHERE state IN (0, 1);
        CREATE INDEX playbook_task_by_run ON {name}.playbook_task (run_id);
        CREATE TABLE {name}.trigger_state (playbook text NOT NULL, account text NOT NULL, holds boolean NOT NULL, since date NOT NULL, PRIMARY KEY (playbook, account));
        """,

        // 2: at most one open run per playbook and account for runs that ask for it (RunRequest.SingleOpen: the
        // state-triggered ones), kept by a unique index, so concurrent inserts cannot both win.
        $"""
        ALTER TABLE {name}.playbook_run ADD COLUMN single_open boolean NOT NULL DEFAULT false;
        CREATE UNIQUE INDEX playbook_run_single_open ON {name}.playbook_run (playbook, account) WHERE status = 0 AND single_open;
        """,

        // 3: a run's experiment arm and stratum (PlaybookExperiment), null for playbooks without one; a playbook's runs
        // by trigger date, for an experiment's analysis.
        $"""
        ALTER TABLE {name}.playbook_run ADD COLUMN arm text, ADD COLUMN stratum text;
        CREATE INDEX playbook_run_by_date ON {name}.playbook_run (playbook, triggered_on);
        """,
    ];

    internal static string[] PipelineMigrations(string name) =>
    [
        // 1: the daily pipeline's ledger: one run per pipeline and date, with its holder's lease, and its completed steps.
        $"""
        CREATE TABLE {name}.pipeline_run (pipeline text NOT NULL, date date NOT NULL, status smallint NOT NULL, owner text NOT NULL, lease_until bigint NOT NULL, started_at bigint NOT NULL, finished_at bigint, claims integer NOT NULL, error text, PRIMARY KEY (pipeline, date));
        CREATE TABLE {name}.pipeline_step (pipeline text NOT NULL, date date NOT NULL, step text NOT NULL, position integer NOT NULL, started_at bigint NOT NULL, took bigint NOT NULL, attempts integer NOT NULL, counts jsonb NOT NULL, PRIMARY KEY (pipeline, date, step));
        """,
    ];

    internal static string[] HealthMigrations(string name) =>
    [
        // 1: health records, one per account and business date; factor readings as HealthRecord.EncodeFactors text.
        $"""
        CREATE TABLE {name}.health_record (account text NOT NULL, date date NOT NULL, scored_at bigint NOT NULL, score double precision, color smallint, calculated_color smallint, confidence double precision NOT NULL, scorecard_id text NOT NULL, scorecard_version integer NOT NULL, factors text NOT NULL, PRIMARY KEY (account, date));
        CREATE INDEX health_record_date ON {name}.health_record (date);
        """,
    ];

    internal static string[] SegmentMigrations(string name) =>
    [
        // 1: segment snapshots, a row per date and account with its segment names (SegmentMembershipSnapshot.EncodeSegments).
        $"""
        CREATE TABLE {name}.segment_snapshot (date date NOT NULL, account text NOT NULL, segments text NOT NULL, PRIMARY KEY (date, account));
        """,
        // 2: the account's AccountShard.Hash as a signed 64-bit integer, so a shard's rows are found in SQL; NULL in the rows written before.
        $"""
        ALTER TABLE {name}.segment_snapshot ADD COLUMN hash bigint;
        """,
    ];

    internal static string[] StageMigrations(string name) =>
    [
        // 1: stage histories, a row per account and transition (kind 0 initial, 1 automatic, 2 manual forward, 3 manual backward).
        $"""
        CREATE TABLE {name}.stage_transition (account text NOT NULL, position integer NOT NULL, from_stage text, to_stage text NOT NULL, at bigint NOT NULL, kind smallint NOT NULL, actor text NOT NULL, reason text, PRIMARY KEY (account, position));
        """,
    ];

    internal static string[] OverrideMigrations(string name) =>
    [
        // 1: manual health overrides, one per account.
        $"""
        CREATE TABLE {name}.health_override (account text PRIMARY KEY, color smallint NOT NULL, author text NOT NULL, reason text NOT NULL, set_at bigint NOT NULL, expires_at bigint NOT NULL);
        """,
    ];

    internal static string[] FeedbackMigrations(string name) =>
    [
        // 1: feedback items and their status changes (status 0 submitted, 1 under review, 2 planned, 3 released, 4 declined).
        $"""
        CREATE TABLE {name}.feedback_item (id text PRIMARY KEY, account text NOT NULL, text text NOT NULL, feature text, submitted_at bigint NOT NULL, followed_up_at bigint);
        CREATE TABLE {name}.feedback_change (id text NOT NULL REFERENCES {name}.feedback_item (id) ON DELETE CASCADE, position integer NOT NULL, from_status smallint NOT NULL, to_status smallint NOT NULL, at bigint NOT NULL, note text, PRIMARY KEY (id, position));
        """,
    ];

    internal static string[] StateMigrations(string name) =>
    [
        // 1: saved component states (the usage aggregator's), the latest per key.
        $"""
        CREATE TABLE {name}.saved_state (key text PRIMARY KEY, as_of date NOT NULL, state bytea NOT NULL);
        """,
    ];

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_checked)
        {
            await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_checked)
                {
                    await CheckAsync(_migrate, cancellationToken).ConfigureAwait(false);
                    _checked = true;
                }
            }
            finally
            {
                _ready.Release();
            }
        }

        return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one transaction's work again when PostgreSQL aborted it as a deadlock (40P01) or a serialization failure
    /// (40001), which it says are safe to retry: the transaction was rolled back whole. Up to five attempts, with a
    /// short random wait between them, each retry logged (event 6001, with the attempt); any other error, or the fifth
    /// failure, reaches the caller.
    /// </summary>
    public async Task<T> RetryAsync<T>(string operation, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (attempt < MaxAttempts && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                PostgreSqlStorageLog.Retrying(_logger, e, operation, e.SqlState, attempt, MaxAttempts);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50) * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The attempts <see cref="RetryAsync"/> gives a transaction.</summary>
    public const int MaxAttempts = 5;

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await CheckAsync(migrate: true, cancellationToken).ConfigureAwait(false);
        _checked = true;
        return Latest;
    }

    private async Task CheckAsync(bool migrate, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // Instances starting at once queue here; the second finds the migrations applied.
        await Execute(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('customerlifecycle.schema'), hashtext(@s))", cancellationToken).ConfigureAwait(false);
        var found = 0;
        await using (var command = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection, transaction))
        {
            command.Parameters.AddWithValue("t", $"{Name}.customerlifecycle_schema");
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await using var read = new NpgsqlCommand($"SELECT version FROM {Name}.customerlifecycle_schema WHERE component = @c", connection, transaction);
                read.Parameters.AddWithValue("c", _component);
                found = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int v ? v : 0;
            }
        }

        if (found > Latest)
        {
            throw new StoreSchemaException(_component, found, Latest, $"The PostgreSQL schema '{Name}' has CustomerLifecycle schema '{_component}' version {found}, newer than this package's {Latest}; it was not written to. Upgrade the package, or use another schema.");
        }

        if (found < Latest && !migrate)
        {
            throw new StoreSchemaException(_component, found, Latest, $"The PostgreSQL schema '{Name}' has CustomerLifecycle schema '{_component}' version {found}, older than this package's {Latest}, and migrations are turned off (PostgreSqlStorageOptions.ApplyMigrations); nothing was written. Apply them with MigrateAsync, or turn them on.");
        }

        if (found == Latest)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await Execute(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {Name}; CREATE TABLE IF NOT EXISTS {Name}.customerlifecycle_schema (component text PRIMARY KEY, version integer NOT NULL);", cancellationToken).ConfigureAwait(false);
        for (var version = found + 1; version <= Latest; version++)
        {
            await Execute(connection, transaction, _migrations[version - 1], cancellationToken).ConfigureAwait(false);
        }

        await Execute(connection, transaction, $"INSERT INTO {Name}.customerlifecycle_schema (component, version) VALUES ('{_component}', {Latest}) ON CONFLICT (component) DO UPDATE SET version = excluded.version", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (sql.Contains("@s", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("s", Name);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
