using System.Globalization;
using BenchmarkDotNet.Attributes;
using CustomerLifecycle.Usage;
using CustomerLifecycle.Usage.DuckDb;
using DuckDB.NET.Data;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Usage where the events live: 100 and 300 million events of 1,000,000 accounts (10 users each) over 10 days in a
/// Parquet file (generated once into a cache folder, outside the measurement), the ten definitions evaluated in the
/// business zone (America/New_York). Baseline: <see cref="DuckDbUsageSignalSource"/>, the definitions as one DuckDB
/// query over the file (every core, spilling to disk past its memory limit). Against it, the aggregator (one core) fed
/// the same events from memory: in one bulk load of columns with a user table (the fastest path; the Arrow path costs
/// 1.3–1.65× the columns, see <see cref="UsageArrowBenchmarks"/>), and in batches of 5 million with integer user keys
/// (what a stream of record batches from the warehouse gives). One iteration each: a case takes a minute or more. The
/// peak working set is the case's process, setup included (for the aggregator, the events held in memory).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PeakWorkingSetColumn.Config))]
[MonitoringJob(warmupCount: 0, iterationCount: 1)]
public class UsageParquetBenchmarks
{
    private const int Days = BenchmarkSizes.Days;
    private const int Chunk = 5_000_000;

    private AccountId[] _accountIds = [];
    private string[] _users = [];
    private List<(int[] Account, int[] User, int[] Name, Instant[] At, double[] Quantity)> _chunks = [];
    private List<long[]> _keys = [];
    private long _stateBytes;
    private string _file = string.Empty;

    /// <summary>10 million (with --large 100 and 300 million), or those listed in CUSTOMERLIFECYCLE_BENCH_PARQUET_EVENTS; 100,000 for CI's dry run.</summary>
    public static IEnumerable<long> EventCounts =>
        Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_PARQUET_EVENTS") is { Length: > 0 } list
            ? list.Split(',').Select(e => long.Parse(e, CultureInfo.InvariantCulture))
            : BenchmarkSizes.Small ? [100_000] : BenchmarkSizes.Large ? [100_000_000, 300_000_000] : [10_000_000];

    [ParamsSource(nameof(EventCounts))]
    public long Events { get; set; }

    private static int Accounts => BenchmarkSizes.Small ? 1_000 : 1_000_000;

