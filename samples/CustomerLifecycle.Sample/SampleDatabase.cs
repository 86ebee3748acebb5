using System.Globalization;
using CustomerLifecycle.Playbooks;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The sample's embedded SQLite database: the previous run's snapshot (health, segments, stage, the account row),
/// score history for trends, stage transitions, and the playbook run store. Safe for two processes at once: writes
/// run in <c>BEGIN IMMEDIATE</c> transactions, and the database is in WAL mode with a busy timeout.
/// </summary>
internal sealed class SampleDatabase
{
    // The schema this sample writes (PRAGMA user_version); a file written by a newer one is refused, never written to.
    private const int SchemaVersion = 2;

    private static readonly Dictionary<string, string[]> Tables = new(StringComparer.Ordinal)
    {
        ["snapshot"] = ["as_of", "account", "stage", "score", "color", "segments"],
        ["stage_transition"] = ["account", "from_stage", "to_stage", "on_date", "actor"],
        ["playbook_run"] = ["id", "playbook", "account", "occurrence", "triggered_on", "created_at", "status"],
        ["playbook_task"] = ["id", "run_id", "position", "title", "role", "owner", "channel", "priority", "due", "state", "claimant", "until"],
        ["usage_state"] = ["id", "as_of", "state"],
        ["trigger_state"] = ["playbook", "account", "holds", "since"],
    };

    private readonly object _gate = new();
    private bool _created;

    public SampleDatabase(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 60, Pooling = true }.ToString();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    /// <summary>True once the file exists (a first run creates it only when it writes its results).</summary>
    public bool Exists => File.Exists(Path);

    /// <summary>
    /// Checks, without creating or changing anything, that the file can serve as the sample's database: its folder
    /// exists; it is absent (a first run), or a SQLite database that is intact, of this sample's schema (or empty), not
    /// newer than this sample, and writable. Returns what is wrong and what to do, or null.
    /// </summary>
    public string? Check()
    {
        var full = System.IO.Path.GetFullPath(Path);
        if (Directory.Exists(full))
        {
            return $"--db: '{Path}' is a folder, not a database file; name a file in it.";
        }

        if (System.IO.Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
        {
            return $"--db: the folder '{folder}' does not exist; create it, or name a file in an existing folder.";
        }

        if (!File.Exists(full))
        {
            return null;
        }

        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWrite, DefaultTimeout = 60, Pooling = false }.ToString());
            connection.Open();
            var check = Scalar(connection, "PRAGMA quick_check(1)") as string;
            if (check != "ok")
            {
                return $"--db: '{Path}' is damaged (SQLite's quick_check says: {check?.ReplaceLineEndings(" ")}); restore it from a backup, or delete it to start afresh.";
            }

            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            if (version > SchemaVersion)
            {
                return $"--db: '{Path}' was written by a newer version of the sample (schema {version}, this one knows {SchemaVersion}); it was not opened for writing.";
            }

