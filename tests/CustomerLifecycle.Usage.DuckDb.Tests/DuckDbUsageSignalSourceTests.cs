using System.Globalization;
using System.Runtime.CompilerServices;
using CustomerLifecycle.Events;
using CustomerLifecycle.Hosting;
using CustomerLifecycle.Testing;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CustomerLifecycle.Usage.DuckDb.Tests;

/// <summary>The DuckDB source over files and databases, its milestones, its refusals, and the pipeline's day taking its signals from it.</summary>
public sealed class DuckDbUsageSignalSourceTests : IDisposable
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly LocalDate Day = new(2026, 12, 2);
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-duckdb-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static UsageOptions Options() => new()
    {
        FeatureCatalog = ["report.exported"],
        Signals =
        {
            ["logins_7d"] = new() { Kind = UsageSignalKind.Count, Window = 7, Events = "user.login" },
            ["users_7d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 7 },
            ["days_since_login"] = new() { Kind = UsageSignalKind.DaysSinceLast, Events = "user.login" },
            ["logins_trend"] = new() { Kind = UsageSignalKind.Change, Of = "logins_7d" },
        },
        Milestones = { ["users_7d"] = [2, 3] },
        Drops = { ["logins_trend"] = -0.5 },
    };

    /// <summary>acme: logins by ann and bob every day of the last 14, bob's stop 3 days ago, and a first report on the day; globex: one login 10 days ago.</summary>
    private static List<UsageEvent> Events()
    {
        var events = new List<UsageEvent>();
        for (var back = 0; back < 14; back++)
        {
            var date = Day.PlusDays(-back);
            var noon = date.At(new LocalTime(12, 0)).InZoneLeniently(NewYork).ToInstant();
            events.Add(new($"a{back}", new AccountId("acme"), "ann", "user.login", noon));
            if (back >= 3)
            {
                events.Add(new($"b{back}", new AccountId("acme"), "bob", "user.login", noon + Duration.FromMinutes(1)));
            }
        }

        events.Add(new("r1", new AccountId("acme"), "cy", "report.exported", Day.At(new LocalTime(23, 59, 59)).InZoneLeniently(NewYork).ToInstant()));
        events.Add(new("g1", new AccountId("globex"), "gil", "user.login", Day.PlusDays(-10).AtStartOfDayInZone(NewYork).ToInstant()));
        return events;
    }

    private static BusinessClock Clock() => new(new FakeClock(Day.PlusDays(1).AtStartOfDayInZone(NewYork).ToInstant() - Duration.FromSeconds(1)), NewYork);

    private string Write(string format)
    {
        var path = Path.Combine(_folder, $"events.{format}");
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        Execute(c, "SET TimeZone = 'UTC'; CREATE TABLE e (id VARCHAR, account VARCHAR, \"user\" VARCHAR, name VARCHAR, \"at\" TIMESTAMPTZ, quantity DOUBLE)");
        Execute(c, "INSERT INTO e VALUES " + string.Join(", ", Events().Select(e =>
            $"('{e.Id}', '{e.Account}', '{e.User}', '{e.Name}', '{e.At.ToString("uuuu-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}+00', {e.Quantity.ToString(CultureInfo.InvariantCulture)})")));
        Execute(c, $"COPY e TO '{path}' (FORMAT {(format == "csv" ? "csv, HEADER" : "parquet")})");
        return path;
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Theory]
    [InlineData("parquet")]
    [InlineData("csv")]
    public async Task FilesGiveTheAggregatorsSignals(string format)
    {
        var path = Write(format);
        var events = format == "csv" ? DuckDbUsageEvents.Csv(Path.Combine(_folder, "*.csv")) : DuckDbUsageEvents.Parquet(path);
        var source = new DuckDbUsageSignalSource(Options(), Clock(), events);
        AccountId[] rows = [new("globex"), new("acme"), new("nobody")];

        var computed = await source.ComputeAsync(Day, rows);

        var aggregator = new UsageAggregator(Options(), Clock());
        Assert.Empty(aggregator.Ingest(Events()).Refused);
        var expected = aggregator.Evaluate(rows);
        Assert.Equal(rows, computed.Accounts);
        foreach (var account in rows)
        {
            Assert.Equal(expected.SignalsOf(account).OrderBy(s => s.Key.Name).ToList(), computed.SignalsOf(account).OrderBy(s => s.Key.Name).ToList());
        }

        // acme: 7 + 4 logins this week, 14 - 3 of bob's the week before: (11 - 14) / 14; two users on the day.
        Assert.Equal((11 - 14) / 14d, computed.SignalsOf(new AccountId("acme"))[new SignalKey("logins_trend")]);
        Assert.Equal(10, computed.SignalsOf(new AccountId("globex"))[new SignalKey("days_since_login")]);
        Assert.DoesNotContain(computed.SignalsOf(new AccountId("nobody")), s => s.Key.Name is "days_since_login" or "logins_trend");
    }

    [Fact]
    public async Task WithoutAccounts_EveryAccountWithEventsIsARow_InOrdinalOrder()
    {
        var source = new DuckDbUsageSignalSource(Options(), Clock(), DuckDbUsageEvents.Parquet(Write("parquet")));
        var computed = await source.ComputeAsync(Day, null);
        Assert.Equal([new AccountId("acme"), new AccountId("globex")], computed.Accounts);
    }

    [Fact]
    public async Task ADuckDbDatabaseTable_IsReadOnly_AndGivesTheSameSignals()
    {
        var database = Path.Combine(_folder, "events.duckdb");
        using (var c = new DuckDBConnection($"DataSource={database}"))
        {
            c.Open();
            Execute(c, $"CREATE TABLE usage_events AS SELECT * FROM read_parquet('{Write("parquet")}')");
        }

        var source = new DuckDbUsageSignalSource(Options(), Clock(), new UsageEventTable("usage_events"), database);
        var computed = await source.ComputeAsync(Day, [new AccountId("acme")]);
        Assert.Equal(11, computed.SignalsOf(new AccountId("acme"))[new SignalKey("logins_7d")]);
        Assert.Throws<ArgumentException>(() => new DuckDbUsageSignalSource(Options(), Clock(), new UsageEventTable("usage_events"), Path.Combine(_folder, "missing.duckdb")));
    }

    [Fact]
    public async Task Milestones_AreFoundFromTheDateAndTheDayBefore()
    {
        var source = new DuckDbUsageSignalSource(Options(), Clock(), DuckDbUsageEvents.Parquet(Write("parquet")));

        var today = await source.ComputeAsync(Day, null);
        var yesterday = await source.ComputeAsync(Day.PlusDays(-1), null);

        // On the day: cy's first report makes 3 users (2 were reached long before) and adopts report.exported; the
        // logins trend fell to -21 % (not a drop). The day before: nothing new.
        Assert.Equal(
            ["usage:feature_adopted:acme:report.exported", "usage:usage_milestone:acme:users_7d:3"],
            today.Milestones.Select(m => m.Id).Order(StringComparer.Ordinal));
        var adoption = today.Milestones.Single(m => m.Type == LifecycleEventType.FeatureAdopted);
        Assert.Equal(Day.At(new LocalTime(23, 59, 59)).InZoneLeniently(NewYork).ToInstant(), adoption.At);
        Assert.Empty(yesterday.Milestones);

        // Three days on, acme has 5 logins in the week against 14 the week before (-64 %): a drop, once (the days after stay below).
        var later = new DuckDbUsageSignalSource(Options(), new BusinessClock(new FakeClock(Instant.MaxValue), NewYork), DuckDbUsageEvents.Parquet(Write("parquet")));
        var drops = new List<string>();
        for (var d = 1; d <= 9; d++)
        {
            drops.AddRange((await later.ComputeAsync(Day.PlusDays(d), null)).Milestones.Where(m => m.Type == LifecycleEventType.UsageDropped).Select(m => m.Id!));
        }

        Assert.Equal(["usage:usage_dropped:acme:logins_trend:2026-12-05"], drops);
    }

    [Fact]
    public async Task AnAccountIdTheStoreCannotKeep_IsRefusedNamingIt()
    {
        using (var c = new DuckDBConnection("DataSource=:memory:"))
        {
            c.Open();
            Execute(c, $"COPY (SELECT 'e1' AS id, '' AS account, 'ann' AS \"user\", 'user.login' AS name, TIMESTAMPTZ '2026-12-02 12:00:00+00' AS \"at\", 1.0 AS quantity) TO '{Path.Combine(_folder, "bad.parquet")}' (FORMAT parquet)");
        }

        var source = new DuckDbUsageSignalSource(Options(), Clock(), DuckDbUsageEvents.Parquet(Path.Combine(_folder, "bad.parquet")));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => source.ComputeAsync(Day, null));
        Assert.Contains("the account '' is not an account id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownZoneOrBadOptions_AreRefusedNamingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => UsageSql.Compile(Options(), UsageSqlDialect.PostgreSql, new UsageEventTable("events"), "Mars/Olympus", Day));
        Assert.Contains("'Mars/Olympus' is not an IANA time zone id", e.Message, StringComparison.Ordinal);
        var bad = Options();
        bad.Signals["logins_7d"].Window = 0;
        Assert.Contains("logins_7d:Window", Assert.Throws<ArgumentException>(() => new DuckDbUsageSignalSource(bad, Clock(), DuckDbUsageEvents.Parquet("x.parquet"))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DuckDbUsageEvents.Parquet());
        Assert.Throws<ArgumentException>(() => DuckDbUsageEvents.Csv(" "));
    }

    [Fact]
    public async Task ThePipelinesUsageStep_TakesItsSignalsFromDuckDb()
    {
        var path = Write("parquet");
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id)
            .UseClock(new FakeClock(Day.PlusDays(1).AtStartOfDayInZone(NewYork).ToInstant() + Duration.FromHours(6)))
            .AddUsage(u => u.Count("logins_7d", 7, "user.login"))
            .AddDuckDbUsageSignals(DuckDbUsageEvents.Parquet(path))
            .AddHealthScoring()
            .AddSqliteStorage($"Data Source={Path.Combine(_folder, "pipeline.db")}")
            .AddLifecyclePipeline(p => p.UseAccountSource<TwoAccounts>().Configure(o => o.Schedule = false));
        await using var provider = collection.BuildServiceProvider();

        var result = await provider.GetRequiredService<LifecyclePipeline>().RunAsync(Day);

        Assert.Contains("usage", result.Run!.Steps.Select(s => s.Step));
        Assert.Equal(11, result.Day!.Accounts.Single(a => a.Id == new AccountId("acme")).Signals[new SignalKey("logins_7d")]);
        Assert.Equal(0, result.Day.Accounts.Single(a => a.Id == new AccountId("initech")).Signals[new SignalKey("logins_7d")]);
    }

    [Fact]
    public void BothAnEventSourceAndASignalSource_AreRefusedAtStart()
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddCustomerLifecycle()
            .AddUsage(u => u.Count("logins_7d", 7, "user.login"))
            .AddDuckDbUsageSignals(DuckDbUsageEvents.Parquet("events.parquet"))
            .AddSqliteStorage($"Data Source={Path.Combine(_folder, "both.db")}")
            .AddLifecyclePipeline(p => p.UseAccountSource<TwoAccounts>().UseUsageEvents<NoEvents>());
        using var provider = collection.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<LifecyclePipeline>());
        Assert.Contains("register one", e.Message, StringComparison.Ordinal);
    }

    private sealed class TwoAccounts : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var id in new[] { "acme", "initech" })
            {
                yield return new Account
                {
                    Id = new AccountId(id),
                    Name = id,
                    CustomerSince = new LocalDate(2025, 1, 1),
                    Contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(12_000, "USD"), 10),
                };
            }
        }
    }

    private sealed class NoEvents : IUsageEventSource
    {
        public async IAsyncEnumerable<UsageEvent> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield break;
        }
    }
}