    private static BusinessClock Clock => BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf, BenchmarkSizes.BusinessZone);

    /// <summary>The cache folder: CUSTOMERLIFECYCLE_BENCH_CACHE, or customerlifecycle-benchmarks in the temporary folder.</summary>
    private static string CacheFolder => Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_CACHE") is { Length: > 0 } folder
        ? folder
        : Path.Combine(Path.GetTempPath(), "customerlifecycle-benchmarks", "cache");

    [GlobalSetup(Target = nameof(DuckDbSql))]
    public void SetupFile()
    {
        _file = EnsureFile(Accounts, Events);
        if (BenchmarkSizes.Small)
        {
            // The dry run also checks that both compute the same signals.
            SetupBatches();
            var byKey = AggregatorByKey();
            SetupColumns();
            var duck = DuckDbSql();
            var ours = Aggregator();
            if (duck != ours || byKey != ours)
            {
                throw new InvalidOperationException($"DuckDB, the aggregator and the aggregator by key disagree: {duck}, {ours} and {byKey}.");
            }
        }
    }

    [GlobalSetup(Target = nameof(Aggregator))]
    public void SetupColumns() => Generate(chunk: int.MaxValue);

    [GlobalSetup(Target = nameof(AggregatorByKey))]
    public void SetupBatches()
    {
        Generate(Chunk);
        _keys = [.. _chunks.Select(c => c.User.Select(u => (long)u).ToArray())];
        _users = [];
    }

    private void Generate(int chunk)
    {
        var users = UsageEvents.UsersPer(Accounts);
        _accountIds = [.. Enumerable.Range(0, Accounts).Select(a => new AccountId("acct-" + a))];
        _users = [.. Enumerable.Range(0, Accounts * users).Select(u => "user-" + u)];
        var start = UsageEvents.FirstDay.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        _chunks = [];
        for (long first = 0; first < Events; first += chunk)
        {
            var n = (int)Math.Min(chunk, Events - first);
            var events = (new int[n], new int[n], new int[n], new Instant[n], new double[n]);
            for (var k = 0; k < n; k++)
            {
                // The formulas of the file (and of UsageEvents): the same events in both.
                var i = first + k;
                var a = (int)((i * 2654435761L) % Accounts);
                events.Item1[k] = a;
                events.Item2[k] = (a * users) + (int)((i * 40503L / 7) % users);
                events.Item3[k] = (int)((i * 7919L / 3) % UsageEvents.Names.Length);
                events.Item4[k] = start + Duration.FromDays((int)(i % Days)) + Duration.FromSeconds(i * 1237L % 86400);
                events.Item5[k] = 1 + (i % 5);
            }

            _chunks.Add(events);
        }
    }

    [GlobalCleanup(Target = nameof(DuckDbSql))]
    public void CleanupFile() => PeakWorkingSetColumn.Record(nameof(DuckDbSql), Events);

    [GlobalCleanup(Target = nameof(Aggregator))]
    public void CleanupColumns()
    {
        PeakWorkingSetColumn.Record(nameof(Aggregator), Events);
        Console.WriteLine($"// state: {_stateBytes / 1e6:0.0} MB, {_stateBytes / (double)Accounts:N0} bytes per account (users by name)");
    }

    [GlobalCleanup(Target = nameof(AggregatorByKey))]
    public void CleanupBatches()
    {
        PeakWorkingSetColumn.Record(nameof(AggregatorByKey), Events);
        Console.WriteLine($"// state: {_stateBytes / 1e6:0.0} MB, {_stateBytes / (double)Accounts:N0} bytes per account (users by key)");
    }

    /// <summary>The sum of every signal of every account, so that both return the same number.</summary>
    [Benchmark(Baseline = true, Description = "DuckDB SQL over Parquet")]
    public double DuckDbSql()
    {
        var source = new DuckDbUsageSignalSource(UsageEvents.Definitions(), Clock, DuckDbUsageEvents.Parquet(_file) with { Id = null });
        return Total(source.ComputeAsync(BenchmarkSizes.AsOf, _accountIds.Length == 0 ? null : _accountIds).GetAwaiter().GetResult());
    }

    [Benchmark(Description = "aggregator, one bulk load")]
    public double Aggregator()
    {
        var usage = new UsageAggregator(UsageEvents.Definitions(), Clock);
        foreach (var (account, user, name, at, quantity) in _chunks)
        {
            usage.Ingest(new UsageEventColumns(_accountIds, _users, UsageEvents.Names, account, user, name, at, quantity));
        }

        _stateBytes = usage.StateBytes;
        return Total(usage.Evaluate(_accountIds));
    }

    [Benchmark(Description = "aggregator, 5M batches by user key")]
    public double AggregatorByKey()
    {
        var usage = new UsageAggregator(UsageEvents.Definitions(), Clock);
        for (var c = 0; c < _chunks.Count; c++)
        {
            var (account, _, name, at, quantity) = _chunks[c];
            usage.Ingest(new UsageEventColumns(_accountIds, UsageEvents.Names, account, _keys[c], name, at, quantity));
        }

        _stateBytes = usage.StateBytes;
        return Total(usage.Evaluate(_accountIds));
    }

    private static double Total(UsageSignals signals)
    {
        var total = 0d;
        foreach (var key in signals.Matrix.Columns)
        {
            foreach (var v in signals.Matrix.GetColumn(key))
            {
                total += double.IsNaN(v) ? 0 : Math.Round(v, 9);
            }
        }

        return Math.Round(total, 3);
    }

    /// <summary>The events as a Parquet file, written once by DuckDB from the same formulas (user keys as integers).</summary>
    private static string EnsureFile(int accounts, long events)
    {
        Directory.CreateDirectory(CacheFolder);
        var file = Path.Combine(CacheFolder, $"usage-{accounts}-{events}-{Days}.parquet");
        if (File.Exists(file))
        {
            return file;
        }

        var partial = file + ".partial";
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            var users = UsageEvents.UsersPer(accounts);
            command.CommandText = $"""
                SET TimeZone = 'UTC';
                COPY (
                    SELECT 'acct-' || ((i * 2654435761) % {accounts}) AS account,
                           ((i * 2654435761) % {accounts}) * {users} + (i * 40503 // 7) % {users} AS "user",
                           ([{string.Join(", ", UsageEvents.Names.Select(n => $"'{n}'"))}])[((i * 7919 // 3) % {UsageEvents.Names.Length}) + 1] AS name,
                           TIMESTAMPTZ '{UsageEvents.FirstDay:yyyy-MM-dd} 00:00:00+00' + to_days(CAST(i % {Days} AS INTEGER)) + to_seconds(i * 1237 % 86400) AS "at",
                           CAST(1 + i % 5 AS DOUBLE) AS quantity
                    FROM range({events}) t(i)
                ) TO '{partial}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
                """;
            command.ExecuteNonQuery();
        }

        File.Move(partial, file, overwrite: true);
        return file;
    }
}
