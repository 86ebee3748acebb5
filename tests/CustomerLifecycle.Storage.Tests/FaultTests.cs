using System.Diagnostics;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// Several processes evaluating the same business date against one database, one killed with SIGKILL in the middle of
/// its hand-off and started again, a handler failing on every third task: every expected run exists exactly once, no
/// task is lost, and no task whose hand-off completed is handed off again (only the killed process may have handed
/// off a task it could not record).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FaultTests(PostgresServer server) : IDisposable
{
    private const int Accounts = 3000;
    private static readonly LocalDate Day = new(2026, 12, 2);
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-fault-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [PostgresFact]
    public async Task FourProcessesOnPostgreSql_OneKilledAndRestarted_CreateEveryRunOnce_AndLoseOrRepeatNoHandOff()
    {
        var schema = PostgresServer.NewSchema();
        var options = new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = schema };
        await using (var store = new PostgreSqlPlaybookRunStore(options))
        {
            await store.MigrateAsync(); // the processes would race to migrate too; the migration tests cover that
        }

        await RunAsync(4, ["--store", "postgres", "--connection", server.ConnectionString, "--schema", schema], () => new PostgreSqlPlaybookRunStore(options));

        // Nothing half-written: every run has exactly its playbook's tasks.
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {schema}.playbook_run r WHERE (SELECT count(*) FROM {schema}.playbook_task t WHERE t.run_id = r.id) <> CASE r.playbook WHEN 'save' THEN 2 ELSE 1 END", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task TwoProcessesOnSqlite_OneKilledAndRestarted_CreateEveryRunOnce_AndLoseOrRepeatNoHandOff()
    {
        var file = Path.Combine(_folder, "fault.db");
        var options = new SqliteStorageOptions { ConnectionString = $"Data Source={file}" };
        await RunAsync(2, ["--store", "sqlite", "--connection", options.ConnectionString], () => new SqlitePlaybookRunStore(options));

        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM playbook_run r WHERE (SELECT count(*) FROM playbook_task t WHERE t.run_id = r.id) <> CASE r.playbook WHEN 'save' THEN 2 ELSE 1 END"));
    }

    [PostgresFact]
    public async Task FourProcessesOnPostgreSql_DatesOutOfOrderAndTwoAtOnce_OneKilled_EqualOneProcessInOrder()
    {
        var schema = PostgresServer.NewSchema();
        await using (var store = new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = schema }))
        {
            await store.MigrateAsync();
        }

        await OutOfOrderAsync(["--store", "postgres", "--connection", server.ConnectionString, "--schema", schema]);
    }

    [Fact]
    public async Task FourProcessesOnSqlite_DatesOutOfOrderAndTwoAtOnce_OneKilled_EqualOneProcessInOrder()
    {
        var file = Path.Combine(_folder, "dates.db");
        await OutOfOrderAsync(["--store", "sqlite", "--connection", $"Data Source={file}"]);
        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
    }

    /// <summary>
    /// Issue 30: four processes evaluate each date together, one of them SIGKILLed in the middle of the first and started
    /// again; then older dates again, each process its own order (so older after newer, and two dates at once), one
    /// killed and restarted again. Every run (with its status and tasks) and every trigger state must equal what one
    /// process evaluating the dates once, in order, on an in-memory store leaves.
    /// </summary>
    private async Task OutOfOrderAsync(string[] store)
    {
        string[] dates = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"];
        var handled = Directory.CreateDirectory(Path.Combine(_folder, "handled-dates")).FullName;
        string[] Arguments(string name, IEnumerable<string> days, params string[] more) =>
            [.. store, "--dates", string.Join(",", days), "--portfolio", "varying", "--accounts", "2000", "--handled", handled, "--name", name, "--fail-every", "0", "--slow-ms", "1", .. more];

        async Task AllAsync(List<(Process Process, System.Text.StringBuilder Output)> running)
        {
            foreach (var p in running)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
                await p.Process.WaitForExitAsync(timeout.Token);
                Assert.True(p.Process.ExitCode is 0 or 137 or -1, $"a host process failed ({p.Process.ExitCode}):\n{p.Output}");
            }
        }

        async Task KillWhenItHasWorkedAsync((Process Process, System.Text.StringBuilder Output) victim, Func<bool> worked)
        {
            var watch = Stopwatch.StartNew();
            while (!worked() && !victim.Process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(5);
            }

            Assert.False(victim.Process.HasExited, $"the process to kill finished before it could be killed:\n{victim.Output}");
            victim.Process.Kill(); // SIGKILL
            await victim.Process.WaitForExitAsync();
        }

        // In order, each date by four processes at once; the first date's victim killed once it has handed off tasks.
        foreach (var date in dates)
        {
            var running = Enumerable.Range(0, 4).Select(i => Start(Arguments($"{date}-p{i}", [date]))).ToList();
            if (date == dates[0])
            {
                var mine = Path.Combine(handled, $"{date}-p0.txt");
                await KillWhenItHasWorkedAsync(running[0], () => File.Exists(mine) && File.ReadAllLines(mine).Length >= 50);
                running.RemoveAt(0);
                running.Add(Start(Arguments($"{date}-p0-restarted", [date])));
            }

            await AllAsync(running);
        }

        // Older dates again, each process its own order (the newest included): one killed once it has evaluated a date.
        string[][] orders = [[dates[2], dates[0], dates[1]], [dates[1], dates[3], dates[0]], [dates[0], dates[2], dates[1]], [dates[2], dates[1], dates[0]]];
        // The victim waits 10 s after each date, so it is killed between two dates however fast it evaluates one.
        var again = orders.Select((o, i) => Start(Arguments($"again-p{i}", o, i == 0 ? ["--pause-ms", "10000"] : []))).ToList();
        await KillWhenItHasWorkedAsync(again[0], () => again[0].Output.ToString().Contains("created", StringComparison.Ordinal));
        again.RemoveAt(0);
        again.Add(Start(Arguments("again-p0-restarted", orders[0])));
        await AllAsync(again);

        // The killed processes' claims lapse with their leases (5 s); then the database and the reference are dumped.
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var dumped = Path.Combine(_folder, "dumped.txt");
        var reference = Path.Combine(_folder, "reference.txt");
        await AllAsync([Start(Arguments("dump", [], "--dump", dumped)), Start([.. Arguments("reference", dates, "--dump", reference).Select(a => a == store[1] ? "memory" : a)])]);
        var expected = File.ReadAllLines(reference);
        var actual = File.ReadAllLines(dumped);
        Assert.True(expected.Length > 1000, $"the reference has only {expected.Length} lines");
        Assert.Contains(expected, l => l.EndsWith("Cancelled 2", StringComparison.Ordinal));
        var missing = expected.Except(actual).Take(10).ToArray();
        var extra = actual.Except(expected).Take(10).ToArray();
        Assert.True(missing.Length == 0 && extra.Length == 0, $"runs and trigger states differ from one process in order.\nmissing: {string.Join("\n  ", missing)}\nextra: {string.Join("\n  ", extra)}");
    }

    private async Task RunAsync(int processes, string[] store, Func<IPlaybookRunStore> open)
    {
        // Each process records its hand-offs in its own file in this folder, with a monotonic timestamp.
        var handled = Directory.CreateDirectory(Path.Combine(_folder, "handled")).FullName;
        string[][] Lines() => [.. Directory.GetFiles(handled).SelectMany(File.ReadLines).Select(l => l.Split(' ')).OrderBy(l => long.Parse(l[2], System.Globalization.CultureInfo.InvariantCulture))];
        string[] Arguments(string name) => [.. store, "--date", "2026-12-02", "--accounts", Accounts.ToString(System.Globalization.CultureInfo.InvariantCulture), "--handled", handled, "--name", name, "--fail-every", "3", "--slow-ms", "2"];

        var running = Enumerable.Range(0, processes).Select(i => Start(Arguments($"p{i}"))).ToList();
        var victim = running[0];

        // Killed in the middle of its hand-off: once the processes together have handed off a few hundred tasks.
        var watch = Stopwatch.StartNew();
        while (Lines().Length < 300 && !victim.Process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(10);
        }

        Assert.False(victim.Process.HasExited, $"the process to kill finished before it could be killed:\n{victim.Output}");
        victim.Process.Kill(); // SIGKILL
        await victim.Process.WaitForExitAsync();
        running.Add(Start(Arguments("p0-restarted")));
        foreach (var p in running.Skip(1))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await p.Process.WaitForExitAsync(timeout.Token);
            Assert.True(p.Process.ExitCode == 0, $"a host process failed ({p.Process.ExitCode}):\n{p.Output}");
        }

        // The killed process's last claim is released by its lease (5 s): the next day's run hands those tasks off.
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var store2 = open();
        try
        {
            var final = new FinalHandler(handled);
            var engine = new PlaybookEngine([], store2, new BusinessClock(new FixedClock(Instant.FromUtc(2026, 12, 3, 9, 0)), DateTimeZone.Utc), [final]);
            while ((await engine.HandOffPendingAsync()).HandedOff.Count > 0)
            {
            }

            // Every expected run, exactly once.
            var runs = await store2.OpenRunsAsync();
            var expected = Enumerable.Range(0, Accounts).SelectMany(i => (i % 3 == 0 ? new[] { "save" } : []).Concat(i % 5 == 0 ? ["seg"] : []).Select(p => $"{p} acc{i:D5}")).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(expected, runs.Select(r => $"{r.PlaybookId} {r.Account}").Order(StringComparer.Ordinal));

            // No task lost: each was handed off, and nothing is left to claim however late.
            var lines = Lines();
            var tasks = runs.SelectMany(r => r.Tasks).Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(tasks.Order(StringComparer.Ordinal), lines.Select(l => l[0]).Distinct().Order(StringComparer.Ordinal));
            Assert.Empty(await store2.ClaimHandOffsAsync("audit", Instant.FromUtc(2027, 1, 1, 0, 0), Duration.FromMinutes(1), 10));

            // No hand-off repeated after it completed: a task handed off more than once was handed off, before its last
            // time, only by the killed process (which could not record it).
            var repeated = lines.GroupBy(l => l[0]).Where(g => g.Count() > 1).ToArray();
            var wrong = repeated.Where(g => g.SkipLast(1).Any(l => l[1] != "p0")).Select(g => $"{g.Key}: {string.Join(", ", g.Select(l => l[1]))}").ToArray();
            Assert.True(wrong.Length == 0, $"tasks handed off again after a completed hand-off:\n{string.Join("\n", wrong.Take(20))}");
            Assert.True(repeated.Length <= 25, $"more tasks handed off twice ({repeated.Length}) than the killed process held in one batch (25)");
        }
        finally
        {
            await ((IAsyncDisposable)store2).DisposeAsync();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static (Process Process, System.Text.StringBuilder Output) Start(string[] arguments)
    {
        // tests/CustomerLifecycle.Storage.Tests/bin/<configuration>/net10.0/ → tests/CustomerLifecycle.Storage.FaultHost/bin/<configuration>/net10.0/
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
        var host = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "CustomerLifecycle.Storage.FaultHost", "bin", configuration, "net10.0", "CustomerLifecycle.Storage.FaultHost.dll"));
        Assert.True(File.Exists(host), $"the fault host was not built: {host}");
        return CustomerLifecycle.Testing.ChildProcess.Start(host, arguments);
    }

    private sealed class FinalHandler(string folder) : IPlaybookTaskHandler
    {
        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            File.AppendAllText(Path.Combine(folder, "final.txt"), $"{task.Id} final {Stopwatch.GetTimestamp()}\n");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FixedClock(Instant now) : IClock
    {
        public Instant GetCurrentInstant() => now;
    }
}
