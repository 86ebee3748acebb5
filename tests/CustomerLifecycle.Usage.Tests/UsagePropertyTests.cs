using CustomerLifecycle.Events;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// The aggregator against a plain LINQ recomputation from the raw events (<see cref="NaiveUsage"/>), and its paths
/// against each other: one batch, day-by-day ingestion in any order with duplicates, and a save and load midway.
/// Events fall around daylight-saving changes (a 25-hour day, a 23-hour day, a 30-minute shift) and on midnight edges.
/// </summary>
public sealed class UsagePropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(150);

    private static readonly string[] Names = ["login", "report.exported", "report.viewed", "reports", "admin.setting"];

    /// <summary>Zones with the business date that follows a daylight-saving change (and one without any).</summary>
    private static readonly (string Zone, LocalDate End)[] Places =
    [
        ("America/New_York", new LocalDate(2026, 11, 6)), // 2026-11-01 has 25 hours
        ("Europe/Berlin", new LocalDate(2026, 4, 2)), // 2026-03-29 has 23 hours
        ("Australia/Lord_Howe", new LocalDate(2026, 4, 9)), // 2026-04-05: clocks go back 30 minutes
        ("America/Santiago", new LocalDate(2026, 4, 9)), // 2026-04-05 starts at 00:00 twice: the change is at midnight
        ("Asia/Kolkata", new LocalDate(2026, 6, 15)), // +05:30, no change
    ];

    public static UsageOptions Options() => new()
    {
        LatenessDays = 2,
        FeatureCatalog = ["login", "report.exported"],
        Signals =
        {
            ["all_7"] = new() { Kind = UsageSignalKind.Count, Window = 7 },
            ["rep_3"] = new() { Kind = UsageSignalKind.Count, Window = 3, Events = "report.*" },
            ["qty_14"] = new() { Kind = UsageSignalKind.Sum, Window = 14, Events = "report.exported" },
            ["users_7"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 7 },
            ["days_10"] = new() { Kind = UsageSignalKind.ActiveDays, Window = 10, Events = "login" },
            ["feat_7"] = new() { Kind = UsageSignalKind.DistinctFeatures, Window = 7 },
            ["cat_5"] = new() { Kind = UsageSignalKind.DistinctFeatures, Window = 5, CatalogOnly = true },
            ["last_rep"] = new() { Kind = UsageSignalKind.DaysSinceLast, Events = "report.*" },
            ["stick_7"] = new() { Kind = UsageSignalKind.Stickiness, Window = 7 },
            ["stick_rep_4"] = new() { Kind = UsageSignalKind.Stickiness, Window = 4, Events = "report.*" },
            ["all_7_change"] = new() { Kind = UsageSignalKind.Change, Of = "all_7" },
            ["users_7_change"] = new() { Kind = UsageSignalKind.Change, Of = "users_7" },
        },
    };

    /// <summary>The days kept with <see cref="Options"/>: twice the 7-day change, or the 14-day sum, plus 2 days of lateness.</summary>
    private const int Kept = 16;

    [Fact]
    public void EveryEvaluation_EqualsTheNaiveRecomputation_OverTheEventsAccepted()
    {
        // Events over 31 days, ingested day by day (late by up to 4 days, in any order, some twice), evaluated after
        // every day: older days roll off the ring while days_since_last still remembers them.
        Assert.Null(Record.Exception(() => Prop.ForAll(Scenarios(spanDays: 31).ToArbitrary(), s =>
        {
            var zone = DateTimeZoneProviders.Tzdb[s.Zone];
            var options = Options();
            var clock = new FakeClock(Instant.MinValue);
            var aggregator = new UsageAggregator(options, new BusinessClock(clock, zone));
            var accepted = new List<UsageEvent>();
            foreach (var (day, batch) in s.DayByDay())
            {
                clock.Set(EndOf(day, zone));
                var report = aggregator.Ingest(batch);
                var kept = batch.DistinctBy(e => e.Id).Where(e => e.At.InZone(zone).Date >= day.PlusDays(-(Kept - 1))).ToList();
                accepted.AddRange(kept.Where(e => accepted.All(a => a.Id != e.Id)));
                Assert.Equal(batch.Count(e => e.At.InZone(zone).Date < day.PlusDays(-(Kept - 1))), report.Refused.Count);
                AssertEqualsNaive(aggregator.Evaluate(Accounts), accepted, options, day, zone);
            }
        }).Check(Runs)));
    }

    [Fact]
    public void DayByDayInAnyOrderWithDuplicates_EqualsOneBatch()
    {
        Assert.Null(Record.Exception(() => Prop.ForAll(Scenarios(spanDays: Kept).ToArbitrary(), s =>
        {
            var (batch, incremental) = BatchAndIncremental(s, saveAt: -1);
            AssertSame(batch, incremental);
        }).Check(Runs)));
    }

    [Fact]
    public void SavingAndLoadingMidway_EqualsNeverStopping()
    {
        var gen = from s in Scenarios(spanDays: Kept) from at in Gen.Choose(0, Kept) select (s, at);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (batch, restored) = BatchAndIncremental(t.s, saveAt: t.at);
            AssertSame(batch, restored);
        }).Check(Runs)));
    }

    /// <summary>The users' keys for the keyed path: the edges of a 64-bit key.</summary>
    private static readonly long[] UserKeys = [0, -1, long.MaxValue, long.MinValue];

    [Fact]
    public void UsersByKey_GiveWhatUsersByName_ThroughDaysLeavingTheRingAndASaveMidway()
    {
        // The same events day by day over 31 days (so users leave the ring and are forgotten), once with users named in
        // a table, once by integer key; the keyed aggregator is saved and loaded on one day. Every signal agrees after
        // every day.
        var gen = from s in Scenarios(spanDays: 31) from at in Gen.Choose(0, 31) select (s, at);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (s, saveAt) = t;
            var zone = DateTimeZoneProviders.Tzdb[s.Zone];
            var clock = new FakeClock(Instant.MinValue);
            var business = new BusinessClock(clock, zone);
            var named = new UsageAggregator(Options(), business);
            var keyed = new UsageAggregator(Options(), business);
            var seen = new HashSet<string>();
            var i = 0;
            foreach (var (day, delivered) in s.DayByDay())
            {
                clock.Set(EndOf(day, zone));
                var events = delivered.Where(e => seen.Add(e.Id)).ToArray();
                int[] account = [.. events.Select(e => Array.IndexOf(Accounts, e.Account))];
                int[] user = [.. events.Select(e => int.Parse(e.User[1..], System.Globalization.CultureInfo.InvariantCulture))];
                int[] name = [.. events.Select(e => Array.IndexOf(Names, e.Name))];
                Instant[] at = [.. events.Select(e => e.At)];
                double[] quantity = [.. events.Select(e => e.Quantity)];
                if (i++ == saveAt)
                {
                    using var stream = new MemoryStream();
                    keyed.SaveState(stream);
                    stream.Position = 0;
                    keyed = new UsageAggregator(Options(), business);
                    keyed.LoadState(stream);
                }

                var a = named.Ingest(new UsageEventColumns(Accounts, ["u0", "u1", "u2", "u3"], Names, account, user, name, at, quantity));
                var b = keyed.Ingest(new UsageEventColumns(Accounts, Names, account, [.. user.Select(u => UserKeys[u])], name, at, quantity));
                Assert.Equal((a.Accepted, a.Refused.Count), (b.Accepted, b.Refused.Count));
                AssertSame(named.Evaluate(Accounts), keyed.Evaluate(Accounts));
            }
        }).Check(Runs)));
    }

    private static readonly AccountId[] Accounts = [new("a0"), new("a1"), new("a2")];

    private static (UsageSignals Batch, UsageSignals Incremental) BatchAndIncremental(Scenario s, int saveAt)
    {
        var zone = DateTimeZoneProviders.Tzdb[s.Zone];
        var clock = new FakeClock(EndOf(s.End, zone));
        var one = new UsageAggregator(Options(), new BusinessClock(clock, zone));
        var batchReport = one.Ingest(s.Events);
        Assert.Empty(batchReport.Refused);
        Assert.Equal(s.Events.Length, batchReport.Accepted);

        var dayClock = new FakeClock(Instant.MinValue);
        var business = new BusinessClock(dayClock, zone);
        var incremental = new UsageAggregator(Options(), business);
        var i = 0;
        foreach (var (day, events) in s.DayByDay())
        {
            dayClock.Set(EndOf(day, zone));
            if (i++ == saveAt)
            {
                using var stream = new MemoryStream();
                incremental.SaveState(stream);
                stream.Position = 0;
                incremental = new UsageAggregator(Options(), business);
                incremental.LoadState(stream);
            }

            Assert.Empty(incremental.Ingest(events).Refused);
        }

        dayClock.Set(EndOf(s.End, zone));
        return (one.Evaluate(Accounts), incremental.Evaluate(Accounts));
    }

    private static void AssertSame(UsageSignals expected, UsageSignals actual)
    {
        foreach (var key in expected.Matrix.Columns)
        {
            for (var r = 0; r < Accounts.Length; r++)
            {
                Assert.Equal(expected.Matrix.IsWritten(r, key), actual.Matrix.IsWritten(r, key));
                AssertClose(expected.Matrix[r, key], actual.Matrix[r, key], $"{key} of {Accounts[r]}");
            }
        }

        static string Adopted(UsageSignals s) => string.Join(",", s.Milestones.Where(m => m.Type == LifecycleEventType.FeatureAdopted).Select(m => m.Id).Order());
        Assert.Equal(Adopted(expected), Adopted(actual));
    }

    private static void AssertEqualsNaive(UsageSignals signals, List<UsageEvent> events, UsageOptions options, LocalDate asOf, DateTimeZone zone)
    {
        Assert.Equal(asOf, signals.AsOf);
        foreach (var signal in options.Signals.Keys)
        {
            var key = new SignalKey(signal);
            for (var r = 0; r < Accounts.Length; r++)
            {
                var expected = NaiveUsage.Compute(events, options, signal, Accounts[r], asOf, zone);
                Assert.Equal(!double.IsNaN(expected), signals.Matrix.IsWritten(r, key));
                AssertClose(expected, signals.Matrix[r, key], $"{signal} of {Accounts[r]} on {asOf}");
            }
        }
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual) || expected == actual)
        {
            Assert.True(double.IsNaN(expected) == double.IsNaN(actual) && (double.IsNaN(expected) || expected == actual), $"{what}: expected {expected}, got {actual}");
            return;
        }

        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(Math.Abs(expected), Math.Abs(actual)), $"{what}: expected {expected}, got {actual}");
    }

    private static Instant EndOf(LocalDate day, DateTimeZone zone) => zone.AtStartOfDay(day.PlusDays(1)).ToInstant() - Duration.FromMilliseconds(1);

    /// <summary>Events over the <paramref name="spanDays"/> days up to a place's end date, each with the day it is ingested on and its position that day.</summary>
    private static Gen<Scenario> Scenarios(int spanDays) =>
        from place in Gen.Elements(Places)
        from n in Gen.Frequency((1, Gen.Constant(0)), (10, Gen.Choose(1, 60)))
        from raw in Gen.ArrayOf(RawEvent(place.Zone, place.End, spanDays), n)
        from order in Gen.ArrayOf(Gen.Choose(0, 1_000_000), 2 * n)
        select Scenario.Create(place.Zone, place.End, raw, order);

    private static Gen<(Instant At, int Account, int User, int Name, double Quantity, int Late, bool Twice)> RawEvent(string zoneId, LocalDate end, int spanDays)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        return from dayBack in Gen.Choose(0, spanDays - 1)
               let date = end.PlusDays(-dayBack)
               let start = zone.AtStartOfDay(date).ToInstant()
               let length = (zone.AtStartOfDay(date.PlusDays(1)).ToInstant() - start).TotalMilliseconds
               from ms in Gen.Frequency(
                   (1, Gen.Constant(0d)),
                   (1, Gen.Constant(length - 1)),
                   (1, Gen.Constant(length - 1 < 0 ? 0 : length - 1).Select(l => dayBack == 0 ? l : l + 1)), // the next midnight, except past the end
                   (1, Gen.Choose(1, 3).Select(h => h * 3_600_000d)), // the hours a daylight-saving change moves
                   (4, Gen.Choose(0, (int)(length / 1000) - 1).Select(s => s * 1000d)))
               from account in Gen.Choose(0, 2)
               from user in Gen.Choose(0, 3)
               from name in Gen.Choose(0, Names.Length - 1)
               from quantity in Gen.Frequency(
                   (4, Gen.Constant(1d)),
                   (1, Gen.Constant(0d)),
                   (1, Gen.Constant(1e12)),
                   (2, Gen.Choose(0, 10_000).Select(q => q / 100d)))
               from late in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 4)))
               from twice in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
               select (start + Duration.FromMilliseconds(ms), account, user, name, quantity, late, twice);
    }

    private sealed record Scenario(string Zone, LocalDate End, UsageEvent[] Events, (LocalDate Day, int Order, UsageEvent Event)[] Deliveries)
    {
        public static Scenario Create(string zoneId, LocalDate end, (Instant At, int Account, int User, int Name, double Quantity, int Late, bool Twice)[] raw, int[] order)
        {
            var zone = DateTimeZoneProviders.Tzdb[zoneId];
            var events = raw.Select((r, i) => new UsageEvent($"e{i}", Accounts[r.Account], $"u{r.User}", Names[r.Name], r.At, r.Quantity)).ToArray();
            var deliveries = new List<(LocalDate, int, UsageEvent)>();
            for (var i = 0; i < raw.Length; i++)
            {
                var date = raw[i].At.InZone(zone).Date;
                var day = date.PlusDays(raw[i].Late);
                deliveries.Add((day > end ? end : day, order[2 * i], events[i]));
                if (raw[i].Twice)
                {
                    deliveries.Add((end, order[(2 * i) + 1], events[i]));
                }
            }

            return new Scenario(zoneId, end, events, [.. deliveries]);
        }

        public IEnumerable<(LocalDate Day, UsageEvent[] Events)> DayByDay()
        {
            var first = Deliveries.Length == 0 ? End : Deliveries.Min(d => d.Day);
            for (var day = first; day <= End; day = day.PlusDays(1))
            {
                var today = day;
                yield return (day, [.. Deliveries.Where(d => d.Day == today).OrderBy(d => d.Order).Select(d => d.Event)]);
            }
        }

        public override string ToString() =>
            $"{Zone} to {End}: " + string.Join("; ", Deliveries.Select(d => $"{d.Event.Id} {d.Event.Account}/{d.Event.User}/{d.Event.Name}@{d.Event.At}x{d.Event.Quantity} on {d.Day}"));
    }
}
