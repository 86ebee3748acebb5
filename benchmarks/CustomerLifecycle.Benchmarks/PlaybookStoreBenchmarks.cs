using BenchmarkDotNet.Attributes;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using CustomerLifecycle.Storage.Tests;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The playbook engine over a durable store: in memory (the baseline), SQLite (a file in the temporary folder) and
/// PostgreSQL (a throwaway local server, fsync off, started by the benchmark from Debian's binaries), each holding the
/// state of an earlier day (its open runs and trigger states). A quiet day: nothing changed since, so the engine reads
/// the open runs and trigger states and writes nothing. A busy day: about 3 % of the accounts trigger a playbook
/// (their runs and tasks are written); before each busy day the accounts are set back (their runs cancelled), outside
/// the measurement. Every evaluation passes no earlier snapshot: the store's trigger state decides, as after a restart.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PostgresWhenInstalled))]
[InvocationCount(1)]
public class PlaybookStoreBenchmarks
{
    private static readonly LocalDate Today = new(2026, 11, 22);

    // The default playbooks without cooldowns or caps, so that every busy day creates its runs.
    private static readonly Playbook[] Playbooks = [.. DefaultPlaybooks.All.Select(p => p with { Cooldown = null, Cap = null })];

    private AccountSnapshot[] _quiet = null!;
    private AccountSnapshot[] _busy = null!;
    private BusinessClock _clock = null!;
    private IPlaybookRunStore _store = null!;
    private TemporaryPostgresServer? _server;
    private string? _folder;
    private LocalDate _day;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    [GlobalSetup(Targets = [nameof(QuietDayInMemory), nameof(BusyDayInMemory)])]
    public void SetupInMemory() => Setup(new InMemoryPlaybookRunStore());

    [GlobalSetup(Targets = [nameof(QuietDaySqlite), nameof(BusyDaySqlite)])]
    public void SetupSqlite()
    {
        _folder = Directory.CreateTempSubdirectory("customerlifecycle-bench-").FullName;
        Setup(new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "runs.db")}" }));
    }

    [GlobalSetup(Targets = [nameof(QuietDayPostgreSql), nameof(BusyDayPostgreSql)])]
    public void SetupPostgreSql()
    {
        _server = TemporaryPostgresServer.StartAsync().GetAwaiter().GetResult();
        Setup(new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = _server.ConnectionString }));
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

    [IterationSetup(Targets = [nameof(BusyDayInMemory), nameof(BusyDaySqlite), nameof(BusyDayPostgreSql)])]
    public void SetBack()
    {
        // A day on which the busy accounts are back as they were: their runs are cancelled and their states end.
        _day = _day.PlusDays(2);
        new PlaybookEngine(Playbooks, _store, _clock).EvaluateAsync(null, new PortfolioSnapshot(_day, _quiet), allowMassCancellation: true).GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "quiet day, in memory")]
    public int QuietDayInMemory() => Quiet();

    [Benchmark(Description = "quiet day, SQLite")]
    public int QuietDaySqlite() => Quiet();

    [Benchmark(Description = "quiet day, PostgreSQL")]
    public int QuietDayPostgreSql() => Quiet();

    [Benchmark(Description = "busy day, in memory")]
    public int BusyDayInMemory() => Busy();

    [Benchmark(Description = "busy day, SQLite")]
    public int BusyDaySqlite() => Busy();

    [Benchmark(Description = "busy day, PostgreSQL")]
    public int BusyDayPostgreSql() => Busy();

    private int Quiet() => new PlaybookEngine(Playbooks, _store, _clock).EvaluateAsync(null, new PortfolioSnapshot(Today, _quiet)).GetAwaiter().GetResult().Created.Count;

    private int Busy() => new PlaybookEngine(Playbooks, _store, _clock).EvaluateAsync(null, new PortfolioSnapshot(_day.PlusDays(1), _busy)).GetAwaiter().GetResult().Created.Count;

    private void Setup(IPlaybookRunStore store)
    {
        (_quiet, _busy) = PlaybookDays.Create(Accounts, Today);
        _store = store;
        _clock = new BusinessClock(SystemClock.Instance, DateTimeZone.Utc);
        _day = Today;

        // The earlier day: the store holds its runs and trigger states.
        new PlaybookEngine(Playbooks, _store, _clock).EvaluateAsync(null, new PortfolioSnapshot(Today, _quiet)).GetAwaiter().GetResult();
    }
}
