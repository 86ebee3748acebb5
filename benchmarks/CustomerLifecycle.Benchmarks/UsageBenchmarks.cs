using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CustomerLifecycle.Usage;
using DuckDB.NET.Data;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>Sizes for the benchmarks; CI's dry run (CUSTOMERLIFECYCLE_BENCH_SMALL=1) uses small ones, so that it stays quick.</summary>
internal static class BenchmarkSizes
{
    public static bool Small => Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_SMALL") == "1";

    /// <summary>1,000 / 100,000 / 1,000,000 accounts, or those listed in CUSTOMERLIFECYCLE_BENCH_ACCOUNTS (for example "100000").</summary>
    public static IEnumerable<int> Accounts =>
        Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_ACCOUNTS") is { Length: > 0 } list
            ? list.Split(',').Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture))
            : Small ? [1_000] : [1_000, 100_000, 1_000_000];

    /// <summary>The full computation's events: 100 million over 10 days (10 million a day).</summary>
    public static long Events => Small ? 100_000 : 100_000_000;

    public const int Days = 10;

    public static LocalDate AsOf => UsageEvents.FirstDay.PlusDays(Days - 1);

    public static BusinessClock ClockOn(LocalDate day) => new(new FixedClock(day.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant() - Duration.FromSeconds(1)), DateTimeZone.Utc);

    private sealed class FixedClock(Instant now) : IClock
    {
        public Instant GetCurrentInstant() => now;
    }
}

/// <summary>
/// The full computation of ten usage definitions from 100 million events over 10 days, at 1,000 / 100,000 /
/// 1,000,000 accounts. Baseline: the memory floor, one pass over the event columns. Against it: the aggregator (one
/// core), the aggregator with only the count and sum definitions (the events-per-second target), and DuckDB running
/// the same definitions as SQL over the same events in-process (all cores), what a data team would reach for.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class UsageFullBenchmarks
{
    private UsageEvents _events = null!;
    private DuckDBConnection _duck = null!;
    private string _sql = null!;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _events = new UsageEvents(Accounts, BenchmarkSizes.Events, BenchmarkSizes.Days);
        _duck = new DuckDBConnection("Data Source=:memory:");
        _duck.Open();
        using (var command = _duck.CreateCommand())
        {
            command.CommandText = UsageEvents.SqlTable(Accounts, BenchmarkSizes.Events, BenchmarkSizes.Days);
            command.ExecuteNonQuery();
        }

        _sql = UsageEvents.SqlSignals(BenchmarkSizes.AsOf);

        // The two compute the same numbers: every definition's total over the accounts agrees.
        var ours = Aggregator();
        var duck = DuckDb();
        for (var c = 0; c < duck.Length; c++)
        {
            if (Math.Abs(duck[c] - ours[c]) > 1e-6 * Math.Max(1, Math.Abs(duck[c])))
            {
                throw new InvalidOperationException($"DuckDB and the aggregator disagree on column {c}: {duck[c]} and {ours[c]}.");
            }
        }

        var usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf));
        usage.Ingest(_events.Columns);
        Console.WriteLine($"// state: {usage.StateBytes / 1e6:0.0} MB for {Accounts:N0} accounts, {usage.StateBytes / (double)Accounts:N0} bytes per account ({usage.KeptDays} days kept)");
    }

    [GlobalCleanup]
    public void Cleanup() => _duck.Dispose();

    [Benchmark(Baseline = true)]
    public double Floor()
    {
        var account = _events.Account;
        var user = _events.User;
        var name = _events.Name;
        var at = _events.At;
        var quantity = _events.Quantity;
        long keys = 0;
        var total = 0d;
        for (var i = 0; i < account.Length; i++)
        {
            keys += account[i] ^ user[i] ^ name[i] ^ at[i].ToUnixTimeTicks();
            total += quantity[i];
        }

        return keys + total;
    }

    [Benchmark]
    public double[] Aggregator() => Run(UsageEvents.Definitions());

    [Benchmark]
    public double[] AggregatorCountAndSum() => Run(UsageEvents.Definitions(countAndSumOnly: true));

    [Benchmark]
    public double[] DuckDb()
    {
        using var command = _duck.CreateCommand();
        command.CommandText = _sql;
        using var reader = command.ExecuteReader();
        var totals = new double[reader.FieldCount - 1];
        while (reader.Read())
        {
            for (var c = 1; c < reader.FieldCount; c++)
            {
                totals[c - 1] += reader.IsDBNull(c) ? 0 : Convert.ToDouble(reader.GetValue(c), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return totals;
    }

    /// <summary>Ingests every event and evaluates every account; returns each column's total, in the SQL's column order.</summary>
    private double[] Run(UsageOptions options)
    {
        var usage = new UsageAggregator(options, BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf));
        usage.Ingest(_events.Columns);
        var signals = usage.Evaluate(_events.AccountIds);
        string[] order = ["logins_30d", "events_7d", "report_quantity_30d", "exports_7d", "active_users_30d", "active_users_7d", "active_days_30d", "features_30d", "days_since_login", "events_trend"];
        var totals = new double[order.Length];
        for (var c = 0; c < order.Length; c++)
        {
            if (signals.Matrix.TryGetColumn(new SignalKey(order[c]), out var values, out _))
            {
                foreach (var v in values.Span)
                {
                    totals[c] += double.IsNaN(v) ? 0 : v;
                }
            }
        }

        return totals;
    }
}

/// <summary>
/// The daily incremental update: one day's 10 million events into the state of the 10 days before (100 million
/// events), then every account evaluated; against recomputing the 11 days from the raw events (baseline).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class UsageDailyBenchmarks
{
    private UsageEvents _day = null!;
    private UsageEvents _all = null!;
    private byte[] _state = null!;
    private UsageAggregator _usage = null!;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    private static LocalDate Today => BenchmarkSizes.AsOf.PlusDays(1);

    [GlobalSetup]
    public void Setup()
    {
        // One 11-day stream of 110 million events, split into the 10 days of history and the 11th day.
        var perDay = BenchmarkSizes.Events / BenchmarkSizes.Days;
        _all = new UsageEvents(Accounts, perDay * (BenchmarkSizes.Days + 1), BenchmarkSizes.Days + 1);
        var lastDay = UsageEvents.FirstDay.PlusDays(BenchmarkSizes.Days).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        var history = _all.Where(at => at < lastDay);
        _day = _all.Where(at => at >= lastDay);
        var usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf));
        usage.Ingest(history.Columns);
        usage.Evaluate();
        using var stream = new MemoryStream();
        usage.SaveState(stream);
        _state = stream.ToArray();
        Console.WriteLine($"// state after 10 days: {usage.StateBytes / 1e6:0.0} MB, saved {_state.Length / 1e6:0.0} MB, {usage.StateBytes / (double)Accounts:N0} bytes per account");
    }

    [IterationSetup(Target = nameof(Incremental))]
    public void Restore()
    {
        _usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(Today));
        _usage.LoadState(new MemoryStream(_state));
    }

    [Benchmark(Baseline = true)]
    public UsageSignals Recompute()
    {
        var usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(Today));
        usage.Ingest(_all.Columns);
        return usage.Evaluate(_all.AccountIds);
    }

    [Benchmark]
    public UsageSignals Incremental()
    {
        _usage.Ingest(_day.Columns);
        return _usage.Evaluate(_all.AccountIds);
    }
}

