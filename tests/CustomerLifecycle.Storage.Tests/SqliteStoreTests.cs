using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static CustomerLifecycle.Storage.Tests.StoreFixtures;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>The SQLite store's schema, its bad states and its own queries, against real files.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-sqlite-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private SqliteStorageOptions Options(string name, bool migrate = true) => new() { ConnectionString = $"Data Source={Path.Combine(_folder, name)}", ApplyMigrations = migrate };

    private object? Scalar(string name, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, name)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task ARestartOrOverlappingSpans_CreateNoSecondRun() =>
        await RestartsAndOverlappingSpansCreateNoSecondRunAsync(() => new SqlitePlaybookRunStore(Options("restart.db")));

    [Fact]
    public async Task StoresStartingAtOnceOnANewFile_MigrateItOnce()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new SqlitePlaybookRunStore(Options("new.db"))).ToArray();
        var created = await Task.WhenAll(stores.Select((s, i) => Task.Run(async () => (await s.TryCreateAsync([new RunRequest(Run($"a{i}", Day0), null, null)]))[0])));
        Assert.All(created, a => Assert.Equal(RunAdmission.Created, a));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        Assert.Equal(2L, Scalar("new.db", "SELECT version FROM customerlifecycle_schema WHERE component = 'playbooks'"));
        Assert.Equal(2, SqlitePlaybookRunStore.SchemaVersion);
        Assert.Equal(4L, Scalar("new.db", "SELECT count(*) FROM playbook_run"));
    }

    [Fact]
    public async Task AVersionOneFile_MigratesToTheArms_KeepingItsRuns()
    {
        // Version 1 as the previous release left it: runs without the arm and stratum columns or the date index.
        await using (var store = new SqlitePlaybookRunStore(Options("v1.db")))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null), new RunRequest(Run("b", Day0), null, null)]);
        }

        Scalar("v1.db", "DROP INDEX playbook_run_by_date; ALTER TABLE playbook_run DROP COLUMN arm; ALTER TABLE playbook_run DROP COLUMN stratum; UPDATE customerlifecycle_schema SET version = 1 WHERE component = 'playbooks'");
        await using var upgraded = new SqlitePlaybookRunStore(Options("v1.db"));
        Assert.Equal([RunAdmission.Created], await upgraded.TryCreateAsync([new RunRequest(Run("c", Day0) with { Arm = "held out", Stratum = "SMB" }, null, null)]));
        var runs = await upgraded.RunsAsync(Run("a", Day0).PlaybookId, Day0, Day0);
        Assert.Equal([(null, null), (null, null), ("held out", "SMB")], runs.Select(r => (r.Arm, r.Stratum)));
        Assert.Equal(2L, Scalar("v1.db", "SELECT version FROM customerlifecycle_schema WHERE component = 'playbooks'"));
    }

    [Fact]
    public async Task ANewerSchema_IsRefused_AndNotWrittenTo()
    {
        await using (var store = new SqlitePlaybookRunStore(Options("newer.db")))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]);
        }

        Scalar("newer.db", "UPDATE customerlifecycle_schema SET version = 7");
        await using var newer = new SqlitePlaybookRunStore(Options("newer.db"));
        var e = await Assert.ThrowsAsync<StoreSchemaException>(async () => await newer.TryCreateAsync([new RunRequest(Run("b", Day0), null, null)]));
        Assert.Equal((7, 2, "playbooks"), (e.Found, e.Expected, e.Component));
        Assert.Contains("version 7, newer than this package's 2; it was not written to", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar("newer.db", "SELECT count(*) FROM playbook_run"));
        Assert.Equal(7L, Scalar("newer.db", "SELECT version FROM customerlifecycle_schema"));
    }

    [Fact]
    public async Task WithMigrationsOff_AnOlderSchemaIsRefused_UntilMigrateAsync()
    {
        await using var store = new SqlitePlaybookRunStore(Options("off.db", migrate: false));
        var e = await Assert.ThrowsAsync<StoreSchemaException>(async () => await store.OpenRunsAsync());
        Assert.Contains("version 0, older than this package's 2, and migrations are turned off (SqliteStorageOptions.ApplyMigrations)", e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Scalar("off.db", "SELECT count(*) FROM sqlite_master"));
        Assert.Equal(2, await store.MigrateAsync());
        Assert.Empty(await store.OpenRunsAsync());
    }

    [Fact]
    public async Task AFileThatIsNotADatabase_IsAClearError_AndIsLeftAsItWas()
    {
        var file = Path.Combine(_folder, "notes.db");
        var text = "these are my notes, not a database\n"u8.ToArray().Concat(new byte[5000]).ToArray();
        File.WriteAllBytes(file, text);
        await using var store = new SqlitePlaybookRunStore(Options("notes.db"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.OpenRunsAsync());
        Assert.Contains($"The CustomerLifecycle database '{file}' is not a SQLite database", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllBytes(file));
    }

    [Fact]
    public async Task ADamagedFile_IsAClearError()
    {
        await using (var store = new SqlitePlaybookRunStore(Options("damaged.db")))
        {
            await store.TryCreateAsync([.. Enumerable.Range(0, 2000).Select(i => new RunRequest(Run($"account-{i}", Day0), null, null))]);
        }

        Scalar("damaged.db", "PRAGMA wal_checkpoint(TRUNCATE)");
        SqliteConnection.ClearAllPools();
        var file = Path.Combine(_folder, "damaged.db");
        var bytes = File.ReadAllBytes(file);
        Array.Fill(bytes, (byte)0xA5, 4096 * 3, bytes.Length - (4096 * 4)); // every page but the first three and the last
        File.WriteAllBytes(file, bytes);

        await using var damaged = new SqlitePlaybookRunStore(Options("damaged.db"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await damaged.OpenRunsAsync());
        Assert.Contains("is damaged", e.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it from a backup", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReadOnlyFile_IsAClearError_AndNothingIsWritten()
    {
        await using (var store = new SqlitePlaybookRunStore(Options("ro.db")))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]);
        }

        SqliteConnection.ClearAllPools();

        // Root ignores file permissions, so the file is opened read-only the way SQLite does when it cannot write it.
        await using var readOnly = new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "ro.db")};Mode=ReadOnly" });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await readOnly.TryCreateAsync([new RunRequest(Run("b", Day0), null, null)]));
        Assert.Contains("is read-only", e.Message, StringComparison.Ordinal);
        Assert.Contains("Make it writable", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar("ro.db", "SELECT count(*) FROM playbook_run"));
    }

    [Fact]
    public async Task TheToDoQueries_CountAndListTheOpenTasksDue()
    {
        await using var store = new SqlitePlaybookRunStore(Options("due.db"));
        await ToDoQueriesAsync(store, async by => await store.OpenTaskCountsDueAsync(by), async (by, limit, owner) => await store.OpenTasksDueAsync(by, limit, owner));
    }

    [Theory]
    [InlineData("UPDATE customerlifecycle_schema SET version = 1099511627776 WHERE component = 'playbooks'", "its version is 1099511627776, not a version number")]
    [InlineData("UPDATE customerlifecycle_schema SET version = 'two' WHERE component = 'playbooks'", "its version is two, not a version number")]
    [InlineData("UPDATE customerlifecycle_schema SET version = -1 WHERE component = 'playbooks'", "its version is -1, not a version number")]
    [InlineData("UPDATE customerlifecycle_schema SET version = 0 WHERE component = 'playbooks'", "its version is 0, not a version number")]
    [InlineData("DELETE FROM customerlifecycle_schema WHERE component = 'pipeline'", "it says version 0, but the tables of version 1 are there")]
    public async Task ADamagedSchemaVersionRow_IsOneClearError_AndNothingIsWritten(string damage, string what)
    {
        var name = $"damaged-{Math.Abs(damage.GetHashCode(StringComparison.Ordinal))}.db";
        await using (var store = new SqlitePlaybookRunStore(Options(name)))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]);
        }

        await using (var ledger = new SqlitePipelineRunStore(Options(name)))
        {
            await ledger.RecentRunsAsync("daily", 1);
        }

        Scalar(name, damage);
        SqliteConnection.ClearAllPools();
        var component = damage.Contains("'pipeline'", StringComparison.Ordinal) ? "pipeline" : "playbooks";
        var e = component == "pipeline"
            ? await Assert.ThrowsAsync<StoreSchemaException>(async () => await new SqlitePipelineRunStore(Options(name)).RecentRunsAsync("daily", 1))
            : await Assert.ThrowsAsync<StoreSchemaException>(async () => await new SqlitePlaybookRunStore(Options(name)).TryCreateAsync([new RunRequest(Run("b", Day0), null, null)]));
        Assert.Contains($"has a damaged CustomerLifecycle schema version for '{component}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
        Assert.Contains("Restore the file from a backup", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar(name, "SELECT count(*) FROM playbook_run"));
    }

    [Fact]
    public async Task ADatabaseFileDeletedOrReplacedWhileOpen_IsRefusedLoudly_NotWrittenIntoTheVoid()
    {
        var path = Path.Combine(_folder, "deleted.db");
        await using var store = new SqlitePlaybookRunStore(Options("deleted.db"));
        await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]);
        foreach (var file in Directory.GetFiles(_folder, "deleted.db*"))
        {
            File.Delete(file);
        }

        var deleted = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.TryCreateAsync([new RunRequest(Run("b", Day0), null, null)]));
        Assert.Contains($"The CustomerLifecycle database '{path}' was deleted while this store had it open; nothing was written", deleted.Message, StringComparison.Ordinal);

        // Another store makes a new file on the path: the old connection's file is not that one.
        await using (var other = new SqlitePlaybookRunStore(Options("deleted.db")))
        {
            await other.TryCreateAsync([new RunRequest(Run("c", Day0), null, null)]);
        }

        var replaced = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.OpenRunsAsync());
        Assert.Contains("was replaced by another file while this store had it open", replaced.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Scalar("deleted.db", "SELECT count(*) FROM playbook_run"));
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=")]
    [InlineData("Data Source=x.db;Mode=Memory")]
    public async Task AnInMemoryDatabase_IsRefused_UnlessAllowed(string connectionString)
    {
        var e = Assert.Throws<ArgumentException>(() => new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = connectionString }));
        Assert.Contains("names an in-memory database: everything it keeps is lost when the process stops", e.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteStorageOptions.AllowInMemory", e.Message, StringComparison.Ordinal);
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddCustomerLifecycle().AddSqliteStorage(connectionString));

        await using var allowed = new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = connectionString, AllowInMemory = true });
        Assert.Equal([RunAdmission.Created], await allowed.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]));
    }

    [Fact]
    public void AFileInAMissingFolder_IsRefusedWhenConfigured_NotAtTheFirstWrite()
    {
        var missing = Path.Combine(_folder, "no-such-folder", "c.db");
        var services = new ServiceCollection();
        var e = Assert.Throws<ArgumentException>(() => services.AddCustomerLifecycle().AddSqliteStorage($"Data Source={missing}"));
        Assert.Contains($"SqliteStorageOptions.ConnectionString: the folder of the database '{missing}' ({Path.GetDirectoryName(missing)}) does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASegmentSnapshotWrittenBeforeTheHashWasStored_IsReadAndReplacedByShard()
    {
        Scalar("v1.db", $"""
            CREATE TABLE customerlifecycle_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
            INSERT INTO customerlifecycle_schema VALUES ('segments', 1);
            CREATE TABLE segment_snapshot (date TEXT NOT NULL, account TEXT NOT NULL, segments TEXT NOT NULL, PRIMARY KEY (date, account));
            INSERT INTO segment_snapshot VALUES {VersionOneSegmentValues("'2026-12-01'")};
            """);
        await using (var store = new SqliteSegmentSnapshotStore(Options("v1.db")))
        {
            await VersionOneSegmentRowsAreReadAndReplacedByShardAsync(store);
        }

        Assert.Equal(2L, Scalar("v1.db", "SELECT version FROM customerlifecycle_schema WHERE component = 'segments'"));
        Assert.Equal(0L, Scalar("v1.db", "SELECT count(*) FROM segment_snapshot WHERE segments = 'Moved' AND hash IS NULL"));
    }
}
