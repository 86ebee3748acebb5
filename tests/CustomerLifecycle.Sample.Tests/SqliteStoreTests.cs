using System.Diagnostics;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>The sample over the SQLite run store, against real database files and processes.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cl-sample-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheEngineOverTheSqliteStore_HandsEveryTaskOffOnce_UnderConcurrentEvaluations()
    {
        var options = new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_directory, "e.db")}" };
        var handler = new CountingHandler();
        var clock = new BusinessClock(new FixedClock(Instant.FromUtc(2026, 11, 22, 9, 0)), DateTimeZone.Utc);
        var accounts = PortfolioGenerator.Generate(60).Select(r => new AccountSnapshot(r.Account, new HealthScoring.HealthScore { Value = 10, Color = HealthScoring.HealthColor.Red, ScorecardId = "x" })).ToArray();
        var today = new PortfolioSnapshot(new LocalDate(2026, 11, 22), accounts);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            new PlaybookEngine(DefaultPlaybooks.All, new SqlitePlaybookRunStore(options), clock, [handler]).EvaluateAsync(today))));
        await using var store = new SqlitePlaybookRunStore(options);
        var runs = await store.AllRunsAsync();
        Assert.Equal(runs.Count, results.Sum(r => r.Created.Count));
        Assert.Equal(runs.Sum(r => r.Tasks.Count), handler.Ids.Count);
        Assert.Equal(handler.Ids.Count, handler.Ids.Distinct().Count());
    }

    [Fact]
    public async Task TwoProcessesRunningTheSampleAtOnce_CreateEachRunOnce()
    {
        var db = Path.Combine(_directory, "two.db");
        var dll = typeof(SampleProgram).Assembly.Location;
        var processes = Enumerable.Range(0, 2).Select(_ => Process.Start(new ProcessStartInfo("dotnet", [dll, "--db", db, "--Sample:ForecastTrials=100"]) { RedirectStandardOutput = true, RedirectStandardError = true })!).ToArray();
        var outputs = await Task.WhenAll(processes.Select(p => p.StandardOutput.ReadToEndAsync()));
        var errors = await Task.WhenAll(processes.Select(p => p.StandardError.ReadToEndAsync()));
        foreach (var p in processes)
        {
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, string.Join("\n", errors));
        }

        // Each ran the day, or found the other running it (the pipeline's ledger holds one run of a date at a time).
        var created = outputs.Select(o => o.Contains("5. Playbooks", StringComparison.Ordinal)
            ? int.Parse(o.Split("5. Playbooks")[1].Trim().Split(' ')[0].Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)
            : Assert.IsType<int>(o.Contains("Another process is running 2026-11-22 on this database now; nothing was run here", StringComparison.Ordinal) ? 0 : throw new Xunit.Sdk.XunitException("neither a report nor a skip: " + o))).ToArray();
        await using var store = new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={db}" });
        var runs = await store.AllRunsAsync();
        Assert.Equal(runs.Count, created.Sum());
        Assert.True(runs.Count > 1000, $"expected the sample's first-day runs, got {runs.Count}");

        // A third run on the same day runs it again, and creates nothing more.
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await SampleProgram.MainAsync(["--db", db, "--Sample:ForecastTrials=100"], output, error));
        Assert.Contains("2026-11-22 ran before, so it runs again", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("5. Playbooks     0 runs started now", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("change since the last run", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(runs.Count, (await store.AllRunsAsync()).Count);
    }

    private sealed class CountingHandler : IPlaybookTaskHandler
    {
        private readonly Lock _lock = new();

        public List<string> Ids { get; } = [];

        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Ids.Add(task.Id);
            }

            return ValueTask.CompletedTask;
        }
    }
}
