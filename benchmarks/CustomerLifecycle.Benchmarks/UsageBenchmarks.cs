using BenchmarkDotNet.Attributes;
using CustomerLifecycle.Usage;
using DuckDB.NET.Data;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Sizes for the benchmarks. The defaults keep the whole suite under half an hour with <c>--job short</c>; the large
/// sizes (<c>--large</c>, which sets CUSTOMERLIFECYCLE_BENCH_LARGE=1 for the benchmark processes) are the ones the
/// targets in docs/benchmarks.md were measured at; CI's dry run (CUSTOMERLIFECYCLE_BENCH_SMALL=1) uses small ones.
/// </summary>
internal static class BenchmarkSizes
{
    public const string LargeVariable = "CUSTOMERLIFECYCLE_BENCH_LARGE";

    public static bool Small => Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_SMALL") == "1";

    public static bool Large => !Small && Environment.GetEnvironmentVariable(LargeVariable) == "1";

    /// <summary>1,000 / 100,000 accounts (with --large also 1,000,000), or those listed in CUSTOMERLIFECYCLE_BENCH_ACCOUNTS (for example "100000").</summary>
    public static IEnumerable<int> Accounts =>
        Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_ACCOUNTS") is { Length: > 0 } list
            ? list.Split(',').Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture))
            : Small ? [1_000] : Large ? [1_000, 100_000, 1_000_000] : [1_000, 100_000];

    /// <summary>The full computation's events over 10 days: 10 million (with --large 100 million).</summary>
    public static long Events => Small ? 100_000 : Large ? 100_000_000 : 10_000_000;

    /// <summary>What the sizes were, and how to get the others, for the notes at the end of a run.</summary>
    public static string Describe() => Small
        ? "Sizes: small (CUSTOMERLIFECYCLE_BENCH_SMALL=1, CI's dry run): 1,000 accounts, 100,000 usage events."
        : Large
            ? "Sizes: large (--large): 1,000 / 100,000 / 1,000,000 accounts, 100,000,000 usage events, 1 and 10 million streamed accounts, Parquet at 100 and 300 million events."
            : "Sizes: default: 1,000 and 100,000 accounts (the scoring comparison 1,000,000), 10,000,000 usage events, 1,000,000 streamed accounts, Parquet at 10,000,000 events. "
              + "The 1,000,000-account, 100,000,000-event and 10,000,000-account cases are left out: add --large for them (hours, not minutes), or CUSTOMERLIFECYCLE_BENCH_ACCOUNTS=1000000 for one size.";

    public const int Days = 10;

    public static LocalDate AsOf => UsageEvents.FirstDay.PlusDays(Days - 1);

    /// <summary>The business zone of the full computation: New York, whose daylight-saving change falls on the events' first day.</summary>
    public static readonly DateTimeZone BusinessZone = DateTimeZoneProviders.Tzdb["America/New_York"];

    public static BusinessClock ClockOn(LocalDate day) => ClockOn(day, DateTimeZone.Utc);

    /// <summary>The last second of <paramref name="day"/> in <paramref name="zone"/>, in that zone.</summary>
    public static BusinessClock ClockOn(LocalDate day, DateTimeZone zone) => new(new FixedClock(day.PlusDays(1).AtStartOfDayInZone(zone).ToInstant() - Duration.FromSeconds(1)), zone);

    private sealed class FixedClock(Instant now) : IClock
    {
        public Instant GetCurrentInstant() => now;
    }
}

/// <summary>
/// The full computation of ten usage definitions from 100 million events over 10 days, at 1,000 / 100,000 /
/// 1,000,000 accounts, in the business zone (America/New_York: each event's local date is found from its instant, and
/// the daylight-saving change falls on the first day). Baseline: a plain dense rollup on one thread, the floor a
/// hand-written loop for exactly these ten definitions reaches. Against it: a read of the columns, the aggregator (one
/// core), the aggregator with only the count and sum definitions (the events-per-second target), and DuckDB running
/// the definitions as SQL over the same events in-process (all cores), once computing the local dates and once given
/// them in a column made before the measurement.
/// </summary>
[MemoryDiagnoser]
[MonitoringJob(warmupCount: 1, iterationCount: 3)]
public class UsageFullBenchmarks
{
    private static readonly string[] Order = ["logins_30d", "events_7d", "report_quantity_30d", "exports_7d", "active_users_30d", "active_users_7d", "active_days_30d", "features_30d", "days_since_login", "events_trend"];

