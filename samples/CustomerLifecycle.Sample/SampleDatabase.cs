using System.Globalization;
using CustomerLifecycle.Playbooks;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The sample's embedded SQLite database: the previous run's snapshot (health, segments, stage, the account row),
/// score history for trends, stage transitions and the usage state; the playbook runs live in the same file, in the
/// tables of <c>CustomerLifecycle.Storage.Sqlite</c>. Safe for two processes at once: writes run in
/// <c>BEGIN IMMEDIATE</c> transactions, and the database is in WAL mode with a busy timeout.
/// </summary>
internal sealed class SampleDatabase
{
    // The schema this sample writes (PRAGMA user_version); a file written by a newer one is refused, never written to.
    private const int SchemaVersion = 2;

    private static readonly Dictionary<string, string[]> Tables = new(StringComparer.Ordinal)
    {
        ["snapshot"] = ["as_of", "account", "stage", "score", "color", "segments"],
        ["stage_transition"] = ["account", "from_stage", "to_stage", "on_date", "actor"],
        ["usage_state"] = ["id", "as_of", "state"],
    };

    // The run store's tables (CustomerLifecycle.Storage.Sqlite checks and migrates them itself).
    private static readonly HashSet<string> StoreTables = new(StringComparer.Ordinal) { "playbook_run", "playbook_task", "trigger_state", "customerlifecycle_schema" };

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
                var foreign = columns.Keys.Where(t => !Tables.ContainsKey(t) && !StoreTables.Contains(t)).Order(StringComparer.Ordinal).ToArray();
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
            CREATE TABLE IF NOT EXISTS usage_state (id INTEGER PRIMARY KEY CHECK (id = 1), as_of TEXT NOT NULL, state BLOB NOT NULL);
            """);
        // Schema 2 adds usage_state (the usage aggregator's saved state). The playbook tables the sample kept itself
        // until schema 2 are the run store's schema 1, which adopts them as they are.
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
