using CustomerLifecycle.Playbooks;
using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The sample's SQLite file: every table in it is one of <c>CustomerLifecycle.Storage.Sqlite</c>'s (the pipeline's
/// ledger, the usage state, stage histories, health records, segment snapshots, the playbook runs), which create and
/// migrate their own tables and serve two processes at once (<c>BEGIN IMMEDIATE</c> transactions on a WAL database).
/// This class only checks, before anything is written, that a given file can be that database.
/// </summary>
internal sealed class SampleDatabase
{
    // The stores' tables: a file with any other table is someone else's.
    private static readonly HashSet<string> StoreTables = new(StringComparer.Ordinal)
    {
        "customerlifecycle_schema", "playbook_run", "playbook_task", "trigger_state", "pipeline_run", "pipeline_step", "saved_state",
        "stage_transition", "health_record", "health_override", "segment_snapshot", "feedback_item", "feedback_change",
    };

    // The tables the sample kept itself before it ran its day through the pipeline (schema 2).
    private static readonly string[] EarlierSampleTables = ["snapshot", "usage_state"];

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

            var tables = new List<string>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            if (tables.Intersect(EarlierSampleTables, StringComparer.Ordinal).Any())
            {
                return $"--db: '{Path}' was written by an earlier version of the sample (tables {string.Join(", ", tables.Intersect(EarlierSampleTables, StringComparer.Ordinal))}), whose state this one does not read; delete it to start afresh, or name another file.";
            }

            var foreign = tables.Where(t => !StoreTables.Contains(t) && !t.StartsWith("sqlite_", StringComparison.Ordinal)).ToArray();
            if (foreign.Length > 0)
            {
                return $"--db: '{Path}' is not this sample's database (tables it does not know: {string.Join(", ", foreign)}); name another file.";
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

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

internal sealed record TasksDue(int Total, IReadOnlyList<(string Owner, int Count, PlaybookTask First)> ByOwner, IReadOnlyList<PlaybookTask> Earliest);
