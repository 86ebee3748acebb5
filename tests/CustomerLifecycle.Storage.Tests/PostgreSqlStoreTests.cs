using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CustomerLifecycle.Storage.Tests.StoreFixtures;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>The PostgreSQL store's schema and its bad states, against the tests' own server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStoreTests(PostgresServer server)
{
    private PostgreSqlStorageOptions Options(string schema, bool migrate = true) => new() { ConnectionString = server.ConnectionString, Schema = schema, ApplyMigrations = migrate };

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    [PostgresFact]
    public async Task ARestartOrOverlappingSpans_CreateNoSecondRun()
    {
        var schema = PostgresServer.NewSchema();
        await RestartsAndOverlappingSpansCreateNoSecondRunAsync(() => new PostgreSqlPlaybookRunStore(Options(schema)));
    }

    [PostgresFact]
    public async Task AddPostgreSqlStorage_RegistersTheThreeStoresOnOneDatabase()
    {
        var schema = PostgresServer.NewSchema();
        var services = new ServiceCollection();
        services.AddCustomerLifecycle().AddPlaybooks().AddPostgreSqlStorage(server.ConnectionString, o => o.Schema = schema);
        await using (var provider = services.BuildServiceProvider())
        {
            Assert.Equal([RunAdmission.Created], await provider.GetRequiredService<IPlaybookRunStore>().TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]));
            Assert.NotNull(await provider.GetRequiredService<IPipelineRunStore>().TryClaimAsync("daily", Day0, "me", NodaTime.Instant.FromUtc(2026, 12, 1, 6, 0), NodaTime.Duration.FromMinutes(1)));
            await provider.GetRequiredService<IStateStore>().WriteAsync("usage", Day0, new byte[] { 7 });
        }

        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {schema}.playbook_run"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {schema}.pipeline_run"));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {schema}.saved_state"));
    }

    [PostgresFact]
    public async Task TheToDoQueries_CountAndListTheOpenTasksDue()
    {
        await using var store = new PostgreSqlPlaybookRunStore(Options(PostgresServer.NewSchema()));
        await ToDoQueriesAsync(store, async by => await store.OpenTaskCountsDueAsync(by), async (by, limit, owner) => await store.OpenTasksDueAsync(by, limit, owner));
    }

    [PostgresFact]
    public async Task InstancesStartingAtOnceOnANewDatabase_MigrateItOnce()
    {
        var schema = PostgresServer.NewSchema();
        var stores = Enumerable.Range(0, 6).Select(_ => new PostgreSqlPlaybookRunStore(Options(schema))).ToArray();
        var created = await Task.WhenAll(stores.Select((s, i) => Task.Run(async () => (await s.TryCreateAsync([new RunRequest(Run($"a{i}", Day0), null, null)]))[0])));
        Assert.All(created, a => Assert.Equal(RunAdmission.Created, a));
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        Assert.Equal(PostgreSqlPlaybookRunStore.SchemaVersion, await ScalarAsync($"SELECT version FROM {schema}.customerlifecycle_schema WHERE component = 'playbooks'"));
        Assert.Equal(6L, await ScalarAsync($"SELECT count(*) FROM {schema}.playbook_run"));
    }

    [PostgresFact]
    public async Task ANewerSchema_IsRefused_AndNotWrittenTo()
    {
        var schema = PostgresServer.NewSchema();
        await using (var store = new PostgreSqlPlaybookRunStore(Options(schema)))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null)]);
        }

        await ScalarAsync($"UPDATE {schema}.customerlifecycle_schema SET version = 5");
        await using var older = new PostgreSqlPlaybookRunStore(Options(schema));
        var e = await Assert.ThrowsAsync<StoreSchemaException>(async () => await older.TryCreateAsync([new RunRequest(Run("b", Day0), null, null)]));
        Assert.Equal((5, 3), (e.Found, e.Expected));
        Assert.Contains($"The PostgreSQL schema '{schema}' has CustomerLifecycle schema 'playbooks' version 5, newer than this package's 3; it was not written to", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {schema}.playbook_run"));
    }

    [PostgresFact]
    public async Task WithMigrationsOff_AMissingSchemaIsRefused_AndNothingIsCreated()
    {
        var schema = PostgresServer.NewSchema();
        await using var store = new PostgreSqlPlaybookRunStore(Options(schema, migrate: false));
        var e = await Assert.ThrowsAsync<StoreSchemaException>(async () => await store.OpenRunsAsync());
        Assert.Contains("version 0, older than this package's 3, and migrations are turned off", e.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'"));
        Assert.Equal(3, await store.MigrateAsync());
        Assert.Empty(await store.OpenRunsAsync());
    }

    [PostgresFact]
    public async Task AVersionOneSchema_MigratesToTheSingleOpenIndexAndTheArms_KeepingItsRuns()
    {
        // Version 1 as the previous release left it: runs without the single_open column or its index.
        var schema = PostgresServer.NewSchema();
        await using (var store = new PostgreSqlPlaybookRunStore(Options(schema)))
        {
            await store.TryCreateAsync([new RunRequest(Run("a", Day0), null, null), new RunRequest(Run("b", Day0), null, null)]);
        }

        await ScalarAsync($"DROP INDEX {schema}.playbook_run_single_open; DROP INDEX {schema}.playbook_run_by_date; ALTER TABLE {schema}.playbook_run DROP COLUMN single_open, DROP COLUMN arm, DROP COLUMN stratum; UPDATE {schema}.customerlifecycle_schema SET version = 1 WHERE component = 'playbooks'");
        await using var upgraded = new PostgreSqlPlaybookRunStore(Options(schema));
        var single = await upgraded.TryCreateAsync([new RunRequest(Run("a", Day0.PlusDays(1)), null, null) { SingleOpen = true }, new RunRequest(Run("c", Day0), null, null) { SingleOpen = true }]);
        Assert.Equal([RunAdmission.AlreadyOpen, RunAdmission.Created], single);
        Assert.Equal(3, (await upgraded.OpenRunsAsync()).Count);
        Assert.All(await upgraded.OpenRunsAsync(), r => Assert.Null(r.Arm));
        Assert.Equal(3, await ScalarAsync($"SELECT version FROM {schema}.customerlifecycle_schema WHERE component = 'playbooks'"));

        // Version 3's columns: an experiment's run keeps its arm and stratum.
        Assert.Equal([RunAdmission.Created], await upgraded.TryCreateAsync([new RunRequest(Run("d", Day0) with { Arm = "held out", Stratum = "SMB" }, null, null)]));
        Assert.Equal(("held out", "SMB"), (await upgraded.OpenRunsAsync()).Where(r => r.Account.Value == "d").Select(r => (r.Arm, r.Stratum)).Single());
    }

    [PostgresFact]
    public async Task AConnectionDroppedInTheMiddleOfABatch_IsAnError_AndWritesNothingOfIt()
    {
        var schema = PostgresServer.NewSchema();
        await using var store = new PostgreSqlPlaybookRunStore(Options(schema));
        await store.MigrateAsync();
        var runs = Enumerable.Range(0, 500).Select(i => Run($"a{i}", Day0)).ToArray();

        // Another session holds the id of the last run's last task, uncommitted: the batch inserts its runs, then
        // waits in the middle of writing their tasks. Its connection is then terminated, as a network drop would.
        await using var blocker = new NpgsqlConnection(server.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        var lastTask = runs[^1].Tasks[^1];
        await using (var insert = new NpgsqlCommand($"INSERT INTO {schema}.playbook_run VALUES ('blocker', 'p', 'x', 'k', '2026-12-01', 0, 0); INSERT INTO {schema}.playbook_task (id, run_id, position, playbook, account, title, role, owner, channel, priority, due, state) VALUES (@id, 'blocker', 0, 'p', 'x', 't', 'r', 'o', 0, 0, '2026-12-01', 0)", blocker, hold))
        {
            insert.Parameters.AddWithValue("id", lastTask.Id);
            await insert.ExecuteNonQueryAsync();
        }

        var batch = Task.Run(async () => await store.TryCreateAsync([.. runs.Select(r => new RunRequest(r, null, null))]));
        var terminated = false;
        for (var i = 0; i < 500 && !terminated; i++)
        {
            await Task.Delay(20);
            terminated = await ScalarAsync("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'") is long n && n > 0;
        }

        Assert.True(terminated, "the batch never waited on the held task");
        var error = await Record.ExceptionAsync(() => batch);
        Assert.True(error is NpgsqlException or InvalidOperationException, $"expected the dropped connection to be reported, got {error}");
        await hold.RollbackAsync();

        // Nothing of the batch: no run and no task.
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {schema}.playbook_run"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {schema}.playbook_task"));

        // The store recovers on its next call with a new connection from the pool.
        Assert.All(await store.TryCreateAsync([.. runs.Select(r => new RunRequest(r, null, null))]), a => Assert.Equal(RunAdmission.Created, a));
    }

    [Fact]
    public async Task ADeadlockOrSerializationFailure_IsTriedAgain_AndEachAttemptLogged_OtherErrorsAreNot()
    {
        // PostgreSQL says which aborts are safe to retry: 40P01 and 40001 roll the transaction back whole.
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)]);
        using var schema = new PostgreSqlSchema(new PostgreSqlStorageOptions { ConnectionString = "Host=unused", LoggerFactory = factory }, "playbooks", PostgreSqlSchema.PlaybookMigrations);
        var calls = 0;
        var result = await schema.RetryAsync("creating runs", _ => ++calls switch
        {
            1 => throw new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected),
            2 => throw new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure),
            _ => Task.FromResult(42),
        }, CancellationToken.None);
        Assert.Equal((42, 3), (result, calls));
        Assert.Equal(
            ["PostgreSQL aborted creating runs (40P01, safe to retry: the transaction was rolled back whole); attempt 1 of 5, trying again", "PostgreSQL aborted creating runs (40001, safe to retry: the transaction was rolled back whole); attempt 2 of 5, trying again"],
            logs.GetSnapshot().Select(r => r.Message));
        Assert.All(logs.GetSnapshot(), r => Assert.Equal(6001, r.Id.Id));

        // Not a retryable abort: at once. Five deadlocks in a row: the fifth reaches the caller.
        calls = 0;
        await Assert.ThrowsAsync<PostgresException>(() => schema.RetryAsync<int>("x", _ => { calls++; throw new PostgresException("unique violation", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation); }, CancellationToken.None));
        Assert.Equal(1, calls);
        calls = 0;
        var e = await Assert.ThrowsAsync<PostgresException>(() => schema.RetryAsync<int>("x", _ => { calls++; throw new PostgresException("deadlock detected", "ERROR", "ERROR", PostgresErrorCodes.DeadlockDetected); }, CancellationToken.None));
        Assert.Equal((PostgresErrorCodes.DeadlockDetected, PostgreSqlSchema.MaxAttempts), (e.SqlState, calls));
    }

    [PostgresFact]
    public async Task ASegmentSnapshotWrittenBeforeTheHashWasStored_IsReadAndReplacedByShard()
    {
        var schema = PostgresServer.NewSchema();
        await ScalarAsync($"""
            CREATE SCHEMA {schema};
            CREATE TABLE {schema}.customerlifecycle_schema (component text PRIMARY KEY, version integer NOT NULL);
            INSERT INTO {schema}.customerlifecycle_schema VALUES ('segments', 1);
            CREATE TABLE {schema}.segment_snapshot (date date NOT NULL, account text NOT NULL, segments text NOT NULL, PRIMARY KEY (date, account));
            INSERT INTO {schema}.segment_snapshot VALUES {VersionOneSegmentValues("date '2026-12-01'")};
            """);
        await using (var store = new PostgreSqlSegmentSnapshotStore(Options(schema)))
        {
            await VersionOneSegmentRowsAreReadAndReplacedByShardAsync(store);
        }

        Assert.Equal(2, await ScalarAsync($"SELECT version FROM {schema}.customerlifecycle_schema WHERE component = 'segments'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM {schema}.segment_snapshot WHERE segments = 'Moved' AND hash IS NULL"));
    }
}