    private UsageEvents _events = null!;
    private DuckDBConnection? _duck;
    private string _sqlLocalDates = null!;
    private string _sqlGivenDates = null!;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    private static BusinessClock Clock => BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf, BenchmarkSizes.BusinessZone);

    // Each case runs in its own process: each makes only what it reads, and the baseline's process checks that every
    // path gives the same numbers (a case's setup takes minutes at 100 million events).
    [GlobalSetup(Targets = [nameof(ReadColumns), nameof(Aggregator), nameof(AggregatorCountAndSum)])]
    public void SetupEvents() => _events = new UsageEvents(Accounts, BenchmarkSizes.Events, BenchmarkSizes.Days);

    [GlobalSetup(Targets = [nameof(DuckDbLocalDates), nameof(DuckDbGivenLocalDates)])]
    public void SetupDuckDb()
    {
        var zone = BenchmarkSizes.BusinessZone.Id;
        _duck = new DuckDBConnection("Data Source=:memory:");
        _duck.Open();
        using (var command = _duck.CreateCommand())
        {
            command.CommandText = $"""
                SET TimeZone = 'UTC';
                {UsageEvents.SqlTable(Accounts, BenchmarkSizes.Events, BenchmarkSizes.Days)};
                ALTER TABLE events ADD COLUMN local_date DATE;
                UPDATE events SET local_date = CAST(timezone('{zone}', CAST(ts AS TIMESTAMPTZ)) AS DATE);
                """;
            command.ExecuteNonQuery();
        }

        _sqlLocalDates = UsageEvents.SqlSignals(BenchmarkSizes.AsOf, $"CAST(timezone('{zone}', CAST(ts AS TIMESTAMPTZ)) AS DATE)");
        _sqlGivenDates = UsageEvents.SqlSignals(BenchmarkSizes.AsOf, "local_date");
    }

    [GlobalSetup(Target = nameof(DenseRollup))]
    public void SetupAndCheck()
    {
        SetupEvents();
        SetupDuckDb();

        // Every path computes the same numbers: every definition's total over the accounts agrees.
        var ours = Aggregator();
        foreach (var (path, totals) in new[] { ("the dense rollup", DenseRollup()), ("the aggregator's count and sum definitions", AggregatorCountAndSum()), ("DuckDB", DuckDbLocalDates()), ("DuckDB given local dates", DuckDbGivenLocalDates()) })
        {
            for (var c = 0; c < totals.Length; c++)
            {
                if (Math.Abs(totals[c] - ours[c]) > 1e-6 * Math.Max(1, Math.Abs(totals[c])) && !(path.Contains("count and sum", StringComparison.Ordinal) && totals[c] == 0))
                {
                    throw new InvalidOperationException($"{path} and the aggregator disagree on {Order[c]}: {totals[c]} and {ours[c]}.");
                }
            }
        }

        var usage = new UsageAggregator(UsageEvents.Definitions(), Clock);
        usage.Ingest(_events.Columns);
        Console.WriteLine($"// state: {usage.StateBytes / 1e6:0.0} MB for {Accounts:N0} accounts, {usage.StateBytes / (double)Accounts:N0} bytes per account ({usage.KeptDays} days kept)");
    }

    [GlobalCleanup]
    public void Cleanup() => _duck?.Dispose();

    /// <summary>The memory floor: one pass over the five event columns.</summary>
    [Benchmark]
    public double ReadColumns()
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

    /// <summary>
    /// The plain dense rollup: what a hand-written loop for exactly these ten definitions does on one thread. Each
    /// event's local day from its instant (the zone's offset cached per interval, as the aggregator does), then
    /// per account and local day three counts, one sum and a mask of the features used, and per user a mask of the
    /// days active; then every account evaluated from its days. It knows the definitions, the names, the users of
    /// each account and the days at compile time; the aggregator learns them at run time.
    /// </summary>
    [Benchmark(Baseline = true)]
    public double[] DenseRollup()
    {
        var e = _events;
        var zone = BenchmarkSizes.BusinessZone;
        var firstDay = BenchmarkSizes.AsOf.PlusDays(-15);
        const int Days = 16;
        var origin = firstDay.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant().ToUnixTimeTicks();
        var asOf = Days - 1;
        var names = UsageEvents.Names;
        var isLogin = names.Select(n => n == "user.login").ToArray();
        var isExport = names.Select(n => n == "report.exported").ToArray();
        var isReport = names.Select(n => n.StartsWith("report.", StringComparison.Ordinal)).ToArray();
        var featureBit = names.Select((n, i) => n.StartsWith("feature.", StringComparison.Ordinal) ? (ushort)(1 << (i - 8)) : (ushort)0).ToArray();

        var all = new int[Accounts * Days];
        var logins = new int[Accounts * Days];
        var exports = new int[Accounts * Days];
        var reports = new double[Accounts * Days];
        var features = new ushort[Accounts * Days];
        var userDays = new ushort[Accounts * e.UsersPerAccount];

        long zoneStart = long.MaxValue, zoneEnd = long.MinValue, offset = 0;
        long otherStart = long.MaxValue, otherEnd = long.MinValue, otherOffset = 0;
        var account = e.Account;
        var user = e.User;
        var name = e.Name;
        var at = e.At;
        var quantity = e.Quantity;
        for (var i = 0; i < account.Length; i++)
        {
            var ticks = at[i].ToUnixTimeTicks();
            if (ticks < zoneStart || ticks >= zoneEnd)
            {
                (otherStart, otherEnd, otherOffset, zoneStart, zoneEnd, offset) = (zoneStart, zoneEnd, offset, otherStart, otherEnd, otherOffset);
                if (ticks < zoneStart || ticks >= zoneEnd)
                {
                    var interval = zone.GetZoneInterval(at[i]);
                    zoneStart = interval.HasStart ? interval.Start.ToUnixTimeTicks() : long.MinValue;
                    zoneEnd = interval.HasEnd ? interval.End.ToUnixTimeTicks() : long.MaxValue;
                    offset = interval.WallOffset.Ticks;
                }
            }

            var day = (int)((ticks + offset - origin) / NodaConstants.TicksPerDay);
            if ((uint)day > asOf)
            {
                continue;
            }

            var n = name[i];
            var cell = (account[i] * Days) + day;
            all[cell]++;
            logins[cell] += isLogin[n] ? 1 : 0;
            exports[cell] += isExport[n] ? 1 : 0;
            if (isReport[n])
            {
                reports[cell] += quantity[i];
            }

            features[cell] |= featureBit[n];
            userDays[user[i]] |= (ushort)(1 << day);
        }

        var totals = new double[Order.Length];
        for (var a = 0; a < Accounts; a++)
        {
            var row = a * Days;
            int login30 = 0, events7 = 0, exports7 = 0, previous7 = 0, activeDays = 0, lastLogin = -1;
            var report30 = 0d;
            var featureMask = 0;
            for (var d = 0; d <= asOf; d++)
            {
                var back = asOf - d;
                var c = row + d;
                login30 += logins[c];
                report30 += reports[c];
                featureMask |= features[c];
                activeDays += all[c] > 0 ? 1 : 0;
                lastLogin = logins[c] > 0 ? d : lastLogin;
                if (back < 7)
                {
                    events7 += all[c];
                    exports7 += exports[c];
                }
                else if (back < 14)
                {
                    previous7 += all[c];
                }
            }

            int users30 = 0, users7 = 0;
            const int Last7 = ((1 << 7) - 1) << (Days - 7);
            foreach (var days in userDays.AsSpan(a * e.UsersPerAccount, e.UsersPerAccount))
            {
                users30 += days != 0 ? 1 : 0;
                users7 += (days & Last7) != 0 ? 1 : 0;
            }

            totals[0] += login30;
            totals[1] += events7;
            totals[2] += report30;
            totals[3] += exports7;
            totals[4] += users30;
            totals[5] += users7;
            totals[6] += activeDays;
            totals[7] += System.Numerics.BitOperations.PopCount((uint)featureMask);
            totals[8] += lastLogin < 0 ? 0 : asOf - lastLogin;
            totals[9] += previous7 == 0 ? 0 : (events7 - previous7) / (double)previous7;
        }

        return totals;
    }

    [Benchmark]
    public double[] Aggregator() => Run(UsageEvents.Definitions());

    [Benchmark]
    public double[] AggregatorCountAndSum() => Run(UsageEvents.Definitions(countAndSumOnly: true));

    [Benchmark]
    public double[] DuckDbLocalDates() => Query(_sqlLocalDates);

    [Benchmark]
    public double[] DuckDbGivenLocalDates() => Query(_sqlGivenDates);

    private double[] Query(string sql)
    {
        using var command = _duck!.CreateCommand();
        command.CommandText = sql;
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
        var usage = new UsageAggregator(options, Clock);
        usage.Ingest(_events.Columns);
        var signals = usage.Evaluate(_events.AccountIds);
        var totals = new double[Order.Length];
        for (var c = 0; c < Order.Length; c++)
        {
            if (signals.Matrix.TryGetColumn(new SignalKey(Order[c]), out var values, out _))
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
[MonitoringJob(warmupCount: 1, iterationCount: 3)]
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
/// floor, on 10 million events (at 100 million the LINQ code takes minutes and tens of GB), in the business zone.
/// </summary>
[MemoryDiagnoser]
[MonitoringJob(warmupCount: 1, iterationCount: 3)]
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
        var usage = new UsageAggregator(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(BenchmarkSizes.AsOf, BenchmarkSizes.BusinessZone));
        usage.Ingest(_events.Columns);
        return usage.Evaluate(_events.AccountIds);
    }

    [Benchmark]
    public Dictionary<int, double[]> Linq()
    {
        var asOf = BenchmarkSizes.AsOf;
        var zone = BenchmarkSizes.BusinessZone;
        var e = _events;
        var names = UsageEvents.Names;
        var rows = Enumerable.Range(0, e.Account.Length)
            .Select(i => (Account: e.Account[i], User: e.User[i], Name: names[e.Name[i]], Date: e.At[i].InZone(zone).Date, Quantity: e.Quantity[i]))
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