/// <summary>
/// The obvious code, LINQ <c>GroupBy</c> per account and one query per definition, against the aggregator and the
/// floor, on 10 million events (at 100 million the LINQ code takes minutes and tens of GB).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class UsageLinqBenchmarks
{
    private UsageEvents _events = null!;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup() => _events = new UsageEvents(Accounts, BenchmarkSizes.Events / 10, BenchmarkSizes.Days);

    [Benchmark(Baseline = true)]
    public double Floor()
    {
        var account = _events.Account;
        var quantity = _events.Quantity;
        long keys = 0;
        var total = 0d;
        for (var i = 0; i < account.Length; i++)
        {
            keys += account[i] ^ _events.User[i] ^ _events.Name[i] ^ _events.At[i].ToUnixTimeTicks();
            total += quantity[i];
        }

        return keys + total;
    }

    [Benchmark]
    public UsageSignals Aggregator()
    {
        var usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf));
        usage.Ingest(_events.Columns);
        return usage.Evaluate(_events.AccountIds);
    }

    [Benchmark]
    public Dictionary<int, double[]> Linq()
    {
        var asOf = BenchmarkSizes.AsOf;
        var e = _events;
        var names = UsageEvents.Names;
        var rows = Enumerable.Range(0, e.Account.Length)
            .Select(i => (Account: e.Account[i], User: e.User[i], Name: names[e.Name[i]], Date: e.At[i].InUtc().Date, Quantity: e.Quantity[i]))
            .Where(x => x.Date <= asOf);
        bool In(LocalDate date, int days, int back = 0) => date <= asOf.PlusDays(-back) && date > asOf.PlusDays(-back - days);
        return rows.GroupBy(x => x.Account).ToDictionary(g => g.Key, g =>
        {
            var previous = g.Count(x => In(x.Date, 7, back: 7));
            var logins = g.Where(x => x.Name == "user.login").ToList();
            return new double[]
            {
                logins.Count(x => In(x.Date, 30)),
                g.Count(x => In(x.Date, 7)),
                g.Where(x => x.Name.StartsWith("report.", StringComparison.Ordinal) && In(x.Date, 30)).Sum(x => x.Quantity),
                g.Count(x => x.Name == "report.exported" && In(x.Date, 7)),
                g.Where(x => In(x.Date, 30)).Select(x => x.User).Distinct().Count(),
                g.Where(x => In(x.Date, 7)).Select(x => x.User).Distinct().Count(),
                g.Where(x => In(x.Date, 30)).Select(x => x.Date).Distinct().Count(),
                g.Where(x => x.Name.StartsWith("feature.", StringComparison.Ordinal) && In(x.Date, 30)).Select(x => x.Name).Distinct().Count(),
                logins.Count == 0 ? double.NaN : Period.Between(logins.Max(x => x.Date), asOf, PeriodUnits.Days).Days,
                previous == 0 ? double.NaN : (g.Count(x => In(x.Date, 7)) - previous) / (double)previous,
            };
        });
    }
}
