using System.Data.Common;
using System.Globalization;
using System.Text;
using CustomerLifecycle.Storage.Tests;
using CustomerLifecycle.Testing;
using DuckDB.NET.Data;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;
using NodaTime;

namespace CustomerLifecycle.Usage.DuckDb.Tests;

/// <summary>
/// The same random definitions and events through three engines: the in-process <see cref="UsageAggregator"/>, the
/// definitions as SQL on DuckDB, and on PostgreSQL (the server the tests start). Every cell of every account must
/// agree: random zones with daylight-saving changes (a 23-hour day, a 25-hour day, a 30-minute shift), duplicates,
/// events at local midnights and on a day's last second, prefix and catalog filters, accounts without events.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ThreeEngineTests(PostgresServer server)
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static readonly string[] Accounts = ["acme", "globex", "initech", "umbrella"];

    /// <summary>An account the host asks about that never had an event.</summary>
    private const string Quiet = "quiet";

    private static readonly string[] Users = ["ann", "bob", "cy", "dee", "Ann"];

    private static readonly string[] Names = ["user.login", "report.exported", "report.viewed", "reports", "admin.changed"];

    private static readonly string[] Filters = ["user.login", "report.*", "reports", "admin.*"];

    /// <summary>Zones, each with a date on which a daylight-saving change falls (and two without any).</summary>
    private static readonly (string Zone, LocalDate Change)[] Places =
    [
        ("America/New_York", new LocalDate(2026, 11, 1)), // 25 hours
        ("America/New_York", new LocalDate(2026, 3, 8)), // 23 hours
        ("Europe/Berlin", new LocalDate(2026, 3, 29)),
        ("Australia/Lord_Howe", new LocalDate(2026, 4, 5)), // back 30 minutes
        ("America/Sao_Paulo", new LocalDate(2026, 6, 1)), // no change since 2019
        ("Asia/Kolkata", new LocalDate(2026, 6, 15)),
        ("Pacific/Chatham", new LocalDate(2026, 4, 5)), // +13:45 to +12:45
        ("UTC", new LocalDate(2026, 12, 31)),
    ];

    [PostgresFact]
    public void Aggregator_DuckDb_and_PostgreSql_AgreeOnEveryCell()
    {
        using var engines = Engines.Start(server.ConnectionString);
        Assert.Null(Record.Exception(() => Prop.ForAll(Scenarios().ToArbitrary(), s => engines.AssertAgree(s)).Check(Runs)));
    }

    [Fact]
    public void Aggregator_and_DuckDb_AgreeOnEveryCell()
    {
        // The same property without a PostgreSQL server, so that it runs wherever the tests do.
        using var engines = Engines.Start(postgres: null);
        Assert.Null(Record.Exception(() => Prop.ForAll(Scenarios().ToArbitrary(), s => engines.AssertAgree(s)).Check(Config.QuickThrowOnFailure.WithMaxTest(100))));
    }

    public sealed record Scenario(string Zone, LocalDate AsOf, UsageOptions Options, int Kept, IReadOnlyList<UsageEvent> Events)
    {
        public override string ToString()
        {
            var text = new StringBuilder($"{Zone} as of {AsOf:yyyy-MM-dd}, lateness {Options.LatenessDays}, kept {Kept}; ");
            text.AppendJoin("; ", Options.Signals.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.Kind}/{p.Value.Window}/{p.Value.Events}/{(p.Value.CatalogOnly ? "catalog" : "")}/{p.Value.Of}"));
            text.Append(CultureInfo.InvariantCulture, $"; {Events.Count} events: ");
            text.AppendJoin(", ", Events.Select(e => $"{e.Id} {e.Account} {e.User} {e.Name} {e.At} {e.Quantity.ToString("R", CultureInfo.InvariantCulture)}"));
            return text.ToString();
        }
    }

    private static Gen<UsageOptions> Definitions() =>
        from count in Gen.Choose(1, 6)
        from windowed in Gen.ListOf(
            from kind in Gen.Elements(
                UsageSignalKind.Count, UsageSignalKind.Sum, UsageSignalKind.ActiveUsers, UsageSignalKind.ActiveDays,
                UsageSignalKind.DistinctFeatures, UsageSignalKind.Stickiness, UsageSignalKind.DaysSinceLast)
            from window in Gen.Frequency((3, Gen.Choose(1, 9)), (1, Gen.Constant(1)), (1, Gen.Choose(10, 31)))
            from filter in Gen.Frequency((2, Gen.Constant<string?>(null)), (3, Gen.Elements(Filters).Select(f => (string?)f)))
            from catalogOnly in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new UsageSignalOptions
            {
                Kind = kind,
                Window = kind == UsageSignalKind.DaysSinceLast ? null : window,
                Events = filter,
                CatalogOnly = catalogOnly && kind == UsageSignalKind.DistinctFeatures,
            }, count)
        from changeCount in Gen.Choose(0, 2)
        from changes in Gen.ListOf(Gen.Choose(0, 5), changeCount)
        from lateness in Gen.Choose(0, 3)
        select Options(windowed, changes, lateness);

    private static UsageOptions Options(IReadOnlyList<UsageSignalOptions> windowed, IReadOnlyList<int> changes, int lateness)
    {
        var options = new UsageOptions { LatenessDays = lateness, FeatureCatalog = ["user.login", "report.exported"] };
        for (var i = 0; i < windowed.Count; i++)
        {
            options.Signals[$"s{i}"] = windowed[i];
        }

        var comparable = Enumerable.Range(0, windowed.Count).Where(i => windowed[i].Kind != UsageSignalKind.DaysSinceLast).ToList();
        for (var c = 0; c < changes.Count && comparable.Count > 0; c++)
        {
            options.Signals[$"s{c}.change"] = new UsageSignalOptions { Kind = UsageSignalKind.Change, Of = $"s{comparable[changes[c] % comparable.Count]}" };
        }

        return options;
    }

    private static int KeptDays(UsageOptions options) => options.Signals.Values.Max(s => s.Kind switch
    {
        UsageSignalKind.Change => 2 * options.Signals[s.Of!].Window!.Value,
        UsageSignalKind.DaysSinceLast => 1,
        _ => s.Window!.Value,
    }) + options.LatenessDays;

    private static Gen<Scenario> Scenarios() =>
        from place in Gen.Elements(Places)
        from after in Gen.Choose(-2, 12)
        from options in Definitions()
        let zone = DateTimeZoneProviders.Tzdb[place.Zone]
        let asOf = place.Change.PlusDays(after)
        let kept = KeptDays(options)
        from eventCount in Gen.Frequency((1, Gen.Constant(0)), (12, Gen.Choose(1, 60)))
        from events in Gen.ListOf(Event(zone, asOf, kept), eventCount)
        from copyCount in Gen.Choose(0, 6)
        from copies in Gen.ListOf(Gen.Choose(0, 1000), copyCount)
        select new Scenario(place.Zone, asOf, options, kept, WithCopies(events, copies));

    /// <summary>Ids in order, and some events sent again (the same id, the same event).</summary>
    private static List<UsageEvent> WithCopies(IReadOnlyList<UsageEvent> events, IReadOnlyList<int> copies)
    {
        var withIds = events.Select((e, i) => e with { Id = $"e{i}" }).ToList();
        if (withIds.Count > 0)
        {
            foreach (var c in copies)
            {
                withIds.Insert(c % (withIds.Count + 1), withIds[c % withIds.Count]);
            }
        }

        return withIds;
    }

    private static Gen<UsageEvent> Event(DateTimeZone zone, LocalDate asOf, int kept) =>
        from account in Gen.Elements(Accounts)
        from user in Gen.Elements(Users)
        from name in Gen.Elements(Names)
        from daysBack in Gen.Choose(0, kept - 1)
        from second in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Constant(-1)), (6, Gen.Choose(0, 90_000)))
        from micros in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Constant(999_999)), (1, Gen.Choose(0, 999_999)))
        from quantity in Gen.Frequency((3, Gen.Constant(1d)), (1, Gen.Constant(0d)), (3, Gen.Choose(0, 1 << 20).Select(q => q / 64d)), (1, Gen.Constant(3e12)))
        select new UsageEvent("e", new AccountId(account), user, name, At(zone, asOf.PlusDays(-daysBack), second, micros), quantity);

    /// <summary>An instant on a local date: its first microsecond, its last second, or any second of it (23, 24 or 25 hours).</summary>
    private static Instant At(DateTimeZone zone, LocalDate date, int second, int micros)
    {
        var start = zone.AtStartOfDay(date).ToInstant();
        var length = (zone.AtStartOfDay(date.PlusDays(1)).ToInstant() - start).TotalSeconds;
        var s = second < 0 ? (long)length - 1 : second % (long)length;
        return start + Duration.FromSeconds(s) + Duration.FromNanoseconds(micros * 1000L);
    }

    /// <summary>The three engines: an aggregator per scenario, a DuckDB database file and a PostgreSQL schema loaded with each scenario's events.</summary>
    private sealed class Engines : IDisposable
    {
        private readonly string _folder;
        private readonly DuckDBConnection _duck;
        private readonly string _duckFile;
        private readonly NpgsqlDataSource? _postgres;
        private readonly string _schema = PostgresServer.NewSchema();

        private Engines(string? postgres)
        {
            _folder = Directory.CreateTempSubdirectory("customerlifecycle-usage-sql-").FullName;
            _duckFile = Path.Combine(_folder, "events.duckdb");
            _duck = new DuckDBConnection($"DataSource={_duckFile}");
            _duck.Open();
            Execute(_duck, "CREATE TABLE events (id VARCHAR, account VARCHAR, \"user\" VARCHAR, name VARCHAR, \"at\" TIMESTAMPTZ, quantity DOUBLE)");
            if (postgres is not null)
            {
                _postgres = NpgsqlDataSource.Create(postgres);
                using var c = _postgres.OpenConnection();
                Execute(c, $"CREATE SCHEMA {_schema}; CREATE TABLE {_schema}.events (id text, account text, \"user\" text, name text, \"at\" timestamptz, quantity double precision)");
            }
        }

        public static Engines Start(string? postgres) => new(postgres);

        public bool AssertAgree(Scenario s)
        {
            var zone = DateTimeZoneProviders.Tzdb[s.Zone];
            var now = zone.AtStartOfDay(s.AsOf.PlusDays(1)).ToInstant() - Duration.FromMilliseconds(1);
            var clock = new BusinessClock(new FakeClock(now), zone);
            AccountId[] rows = [.. Accounts.Append(Quiet).Select(a => new AccountId(a))];

            var aggregator = new UsageAggregator(s.Options, clock);
            var report = aggregator.Ingest(s.Events);
            Assert.Empty(report.Refused);
            var expected = aggregator.Evaluate(rows);

            Load(_duck, "events", UsageSqlDialect.DuckDb, s.Events);
            var duck = new SqlUsageSignalSource(s.Options, clock, UsageSqlDialect.DuckDb, new UsageEventTable("events"), () => new DuckDBConnection($"DataSource={_duckFile}"));
            AssertSame(expected, duck.ComputeAsync(s.AsOf, rows).GetAwaiter().GetResult(), "DuckDB", s);

            if (_postgres is not null)
            {
                using (var c = _postgres.OpenConnection())
                {
                    Load(c, $"{_schema}.events", UsageSqlDialect.PostgreSql, s.Events);
                }

                var postgres = new SqlUsageSignalSource(s.Options, clock, UsageSqlDialect.PostgreSql, new UsageEventTable($"{_schema}.events"), () => _postgres.CreateConnection());
                AssertSame(expected, postgres.ComputeAsync(s.AsOf, rows).GetAwaiter().GetResult(), "PostgreSQL", s);
            }

            return true;
        }

        public void Dispose()
        {
            _duck.Dispose();
            _postgres?.Dispose();
            Directory.Delete(_folder, recursive: true);
        }

        private static void AssertSame(UsageSignals expected, UsageSignals actual, string engine, Scenario s)
        {
            Assert.Equal(expected.Accounts, actual.Accounts);
            Assert.Equal(expected.Matrix.Columns, actual.Matrix.Columns);
            foreach (var key in expected.Matrix.Columns)
            {
                for (var r = 0; r < expected.Accounts.Count; r++)
                {
                    var e = expected.Matrix.IsWritten(r, key) ? expected.Matrix[r, key] : double.NaN;
                    var a = actual.Matrix.IsWritten(r, key) ? actual.Matrix[r, key] : double.NaN;
                    var same = double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(e - a) <= 1e-12 * Math.Max(1, Math.Abs(e));
                    Assert.True(same, $"{engine}: {key} of {expected.Accounts[r]}: aggregator {e.ToString("R", CultureInfo.InvariantCulture)}, {engine} {a.ToString("R", CultureInfo.InvariantCulture)}. {s}");
                }
            }
        }

        private static void Load(DbConnection connection, string table, UsageSqlDialect dialect, IReadOnlyList<UsageEvent> events)
        {
            Execute(connection, $"DELETE FROM {table}");
            if (events.Count == 0)
            {
                return;
            }

            var sql = new StringBuilder($"INSERT INTO {table} (id, account, \"user\", name, \"at\", quantity) VALUES ");
            sql.AppendJoin(", ", events.Select(e =>
                $"({dialect.Literal(e.Id)}, {dialect.Literal(e.Account.Value)}, {dialect.Literal(e.User)}, {dialect.Literal(e.Name)}, " +
                $"CAST({dialect.Literal(e.At.ToString("uuuu-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00")} AS TIMESTAMPTZ), " +
                $"CAST({dialect.Literal(e.Quantity.ToString("R", CultureInfo.InvariantCulture))} AS {dialect.DoubleType}))"));
            Execute(connection, sql.ToString());
        }

        private static void Execute(DbConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
