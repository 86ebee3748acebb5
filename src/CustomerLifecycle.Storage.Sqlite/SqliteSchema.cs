using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Opens connections with the settings every store needs, and applies the schema's migrations: in order, each in the
/// same <c>BEGIN IMMEDIATE</c> transaction as the version it sets, so two processes starting at once apply each once.
/// </summary>
internal sealed class SqliteSchema
{
    // Each store's tables are a component with its own version. Version n is Migrations[n - 1]. Never edit a shipped
    // migration: add one.
    internal static readonly string[] PlaybookMigrations =
    [
        // 1: runs, their tasks (state 0 pending, 1 claimed, 2 handed off, 3 cancelled with the run), trigger state.
        // The tables of the sample's database before this package existed, so such a file is adopted as it is.
        """
        CREATE TABLE IF NOT EXISTS playbook_run (id TEXT PRIMARY KEY, playbook TEXT NOT NULL, account TEXT NOT NULL, occurrence TEXT NOT NULL, triggered_on TEXT NOT NULL, created_at INTEGER NOT NULL, status INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS playbook_run_by_account ON playbook_run (playbook, account);
        CREATE TABLE IF NOT EXISTS playbook_task (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, position INTEGER NOT NULL, title TEXT NOT NULL, role TEXT NOT NULL, owner TEXT NOT NULL, channel INTEGER NOT NULL, priority INTEGER NOT NULL, due TEXT NOT NULL, state INTEGER NOT NULL, claimant TEXT, until INTEGER);
        DROP INDEX IF EXISTS playbook_task_pending;
        CREATE INDEX IF NOT EXISTS playbook_task_claimable ON playbook_task (state, until);
        CREATE INDEX IF NOT EXISTS playbook_task_by_owner ON playbook_task (owner);
        CREATE INDEX IF NOT EXISTS playbook_task_by_run ON playbook_task (run_id);
        CREATE TABLE IF NOT EXISTS trigger_state (playbook TEXT NOT NULL, account TEXT NOT NULL, holds INTEGER NOT NULL, since TEXT NOT NULL, PRIMARY KEY (playbook, account));
        UPDATE playbook_task SET state = 3 WHERE state IN (0, 1) AND run_id IN (SELECT id FROM playbook_run WHERE status = 1);
        """,

        // 2: a run's experiment arm and stratum (PlaybookExperiment), null for playbooks without one; a playbook's runs
        // by trigger date, for an experiment's analysis.
        """
        ALTER TABLE playbook_run ADD COLUMN arm TEXT;
        ALTER TABLE playbook_run ADD COLUMN stratum TEXT;
        CREATE INDEX IF NOT EXISTS playbook_run_by_date ON playbook_run (playbook, triggered_on);
        """,
    ];

    internal static readonly string[] PipelineMigrations =
    [
        // 1: the daily pipeline's ledger: one run per pipeline and date, with its holder's lease, and its completed steps.
        """
        CREATE TABLE pipeline_run (pipeline TEXT NOT NULL, date TEXT NOT NULL, status INTEGER NOT NULL, owner TEXT NOT NULL, lease_until INTEGER NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER, claims INTEGER NOT NULL, error TEXT, PRIMARY KEY (pipeline, date));
        CREATE TABLE pipeline_step (pipeline TEXT NOT NULL, date TEXT NOT NULL, step TEXT NOT NULL, position INTEGER NOT NULL, started_at INTEGER NOT NULL, took INTEGER NOT NULL, attempts INTEGER NOT NULL, counts TEXT NOT NULL, PRIMARY KEY (pipeline, date, step));
        """,
    ];

    internal static readonly string[] HealthMigrations =
    [
        // 1: health records, one per account and business date; factor readings as HealthRecord.EncodeFactors text.
        """
        CREATE TABLE health_record (account TEXT NOT NULL, date TEXT NOT NULL, scored_at INTEGER NOT NULL, score REAL, color INTEGER, calculated_color INTEGER, confidence REAL NOT NULL, scorecard_id TEXT NOT NULL, scorecard_version INTEGER NOT NULL, factors TEXT NOT NULL, PRIMARY KEY (account, date));
        CREATE INDEX health_record_date ON health_record (date);
        """,
    ];

    internal static readonly string[] SegmentMigrations =
    [
        // 1: segment snapshots, a row per date and account with its segment names (SegmentMembershipSnapshot.EncodeSegments).
        """
        CREATE TABLE segment_snapshot (date TEXT NOT NULL, account TEXT NOT NULL, segments TEXT NOT NULL, PRIMARY KEY (date, account));
        """,
        // 2: the account's AccountShard.Hash as a signed 64-bit integer, so a shard's rows are found in SQL; NULL in the rows written before.
        """
        ALTER TABLE segment_snapshot ADD COLUMN hash INTEGER;
        """,
    ];

    internal static readonly string[] StageMigrations =
    [
        // 1: stage histories, a row per account and transition (kind 0 initial, 1 automatic, 2 manual forward, 3 manual backward).
        """
        CREATE TABLE stage_transition (account TEXT NOT NULL, position INTEGER NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL, at INTEGER NOT NULL, kind INTEGER NOT NULL, actor TEXT NOT NULL, reason TEXT, PRIMARY KEY (account, position));
        """,
    ];

    internal static readonly string[] OverrideMigrations =
    [
        // 1: manual health overrides, one per account.
        """
        CREATE TABLE health_override (account TEXT PRIMARY KEY, color INTEGER NOT NULL, author TEXT NOT NULL, reason TEXT NOT NULL, set_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        """,
    ];

