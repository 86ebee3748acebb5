using BenchmarkDotNet.Attributes;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using CustomerLifecycle.Storage.Tests;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Handing off a day's tasks (4,000 runs, 8,000 tasks, pending in the store before each invocation): claimed in batches
/// of 100 and recorded one task at a time (the baseline: an UPDATE and a commit per task, as the engine did) or a claimed
/// batch at once (<see cref="IPlaybookRunStore.CompleteHandOffsAsync"/>, as the engine does now), on SQLite and on
/// PostgreSQL (a throwaway local server started from Debian's binaries).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PostgresWhenInstalled))]
[InvocationCount(1)]
public class HandOffBenchmarks
{
    private const int Runs = 4_000;
    private const int BatchSize = 100;

    private IPlaybookRunStore _store = null!;
    private TemporaryPostgresServer? _server;
    private string? _folder;
    private int _day;

    [Params("SQLite", "PostgreSQL")]
    public string Store { get; set; } = "SQLite";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "PostgreSQL")
        {
            _server = TemporaryPostgresServer.StartAsync().GetAwaiter().GetResult();
            _store = new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = _server.ConnectionString });
        }
        else
        {
            _folder = Directory.CreateTempSubdirectory("customerlifecycle-handoff-").FullName;
            _store = new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "runs.db")}" });
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_store is IAsyncDisposable disposable)
        {
            disposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }

    [IterationSetup]
    public void CreateTheDaysRuns()
    {
        // A new day's runs, their 8,000 tasks pending (the earlier days' are all handed off).
        var day = new LocalDate(2026, 1, 1).PlusDays(_day++);
        var at = Instant.FromUtc(2026, 1, 1, 9, 0);
        var requests = Enumerable.Range(0, Runs).Select(i =>
        {
            var account = new AccountId($"acct-{i:D5}");
            var id = PlaybookRun.IdFor("save", account, day.ToString("uuuu-MM-dd", null));
            PlaybookTask[] tasks = [.. Enumerable.Range(1, 2).Select(n => new PlaybookTask($"{id}#{n}", id, "save", account, "Call", "CSM", "dana", TaskChannel.Call, TaskPriority.High, day.PlusDays(n)))];
            return new RunRequest(new PlaybookRun(id, "save", account, day.ToString("uuuu-MM-dd", null), day, at, tasks), null, null);
        }).ToArray();
        _store.TryCreateAsync(requests).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "a commit per task")]
    public int OneByOne() => HandOff(batched: false);

    [Benchmark(Description = "a commit per claimed batch")]
    public int Batched() => HandOff(batched: true);

    private int HandOff(bool batched)
    {
        var handedOff = 0;
        var now = Instant.FromUtc(2026, 1, 1, 9, 0);
        while (true)
        {
            var claimed = _store.ClaimHandOffsAsync("bench", now, Duration.FromMinutes(5), BatchSize).AsTask().GetAwaiter().GetResult();
            if (batched)
            {
                handedOff += _store.CompleteHandOffsAsync([.. claimed.Select(t => t.Id)], "bench").AsTask().GetAwaiter().GetResult().Count;
            }
            else
            {
                foreach (var task in claimed)
                {
                    handedOff += _store.CompleteHandOffAsync(task.Id, "bench").AsTask().GetAwaiter().GetResult() ? 1 : 0;
                }
            }

            if (claimed.Count < BatchSize)
            {
                return handedOff;
            }
        }
    }
}
