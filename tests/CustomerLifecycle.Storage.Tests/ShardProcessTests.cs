using System.Diagnostics;
using System.Text;
using Npgsql;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// The worker sample as four processes on one PostgreSQL database (200,000 accounts), or two on one SQLite file
/// (50,000), its day split into sixteen shards, one process SIGKILLed once a shard of its reached the playbook step and
/// started again after the lease: the day completes, and every table (health records, segment snapshots, stage
/// histories, playbook runs and tasks, trigger states) and the forecast equal those of one worker in one shard on
/// another schema or file.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ShardProcessTests(PostgresServer server) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-shardprocess-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [PostgresFact]
    public async Task FourWorkersOnPostgreSql_InSixteenShards_OneKilledInItsPlaybookStep_LeaveWhatOneWorkerLeaves()
    {
        var (single, sharded) = (PostgresServer.NewSchema(), PostgresServer.NewSchema());
        string[] Store(string schema) => [$"--Worker:PostgreSql={server.ConnectionString}", $"--Worker:Schema={schema}"];
        await RunAsync(Store(single), Store(sharded), workers: 4, accounts: 200_000);

        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        async Task<string> Query(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
        }

        await CompareAsync(Query, $"{single}.", $"{sharded}.", "playbook_task (id, run_id, position, playbook, account, title, role, owner, channel, priority, due)");
    }

    [Fact]
    public async Task TwoWorkersOnSqlite_InSixteenShards_OneKilledInItsPlaybookStep_LeaveWhatOneWorkerLeaves()
    {
        var (single, sharded) = (Path.Combine(_folder, "single.db"), Path.Combine(_folder, "sharded.db"));
        await RunAsync([$"--Worker:Database={single}"], [$"--Worker:Database={sharded}"], workers: 2, accounts: 50_000);

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={sharded}");
        await connection.OpenAsync();
        await using (var attach = connection.CreateCommand())
        {
            attach.CommandText = $"ATTACH DATABASE '{single.Replace("'", "''", StringComparison.Ordinal)}' AS single";
            await attach.ExecuteNonQueryAsync();
        }

        async Task<string> Query(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
        }

        await CompareAsync(Query, "single.", "main.", "playbook_task (id, run_id, position, title, role, owner, channel, priority, due)");
    }

    private async Task RunAsync(string[] single, string[] sharded, int workers, int accounts)
    {
        var alone = Start(single, shards: 1, lease: "00:02:00", accounts);
        await ExitAsync(alone);
        Assert.Contains(": Succeeded", alone.Output.ToString(), StringComparison.Ordinal);

        var running = Enumerable.Range(0, workers).Select(_ => Start(sharded, shards: 16, lease: "00:00:15", accounts)).ToList();

        // Killed once a shard of its completed the segment step, so inside (or at the start of) the playbook step.
        var victim = running[0];
        var watch = Stopwatch.StartNew();
        while (!victim.Output.ToString().Contains("Pipeline step segments for", StringComparison.Ordinal) && !victim.Process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(5);
        }

        Assert.False(victim.Process.HasExited, $"the worker to kill finished before it could be killed:\n{victim.Output}");
        victim.Process.Kill(); // SIGKILL
        await victim.Process.WaitForExitAsync();
        foreach (var worker in running.Skip(1))
        {
            await ExitAsync(worker);
        }

        // Started again after the dead worker's lease (15 s, longer than a shard's slowest step): it takes its shard
        // over, resumes it, and, finding every shard done, runs the portfolio-wide steps.
        string? last = null;
        for (var attempt = 0; attempt < 10 && last is null; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(16));
            var again = Start(sharded, shards: 16, lease: "00:00:15", accounts);
            await ExitAsync(again);
            var output = again.Output.ToString();
            last = output.Contains(": Succeeded", StringComparison.Ordinal) || output.Contains(": Skipped", StringComparison.Ordinal) ? output : null;
        }

        Assert.NotNull(last);
    }

    /// <summary>The ledger's shard runs, then every table row by row (without the instants each row was written at), then the forecast.</summary>
    private static async Task CompareAsync(Func<string, Task<string>> query, string single, string sharded, string tasks)
    {
        Assert.Equal("16", await query($"SELECT count(*) FROM {sharded}pipeline_run WHERE pipeline LIKE 'daily#%/16' AND status = 1"));
        Assert.NotEqual("0", await query($"SELECT count(*) FROM {sharded}pipeline_run WHERE pipeline LIKE 'daily#%/16' AND claims > 1"));
        Assert.Equal("1", await query($"SELECT count(*) FROM {sharded}pipeline_run WHERE pipeline = 'daily' AND status = 1"));
        string[] tables =
        [
            "health_record (account, date, score, color, calculated_color, confidence, scorecard_id, scorecard_version, factors)",
            "segment_snapshot (date, account, segments)",
            "stage_transition (account, position, from_stage, to_stage, kind, actor, reason)",
            "playbook_run (id, playbook, account, occurrence, triggered_on, status)",
            tasks,
            "trigger_state (playbook, account, holds, since)",
        ];
        foreach (var table in tables)
        {
            var name = table[..table.IndexOf(' ', StringComparison.Ordinal)];
            var columns = table[(table.IndexOf('(', StringComparison.Ordinal) + 1)..^1];
            var rows = await query($"SELECT count(*) FROM {single}{name}");
            Assert.True(rows != "0" || name == "stage_transition", $"{name} is empty");
            Assert.Equal(rows, await query($"SELECT count(*) FROM {sharded}{name}"));
            Assert.Equal("0", await query($"SELECT count(*) FROM (SELECT {columns} FROM {single}{name} EXCEPT SELECT {columns} FROM {sharded}{name}) d"));
            Assert.Equal("0", await query($"SELECT count(*) FROM (SELECT {columns} FROM {sharded}{name} EXCEPT SELECT {columns} FROM {single}{name}) d"));
        }

        // The forecast: the single run's step counts, and the portfolio-wide step's, to the currency unit.
        var expected = await query($"SELECT counts FROM {single}pipeline_step WHERE pipeline = 'daily' AND step = 'forecast'");
        Assert.Contains("expected_revenue.USD", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await query($"SELECT counts FROM {sharded}pipeline_step WHERE pipeline = 'daily' AND step = 'forecast'"));
    }

    private static (Process Process, StringBuilder Output) Start(string[] store, int shards, string lease, int accounts)
    {
        // tests/CustomerLifecycle.Storage.Tests/bin/<configuration>/net10.0/ → samples/CustomerLifecycle.Worker/bin/<configuration>/net10.0/
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
        var worker = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "samples", "CustomerLifecycle.Worker", "bin", configuration, "net10.0", "CustomerLifecycle.Worker.dll"));
        Assert.True(File.Exists(worker), $"the worker sample was not built: {worker}");
        return CustomerLifecycle.Testing.ChildProcess.Start(worker, [
            "--once",
            .. store,
            $"--Worker:Accounts={accounts}",
            $"--CustomerLifecycle:Pipeline:Shards={shards}",
            $"--CustomerLifecycle:Pipeline:Lease={lease}",
            "--CustomerLifecycle:Pipeline:RetryDelay=00:00:01",
            "--CustomerLifecycle:Pipeline:MaxAttempts=2",
        ]);
    }

    private static async Task ExitAsync((Process Process, StringBuilder Output) worker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await worker.Process.WaitForExitAsync(timeout.Token);
        Assert.True(worker.Process.ExitCode == 0, $"a worker failed ({worker.Process.ExitCode}):\n{worker.Output}");
    }
}