    internal static readonly string[] FeedbackMigrations =
    [
        // 1: feedback items and their status changes (status 0 submitted, 1 under review, 2 planned, 3 released, 4 declined).
        """
        CREATE TABLE feedback_item (id TEXT PRIMARY KEY, account TEXT NOT NULL, text TEXT NOT NULL, feature TEXT, submitted_at INTEGER NOT NULL, followed_up_at INTEGER);
        CREATE TABLE feedback_change (id TEXT NOT NULL, position INTEGER NOT NULL, from_status INTEGER NOT NULL, to_status INTEGER NOT NULL, at INTEGER NOT NULL, note TEXT, PRIMARY KEY (id, position));
        """,
    ];

    internal static readonly string[] StateMigrations =
    [
        // 1: saved component states (the usage aggregator's), the latest per key.
        """
        CREATE TABLE saved_state (key TEXT PRIMARY KEY, as_of TEXT NOT NULL, state BLOB NOT NULL);
        """,
    ];

    private readonly string _component;
    private readonly string[] _migrations;

    private readonly SqliteStorageOptions _options;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _ready = new(1, 1);
    private bool _checked;

    public SqliteSchema(SqliteStorageOptions options, string component, string[] migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        _component = component;
        _migrations = migrations;
        options.Validate();
        _options = options;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString)
        {
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    public int Latest => _migrations.Length;

    public string DataSource { get; }

    /// <summary>Whether the database is in memory (no file).</summary>
    public bool IsInMemory => _options.IsInMemory;

    /// <summary>The identity of the database file (none for an in-memory database, which has no file to lose).</summary>
    public DatabaseFileIdentity FileIdentity() => _options.IsInMemory ? new(true, 0, 0) : DatabaseFileIdentity.Of(Path.GetFullPath(DataSource));

    /// <summary>A new open connection, with the schema checked (and migrated, unless turned off) on the first.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            Execute(connection, null, $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds};");

            // WAL: readers do not block the writer, nor it them; synchronous=NORMAL: a commit waits for no disk flush
            // (a power cut can lose the last commits, never split one or corrupt the file).
            Execute(connection, null, "PRAGMA journal_mode = WAL;");
            Execute(connection, null, "PRAGMA synchronous = NORMAL;");
            Execute(connection, null, "PRAGMA cache_size = -65536;");
            if (!_checked)
            {
                await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (!_checked)
                    {
                        Check(connection, _options.ApplyMigrations);
                        _checked = true;
                    }
                }
                finally
                {
                    _ready.Release();
                }
            }

            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Explain(e);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Applies pending migrations now (whatever <see cref="SqliteStorageOptions.ApplyMigrations"/> says).</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                Execute(connection, null, "PRAGMA journal_mode = WAL;");
                var version = Check(connection, true);
                _checked = true;
                return version;
            }
            catch (SqliteException e)
            {
                throw Explain(e);
            }
        }
    }

    internal Exception Explain(SqliteException e)
    {
        var what = (e.SqliteErrorCode & 0xFF) switch
        {
            26 => "is not a SQLite database",
            11 => "is damaged",
            8 => "is read-only",
            14 => "cannot be opened",
            _ => null,
        };
        return what is null
            ? e
            : new InvalidOperationException($"The CustomerLifecycle database '{DataSource}' {what} ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')}); nothing was written. {((e.SqliteErrorCode & 0xFF) == 8 ? "Make it writable, or use another file." : "Restore it from a backup, or use another file.")}", e);
    }

    private int Check(SqliteConnection connection, bool migrate)
    {
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            throw new SqliteException("attempt to write a readonly database", 8);
        }

        // BEGIN IMMEDIATE: a second process starting at once waits here, then finds the migrations applied.
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS customerlifecycle_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM customerlifecycle_schema WHERE component = $c";
        read.Parameters.AddWithValue("$c", _component);
        var found = read.ExecuteScalar() switch
        {
            null => 0,
            long v when v >= 1 && v <= int.MaxValue => (int)v,
            var v => throw Damaged(connection, $"its version is {Convert.ToString(v, CultureInfo.InvariantCulture)}, not a version number"),
        };
        if (found > Latest)
        {
            throw new StoreSchemaException(_component, found, Latest, $"The database '{connection.DataSource}' has CustomerLifecycle schema '{_component}' version {found}, newer than this package's {Latest}; it was not written to. Upgrade the package, or use another database.");
        }

        if (found < Latest && !migrate)
        {
            throw new StoreSchemaException(_component, found, Latest, $"The database '{connection.DataSource}' has CustomerLifecycle schema '{_component}' version {found}, older than this package's {Latest}, and migrations are turned off (SqliteStorageOptions.ApplyMigrations); nothing was written. Apply them with MigrateAsync, or turn them on.");
        }

        for (var version = found + 1; version <= Latest; version++)
        {
            try
            {
                Execute(connection, transaction, _migrations[version - 1]);
            }
            catch (SqliteException e) when (e.Message.Contains("already exists", StringComparison.Ordinal))
            {
                // The tables of a version the row does not record: the row was deleted or set back.
                throw Damaged(connection, $"it says version {found}, but the tables of version {version} are there ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')})");
            }
        }

        if (found < Latest)
        {
            Execute(connection, transaction, $"INSERT INTO customerlifecycle_schema (component, version) VALUES ('{_component}', {Latest}) ON CONFLICT (component) DO UPDATE SET version = excluded.version");
        }

        transaction.Commit();
        return Latest;
    }

    private StoreSchemaException Damaged(SqliteConnection connection, string what) =>
        new(_component, 0, Latest, $"The database '{connection.DataSource}' has a damaged CustomerLifecycle schema version for '{_component}' (table customerlifecycle_schema): {what}; nothing was written. It was changed by hand, or by a newer release that this one cannot read. Restore the file from a backup, or set the row to the version its tables have (this package writes {Latest}).");

    internal static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