            var columns = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    (columns.TryGetValue(reader.GetString(0), out var set) ? set : columns[reader.GetString(0)] = new(StringComparer.Ordinal)).Add(reader.GetString(1));
                }
            }

            if (columns.Count > 0)
            {
                var foreign = columns.Keys.Where(t => !Tables.ContainsKey(t)).Order(StringComparer.Ordinal).ToArray();
                var lacking = Tables.Where(t => columns.TryGetValue(t.Key, out var have) ? !t.Value.All(have.Contains) : version == SchemaVersion)
                    .Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
                if (foreign.Length > 0 || lacking.Length > 0)
                {
                    return $"--db: '{Path}' is not this sample's database ({(foreign.Length > 0 ? "tables it does not know: " + string.Join(", ", foreign) : "tables missing or without their columns: " + string.Join(", ", lacking))}); name another file.";
                }
            }

            // Writable? SQLite opens a file it may not write read-only without a word, and fails only at the first write.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                return $"--db: '{Path}' is read-only; make it writable, or name another file.";
            }

            return null;
        }
        catch (SqliteException e)
        {
            var what = e.SqliteErrorCode switch
            {
                26 => "is not a SQLite database",
                11 => "is damaged",
                8 => "is read-only",
                14 => "cannot be opened",
                _ => "cannot be used",
            };
            return $"--db: '{Path}' {what} ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')}); {(e.SqliteErrorCode == 8 ? "make it writable, or name another file" : "restore it from a backup, delete it to start afresh, or name another file")}.";
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();

        // WAL with synchronous=NORMAL: a commit no longer waits for the disk (durable at the next checkpoint), and a
        // crash can lose at most the last commits, never corrupt the file or split a transaction.
        Execute(connection, null, "PRAGMA synchronous=NORMAL;");

        // 64 MB of page cache instead of SQLite's 2 MB: a first run at a million accounts inserts over a million tasks
        // into four indexes, and with the default cache every insert reads its index pages from the file.
        Execute(connection, null, "PRAGMA cache_size=-65536;");

        // Checkpoint the WAL every 40 MB instead of every 4 MB: index pages written again and again by a large first
        // run are copied into the database (and synced) ten times less often.
        Execute(connection, null, "PRAGMA wal_autocheckpoint=10000;");
        lock (_gate)
        {
            if (!_created)
            {
                Create(connection);
                _created = true;
            }
        }

        return connection;
    }

    /// <summary>The latest snapshot date on or before <paramref name="onOrBefore"/> (strictly before when <paramref name="strictly"/>).</summary>
    public LocalDate? LatestSnapshot(LocalDate onOrBefore, bool strictly)
    {
        if (!Exists)
        {
            return null;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = strictly ? "SELECT MAX(as_of) FROM snapshot WHERE as_of < $d" : "SELECT MAX(as_of) FROM snapshot WHERE as_of <= $d";
        command.Parameters.AddWithValue("$d", Iso(onOrBefore));
        return command.ExecuteScalar() is string text ? LocalDatePattern.Iso.Parse(text).Value : null;
    }

    public Dictionary<AccountId, StoredAccount> ReadSnapshot(LocalDate asOf)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT account, stage, score, color, segments FROM snapshot WHERE as_of = $d";
        command.Parameters.AddWithValue("$d", Iso(asOf));
        using var reader = command.ExecuteReader();
        var result = new Dictionary<AccountId, StoredAccount>();
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        var segmentLists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string Shared(string text) => shared.TryGetValue(text, out var one) ? one : shared[text] = text;
        while (reader.Read())
        {
            // A million accounts name a few stages, colors and segment lists: one copy of each.
            var segments = reader.GetString(4);
            result[new AccountId(reader.GetString(0))] = new StoredAccount(
                reader.IsDBNull(1) ? null : Shared(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : Shared(reader.GetString(3)),
                segmentLists.TryGetValue(segments, out var list) ? list : segmentLists[segments] = [.. segments.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(Shared)]);
        }

        return result;
    }

    /// <summary>
    /// Writes a day's results in one transaction: the stage moves and the snapshot of every account. A crash or a
    /// refusal before the commit leaves the database as it was.
    /// </summary>
    public void WriteDay(LocalDate asOf, IEnumerable<(AccountId Account, string? From, string To)> moves, IEnumerable<(AccountId Account, string? Stage, double? Score, string? Color, IEnumerable<string> Segments)> accounts, byte[]? usageState)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        if (usageState is not null)
        {
            using var usage = connection.CreateCommand();
            usage.Transaction = transaction;
            usage.CommandText = "INSERT OR REPLACE INTO usage_state (id, as_of, state) VALUES (1, $d, $s)";
            usage.Parameters.AddWithValue("$d", Iso(asOf));
            usage.Parameters.Add("$s", SqliteType.Blob).Value = usageState;
            usage.ExecuteNonQuery();
        }

        using (var move = connection.CreateCommand())
        {
            move.Transaction = transaction;
            move.CommandText = "INSERT OR IGNORE INTO stage_transition (account, from_stage, to_stage, on_date, actor) VALUES ($a, $f, $t, $d, 'sample')";
            var p = new[] { "$a", "$f", "$t", "$d" }.Select(n => move.Parameters.Add(n, SqliteType.Text)).ToArray();
            foreach (var (account, from, to) in moves)
            {
                p[0].Value = account.Value;
                p[1].Value = (object?)from ?? DBNull.Value;
                p[2].Value = to;
                p[3].Value = Iso(asOf);
                move.ExecuteNonQuery();
            }
        }

        Execute(connection, transaction, "DELETE FROM snapshot WHERE as_of = $d", ("$d", Iso(asOf)));
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO snapshot (as_of, account, stage, score, color, segments) VALUES ($d, $a, $s, $score, $c, $seg)";
        var parameters = new[] { "$d", "$a", "$s", "$score", "$c", "$seg" }.Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        foreach (var (account, stage, score, color, segments) in accounts)
        {
            parameters[0].Value = Iso(asOf);
            parameters[1].Value = account.Value;
            parameters[2].Value = (object?)stage ?? DBNull.Value;
            parameters[3].Value = (object?)score ?? DBNull.Value;
            parameters[4].Value = (object?)color ?? DBNull.Value;
            parameters[5].Value = string.Join('|', segments);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The usage aggregator's state as the last run saved it, and the date it was saved for; null before the first.</summary>
    public (LocalDate AsOf, byte[] State)? ReadUsageState()
    {
        if (!Exists)
        {
            return null;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT as_of, state FROM usage_state WHERE id = 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (LocalDatePattern.Iso.Parse(reader.GetString(0)).Value, (byte[])reader.GetValue(1)) : null;
    }

    public int CountStageTransitions()
    {
        if (!Exists)
        {
            return 0;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM stage_transition";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public List<(LocalDate Date, double MeanScore)> ScoreTrend()
    {
        if (!Exists)
        {
            return [];
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT as_of, AVG(score) FROM snapshot WHERE score IS NOT NULL GROUP BY as_of ORDER BY as_of";
        using var reader = command.ExecuteReader();
        var trend = new List<(LocalDate, double)>();
        while (reader.Read())
        {
            trend.Add((LocalDatePattern.Iso.Parse(reader.GetString(0)).Value, reader.GetDouble(1)));
        }

        return trend;
    }

    private static void Create(SqliteConnection connection)
    {
        Execute(connection, null, "PRAGMA journal_mode=WAL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS snapshot (as_of TEXT NOT NULL, account TEXT NOT NULL, stage TEXT, score REAL, color TEXT, segments TEXT NOT NULL, PRIMARY KEY (as_of, account));
            CREATE TABLE IF NOT EXISTS stage_transition (account TEXT NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL, on_date TEXT NOT NULL, actor TEXT NOT NULL, PRIMARY KEY (account, to_stage, on_date));
            CREATE TABLE IF NOT EXISTS playbook_run (id TEXT PRIMARY KEY, playbook TEXT NOT NULL, account TEXT NOT NULL, occurrence TEXT NOT NULL, triggered_on TEXT NOT NULL, created_at INTEGER NOT NULL, status INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS playbook_run_by_account ON playbook_run (playbook, account);
            CREATE TABLE IF NOT EXISTS playbook_task (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, position INTEGER NOT NULL, title TEXT NOT NULL, role TEXT NOT NULL, owner TEXT NOT NULL, channel INTEGER NOT NULL, priority INTEGER NOT NULL, due TEXT NOT NULL, state INTEGER NOT NULL, claimant TEXT, until INTEGER);
            DROP INDEX IF EXISTS playbook_task_pending;
            CREATE INDEX IF NOT EXISTS playbook_task_claimable ON playbook_task (state, until);
            CREATE INDEX IF NOT EXISTS playbook_task_by_owner ON playbook_task (owner);
            CREATE INDEX IF NOT EXISTS playbook_task_by_run ON playbook_task (run_id);
            CREATE TABLE IF NOT EXISTS usage_state (id INTEGER PRIMARY KEY CHECK (id = 1), as_of TEXT NOT NULL, state BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS trigger_state (playbook TEXT NOT NULL, account TEXT NOT NULL, holds INTEGER NOT NULL, since TEXT NOT NULL, PRIMARY KEY (playbook, account));
            """);
        // Schema 2 adds usage_state (the usage aggregator's saved state) and trigger_state (the playbook engine's). Schema 1: tasks of cancelled runs are state 3 (earlier files left them at 0 or 1).
        Execute(connection, transaction, "UPDATE playbook_task SET state = 3 WHERE state IN (0, 1) AND run_id IN (SELECT id FROM playbook_run WHERE status = 1)");
        Execute(connection, transaction, $"PRAGMA user_version = {SchemaVersion};");
        transaction.Commit();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);

    internal static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }
}

/// <summary>The open tasks due soon: how many, the ten busiest owners with their most urgent task, and the earliest tasks.</summary>
internal sealed record TasksDue(int Total, IReadOnlyList<(string Owner, int Count, PlaybookTask First)> ByOwner, IReadOnlyList<PlaybookTask> Earliest);

/// <summary>What the previous run stored of an account.</summary>
internal sealed record StoredAccount(string? Stage, double? Score, string? Color, IReadOnlyList<string> Segments);

/// <summary>The playbook run store on SQLite: each operation one transaction, so two processes never create a run twice or hand a task to both.</summary>
internal sealed class SqlitePlaybookRunStore(SampleDatabase database) : IPlaybookRunStore, IDisposable
{
    // A task's state: 0 pending, 1 claimed (claimant, until), 2 handed off, 3 cancelled with its run.
    // One connection per store, used under a lock: no open or pragma per call. Other processes (and other stores)
    // have their own connections; BEGIN IMMEDIATE and the busy timeout serialise them in the database.
    private readonly object _gate = new();
    private SqliteConnection? _connection;

    public RunAdmission TryCreate(PlaybookRun run, Period? cooldown, EnrolmentCap? cap)
    {
        ArgumentNullException.ThrowIfNull(run);
        return TryCreateMany([new RunRequest(run, cooldown, cap)])[0];
    }

    /// <summary>Decides and stores a batch of runs in one transaction: one commit for a thousand runs, not one each.</summary>
    public IReadOnlyList<RunAdmission> TryCreateMany(IReadOnlyList<RunRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        lock (_gate)
        {
            return TryCreateCore(requests);
        }
    }

    public IReadOnlyList<PlaybookRun> OpenRuns()
    {
        lock (_gate)
        {
            return ReadRuns("r.status = 0");
        }
    }

    public IReadOnlyList<PlaybookRun> AllRuns()
    {
        lock (_gate)
        {
            return ReadRuns("1 = 1");
        }
    }

    public bool Cancel(string runId, Instant at)
    {
        lock (_gate)
        {
            return CancelCore(runId);
        }
    }

    public IReadOnlyList<PlaybookTask> ClaimHandOffs(string claimant, Instant now, Duration lease, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_gate)
        {
            return ClaimHandOffsCore(claimant, now, lease, limit);
        }
    }

    public void CompleteHandOff(string taskId, string claimant)
    {
        lock (_gate)
        {
            CompleteHandOffCore(taskId, claimant);
        }
    }

    public void ReleaseHandOff(string taskId, string claimant)
    {
        lock (_gate)
        {
            ReleaseHandOffCore(taskId, claimant);
        }
    }

    public int OpenTaskCount(string owner)
    {
        lock (_gate)
        {
            return OpenTaskCountCore(owner);
        }
    }

    public bool KeepsTriggerState => true;

    public IReadOnlyDictionary<TriggerStateKey, TriggerState> TriggerStates()
    {
        lock (_gate)
        {
            var states = new Dictionary<TriggerStateKey, TriggerState>();
            using var command = Connection().CreateCommand();
            command.CommandText = "SELECT playbook, account, holds, since FROM trigger_state";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                states[new TriggerStateKey(reader.GetString(0), new AccountId(reader.GetString(1)))] = new TriggerState(reader.GetInt32(2) == 1, LocalDatePattern.Iso.Parse(reader.GetString(3)).Value);
            }

            return states;
        }
    }

    /// <summary>Records the changes in one transaction.</summary>
    public void SetTriggerStates(IReadOnlyList<TriggerStateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            var connection = Connection();
            using var transaction = connection.BeginTransaction(deferred: false);
            using var set = connection.CreateCommand();
            set.Transaction = transaction;
            set.CommandText = "INSERT OR REPLACE INTO trigger_state (playbook, account, holds, since) VALUES ($p, $a, $h, $s)";
            var p = new[] { "$p", "$a", "$h", "$s" }.Select(n => set.Parameters.Add(n, SqliteType.Text)).ToArray();
            foreach (var change in changes)
            {
                p[0].Value = change.Key.PlaybookId;
                p[1].Value = change.Key.Account.Value;
                p[2].Value = change.State.Holds ? 1 : 0;
                p[3].Value = SampleDatabase.Iso(change.State.Since);
                set.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>The open tasks due by a date: how many, the ten owners with most (each with their most urgent), and the earliest.</summary>
    public TasksDue DueBy(LocalDate until, int earliest)
    {
        lock (_gate)
        {
            var connection = Connection();
            const string Open = "t.state IN (0, 1, 2) AND t.due <= $d";
            var d = SampleDatabase.Iso(until);
            var owners = new List<(string Owner, int Count)>();
            var total = 0;
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT t.owner, COUNT(*) FROM playbook_task t WHERE {Open} GROUP BY t.owner ORDER BY COUNT(*) DESC, t.owner";
                command.Parameters.AddWithValue("$d", d);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    total += reader.GetInt32(1);
                    if (owners.Count < 10)
                    {
                        owners.Add((reader.GetString(0), reader.GetInt32(1)));
                    }
                }
            }

            var byOwner = owners.Select(o => (o.Owner, o.Count, ReadTasks(connection, null, $"{Open} AND t.owner = $o ORDER BY t.priority DESC, t.due, t.id", 1, ("$d", d), ("$o", o.Owner))[0])).ToArray();
            return new TasksDue(total, byOwner, ReadTasks(connection, null, $"{Open} ORDER BY t.due, t.priority DESC, t.id", earliest, ("$d", d)));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    private SqliteConnection Connection() => _connection ??= database.Open();

    private RunAdmission[] TryCreateCore(IReadOnlyList<RunRequest> requests)
    {
        var connection = Connection();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var exists = Prepare(connection, transaction, "SELECT 1 FROM playbook_run WHERE id = $id", "$id");
        using var history = Prepare(connection, transaction, "SELECT triggered_on FROM playbook_run WHERE playbook = $p AND account = $a", "$p", "$a");
        using var insertRun = Prepare(connection, transaction, "INSERT INTO playbook_run (id, playbook, account, occurrence, triggered_on, created_at, status) VALUES ($id, $p, $a, $o, $t, $c, 0)", "$id", "$p", "$a", "$o", "$t", "$c");
        using var insertTask = Prepare(connection, transaction, "INSERT INTO playbook_task (id, run_id, position, title, role, owner, channel, priority, due, state) VALUES ($id, $r, $n, $title, $role, $owner, $ch, $pr, $due, 0)", "$id", "$r", "$n", "$title", "$role", "$owner", "$ch", "$pr", "$due");
        var admissions = new RunAdmission[requests.Count];
        var earlier = new List<LocalDate>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (run, cooldown, cap) = requests[i];
            ArgumentNullException.ThrowIfNull(run, nameof(requests));
            exists.Parameters[0].Value = run.Id;
            if (exists.ExecuteScalar() is not null)
            {
                admissions[i] = RunAdmission.Duplicate;
                continue;
            }

            // The account's earlier runs of the playbook matter only to a cooldown or a cap.
            if (cooldown is not null || cap is not null)
            {
                earlier.Clear();
                history.Parameters[0].Value = run.PlaybookId;
                history.Parameters[1].Value = run.Account.Value;
                using (var reader = history.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        earlier.Add(LocalDatePattern.Iso.Parse(reader.GetString(0)).Value);
                    }
                }

                admissions[i] = PlaybookLimits.Admit(earlier, run.TriggeredOn, cooldown, cap);
                if (admissions[i] != RunAdmission.Created)
                {
                    continue;
                }
            }

            SetAndRun(insertRun, run.Id, run.PlaybookId, run.Account.Value, run.OccurrenceKey, SampleDatabase.Iso(run.TriggeredOn), run.CreatedAt.ToUnixTimeTicks());
            for (var n = 0; n < run.Tasks.Count; n++)
            {
                var t = run.Tasks[n];
                SetAndRun(insertTask, t.Id, run.Id, n, t.Title, t.OwnerRole, t.Owner, (int)t.Channel, (int)t.Priority, SampleDatabase.Iso(t.Due));
            }

            admissions[i] = RunAdmission.Created;
        }

        transaction.Commit();
        return admissions;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void SetAndRun(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        command.ExecuteNonQuery();
    }

    private bool CancelCore(string runId)
    {
        // The run's tasks leave the claimable and open states with it (state 3): claims and load counts need no join.
        var connection = Connection();
        using var transaction = connection.BeginTransaction(deferred: false);
        var cancelled = SampleDatabase.Execute(connection, transaction, "UPDATE playbook_run SET status = 1 WHERE id = $id AND status = 0", ("$id", runId)) == 1;
        if (cancelled)
        {
            SampleDatabase.Execute(connection, transaction, "UPDATE playbook_task SET state = 3 WHERE run_id = $id AND state IN (0, 1)", ("$id", runId));
        }

        transaction.Commit();
        return cancelled;
    }

    private List<PlaybookTask> ClaimHandOffsCore(string claimant, Instant now, Duration lease, int limit)
    {
        var connection = Connection();
        using var transaction = connection.BeginTransaction(deferred: false);
        var tasks = ReadTasks(connection, transaction, "r.status = 0 AND t.state = 0", limit);
        if (tasks.Count < limit)
        {
            tasks.AddRange(ReadTasks(connection, transaction, "r.status = 0 AND t.state = 1 AND t.until <= $now", limit - tasks.Count, ("$now", now.ToUnixTimeTicks())));
        }

        foreach (var task in tasks)
        {
            SampleDatabase.Execute(connection, transaction, "UPDATE playbook_task SET state = 1, claimant = $c, until = $u WHERE id = $id",
                ("$c", claimant), ("$u", (now + lease).ToUnixTimeTicks()), ("$id", task.Id));
        }

        transaction.Commit();
        return tasks;
    }

    private void CompleteHandOffCore(string taskId, string claimant)
    {
        var connection = Connection();
        SampleDatabase.Execute(connection, null, "UPDATE playbook_task SET state = 2 WHERE id = $id AND claimant = $c AND state = 1", ("$id", taskId), ("$c", claimant));
    }

    private void ReleaseHandOffCore(string taskId, string claimant)
    {
        var connection = Connection();
        SampleDatabase.Execute(connection, null, "UPDATE playbook_task SET state = 0, claimant = NULL WHERE id = $id AND claimant = $c AND state = 1", ("$id", taskId), ("$c", claimant));
    }

    private int OpenTaskCountCore(string owner)
    {
        var connection = Connection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM playbook_task t JOIN playbook_run r ON r.id = t.run_id WHERE r.status = 0 AND t.owner = $o";
        command.Parameters.AddWithValue("$o", owner);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private List<PlaybookRun> ReadRuns(string where)
    {
        var connection = Connection();
        var tasks = ReadTasks(connection, null, where, null).ToLookup(t => t.RunId);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, playbook, account, occurrence, triggered_on, created_at, status FROM playbook_run r WHERE {where} ORDER BY id";
        using var reader = command.ExecuteReader();
        var runs = new List<PlaybookRun>();
        while (reader.Read())
        {
            runs.Add(new PlaybookRun(reader.GetString(0), reader.GetString(1), new AccountId(reader.GetString(2)), reader.GetString(3), LocalDatePattern.Iso.Parse(reader.GetString(4)).Value, Instant.FromUnixTimeTicks(reader.GetInt64(5)), [.. tasks[reader.GetString(0)]])
            {
                Status = (RunStatus)reader.GetInt32(6),
            });
        }

        return runs;
    }

    // A claim (with a limit) takes any claimable tasks through the state index and stops at the limit; sorting every
    // pending task for each batch would make a large hand-off quadratic.
    private static List<PlaybookTask> ReadTasks(SqliteConnection connection, SqliteTransaction? transaction, string where, int? limit, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT t.id, t.run_id, r.playbook, r.account, t.title, t.role, t.owner, t.channel, t.priority, t.due FROM playbook_task t JOIN playbook_run r ON r.id = t.run_id WHERE {where} {(limit is { } n ? $"LIMIT {n}" : "ORDER BY t.run_id, t.position")}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var tasks = new List<PlaybookTask>();

        // Playbooks, titles, roles and owners repeat across a million tasks: one copy of each.
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(int column)
        {
            var text = reader.GetString(column);
            return shared.TryGetValue(text, out var one) ? one : shared[text] = text;
        }

        while (reader.Read())
        {
            tasks.Add(new PlaybookTask(reader.GetString(0), reader.GetString(1), Shared(2), new AccountId(reader.GetString(3)), Shared(4), Shared(5), Shared(6), (TaskChannel)reader.GetInt32(7), (TaskPriority)reader.GetInt32(8), LocalDatePattern.Iso.Parse(reader.GetString(9)).Value));
        }

        return tasks;
    }
}
