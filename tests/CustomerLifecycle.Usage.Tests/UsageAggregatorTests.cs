using CustomerLifecycle.Events;
using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

public sealed class UsageAggregatorTests
{
    private static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly AccountId Acme = new("acme");
    private static readonly AccountId Globex = new("globex");

    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 12, 2, 17, 0)); // noon in New York

    private UsageAggregator Create(Action<UsageOptions>? configure = null)
    {
        var options = new UsageOptions
        {
            Signals =
            {
                ["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" },
                ["active_users_30d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 30 },
                ["reports_7d"] = new() { Kind = UsageSignalKind.Count, Window = 7, Events = "report.*" },
                ["logins_trend"] = new() { Kind = UsageSignalKind.Change, Of = "logins_30d" },
                ["days_since_login"] = new() { Kind = UsageSignalKind.DaysSinceLast, Events = "user.login" },
                ["stickiness_30d"] = new() { Kind = UsageSignalKind.Stickiness, Window = 30 },
            },
        };
        configure?.Invoke(options);
        return new UsageAggregator(options, new BusinessClock(_clock, Zone));
    }

    private Instant DaysAgo(int days, int hour = 10) => _clock.GetCurrentInstant().InZone(Zone).Date.PlusDays(-days).At(new LocalTime(hour, 0)).InZoneLeniently(Zone).ToInstant();

    private static UsageEvent Event(string id, AccountId account, string user, string name, Instant at, double quantity = 1) => new(id, account, user, name, at, quantity);

    [Fact]
    public void Signals_CountTheWindowOfLocalDates_AndAnAccountWithNoEventsHasZeroCounts()
    {
        var usage = Create();
        var report = usage.Ingest(
        [
            Event("1", Acme, "ann", "user.login", DaysAgo(0)),
            Event("2", Acme, "bob", "user.login", DaysAgo(29)),
            Event("3", Acme, "ann", "user.login", DaysAgo(30)), // outside the 30 days: in the previous window
            Event("4", Acme, "ann", "report.exported", DaysAgo(6)),
            Event("5", Acme, "ann", "reports", DaysAgo(1)), // not report.*
        ]);
        Assert.Equal(5, report.Accepted);

        var signals = usage.Evaluate([Acme, Globex]);
        var acme = signals.SignalsOf(Acme);
        Assert.Equal(2, acme[new SignalKey("logins_30d")]);
        Assert.Equal(2, acme[new SignalKey("active_users_30d")]);
        Assert.Equal(1, acme[new SignalKey("reports_7d")]);
        Assert.Equal((2 - 1) / 1d, acme[new SignalKey("logins_trend")]);
        Assert.Equal(0, acme[new SignalKey("days_since_login")]);

        // Days with users: ann on 3 dates, bob on 1, over 30 days, divided by the 2 users of the window.
        Assert.Equal((3 + 1) / 30d / 2, acme[new SignalKey("stickiness_30d")]!.Value, 12);

        // Known zeros for counts; ratios and recency missing.
        var globex = signals.SignalsOf(Globex);
        Assert.Equal(0, globex[new SignalKey("logins_30d")]);
        Assert.Equal(0, globex[new SignalKey("active_users_30d")]);
        Assert.False(globex.TryGetValue(new SignalKey("logins_trend"), out _));
        Assert.False(globex.TryGetValue(new SignalKey("days_since_login"), out _));
        Assert.False(globex.TryGetValue(new SignalKey("stickiness_30d"), out _));
    }

    [Fact]
    public void BadEvents_AreRefusedOneByOne_WithTheFieldValueAndRule_AndTheRestApplied()
    {
        var usage = Create();
        var report = usage.Ingest(
        [
            Event(" ", Acme, "ann", "user.login", DaysAgo(0)),
            Event("2", default, "ann", "user.login", DaysAgo(0)),
            Event("3", Acme, "", "user.login", DaysAgo(0)),
            Event("4", Acme, "ann", "User Login", DaysAgo(0)),
            Event("5", Acme, "ann", "user.login", DaysAgo(0), double.NaN),
            Event("6", Acme, "ann", "user.login", DaysAgo(0), -1),
            Event("7", Acme, "ann", "user.login", DaysAgo(0), double.PositiveInfinity),
            Event("8", Acme, "ann", "user.login", _clock.GetCurrentInstant() + Duration.FromMinutes(6)),
            Event("9", Acme, "ann", "user.login", DaysAgo(usage.KeptDays)),
            Event("10", Acme, "ann", "user.login", DaysAgo(0)),
            Event("10", Acme, "ann", "user.login", DaysAgo(0)),
            Event("11", Acme, "ann", "user.login", _clock.GetCurrentInstant() + Duration.FromMinutes(5)),
            Event("12", Acme, "ann", "user.login", DaysAgo(usage.KeptDays - 1, hour: 0)),
        ]);

        Assert.Equal(3, report.Accepted);
        Assert.Equal(1, report.Duplicates);
        Assert.Equal("3 accepted, 1 duplicate ignored, 9 refused", report.ToString());
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8], report.Refused.Select(r => r.Index));
        Assert.Contains("Id is blank", report.Refused[0].Reason);
        Assert.Contains("Account is default", report.Refused[1].Reason);
        Assert.Contains("User is blank", report.Refused[2].Reason);
        Assert.Contains("Name 'User Login' is invalid", report.Refused[3].Reason);
        Assert.Contains("Quantity NaN must be a finite number from 0 to 1E+290", report.Refused[4].Reason);
        Assert.Contains("Quantity -1", report.Refused[5].Reason);
        Assert.Contains("Quantity Infinity", report.Refused[6].Reason);
        Assert.Contains("is in the future", report.Refused[7].Reason);
        Assert.Contains("before the oldest kept day", report.Refused[8].Reason);
        Assert.Equal("9", report.Refused[8].Id);
        Assert.Equal(2, usage.Evaluate([Acme]).SignalsOf(Acme)[new SignalKey("logins_30d")]);
    }

    [Fact]
    public void DaysSinceLast_RemembersTheLatestEvent_AfterItsDayLeavesTheKeptDays()
    {
        var usage = Create(o => o.LatenessDays = 0);
        usage.Ingest([Event("1", Acme, "ann", "user.login", DaysAgo(3))]);
        _clock.AdvanceDays(200);
        var signals = usage.Evaluate([Acme]).SignalsOf(Acme);
        Assert.Equal(203, signals[new SignalKey("days_since_login")]);
        Assert.Equal(0, signals[new SignalKey("logins_30d")]);
        Assert.Equal(0, signals[new SignalKey("active_users_30d")]);
    }

    [Fact]
    public void Milestones_AreFoundOnce_AlsoAfterASaveAndLoad_AndADropRearmsOnlyAfterRecovering()
    {
        UsageAggregator Build() => Create(o =>
        {
            o.FeatureCatalog.AddRange(["user.login", "report.exported"]);
            o.Milestones["active_users_30d"] = [2, 3];
            o.Drops["logins_trend"] = -0.5;
        });
        var usage = Build();
        usage.Ingest(
        [
            Event("1", Acme, "ann", "user.login", DaysAgo(40)),
            Event("2", Acme, "bob", "user.login", DaysAgo(35)),
            Event("3", Acme, "cy", "user.login", DaysAgo(31)),
            Event("4", Acme, "ann", "user.login", DaysAgo(1)),
            Event("5", Acme, "bob", "report.viewed", DaysAgo(1)), // not in the catalog
        ]);

        // Logins went from 3 (the previous 30 days) to 1: a change of -2/3, below -0.5.
        var first = usage.Evaluate([Acme]).Milestones;
        Assert.Equal(
            ["feature_adopted user.login", "usage_dropped logins_trend -67 %, below -50 %", "usage_milestone active_users_30d reached 2"],
            first.Select(m => $"{m.Type.Name} {m.Note}").Order());
        Assert.All(first, m => Assert.Equal(Acme, m.Account));
        Assert.Equal(-2 / 3d, first.Single(m => m.Type == LifecycleEventType.UsageDropped).Value!.Value, 12);
        Assert.Equal("usage:feature_adopted:acme:user.login", first.Single(m => m.Type == LifecycleEventType.FeatureAdopted).Id);

        // Found once: not again after a save and load.
        using var saved = new MemoryStream();
        usage.SaveState(saved);
        saved.Position = 0;
        var restored = Build();
        restored.LoadState(saved);
        Assert.Empty(restored.Evaluate([Acme]).Milestones);

        // Still dropped the next day: nothing new. Recovered, then dropped again: a second drop.
        _clock.AdvanceDays(1);
        Assert.Empty(restored.Evaluate([Acme]).Milestones);
        restored.Ingest([Event("6", Acme, "ann", "user.login", DaysAgo(0)), Event("7", Acme, "ann", "user.login", DaysAgo(0, 11))]);
        Assert.Empty(restored.Evaluate([Acme]).Milestones);
        _clock.AdvanceDays(30);
        Assert.Equal(LifecycleEventType.UsageDropped, Assert.Single(restored.Evaluate([Acme]).Milestones).Type);
    }

    [Fact]
    public void Columns_AreIngestedLikeEvents_AndBadEntriesRefusedWithTheirIndex()
    {
        var byEvents = Create();
        var byColumns = Create();
        byEvents.Ingest(
        [
            Event("1", Acme, "ann", "user.login", DaysAgo(0)),
            Event("2", Globex, "bob", "report.exported", DaysAgo(3), 4),
            Event("3", Acme, "bob", "user.login", DaysAgo(2)),
        ]);
        var report = byColumns.Ingest(new UsageEventColumns(
            [Acme, Globex, default],
            ["ann", "bob", " "],
            ["user.login", "report.exported", "Bad"],
            account: [0, 1, 0, 2, 0, 0, 7],
            user: [0, 1, 1, 0, 2, 0, 0],
            name: [0, 1, 0, 0, 0, 2, 0],
            at: [DaysAgo(0), DaysAgo(3), DaysAgo(2), DaysAgo(0), DaysAgo(0), DaysAgo(0), DaysAgo(0)],
            quantity: [1, 4, 1, 1, 1, 1, 1]));

        Assert.Equal(3, report.Accepted);
        Assert.Equal([3L, 4, 5, 6], report.Refused.Select(r => r.Index));
        Assert.Contains("Account at index 2 is default", report.Refused[0].Reason);
        Assert.Contains("User at index 2 is blank", report.Refused[1].Reason);
        Assert.Contains("Name 'Bad' is invalid", report.Refused[2].Reason);
        Assert.Contains("Account index 7 is outside the account table (0 to 2)", report.Refused[3].Reason);
        Assert.Equal(2, byColumns.AccountCount); // a refused event adds no account

        var a = byEvents.Evaluate([Acme, Globex]);
        var b = byColumns.Evaluate([Acme, Globex]);
        foreach (var key in a.Matrix.Columns)
        {
            Assert.Equal(a.Matrix.GetColumn(key).ToArray(), b.Matrix.GetColumn(key).ToArray());
        }

        Assert.Throws<ArgumentException>(() => new UsageEventColumns([Acme], ["ann"], ["user.login"], [0, 0], [0], [0], [DaysAgo(0)]));
    }

    [Fact]
    public void AClockThatGoesBack_IsAnError_NotAWrongWindow()
    {
        var usage = Create();
        usage.Evaluate();
        _clock.AdvanceDays(-5);
        var e = Assert.Throws<InvalidOperationException>(() => usage.Evaluate());
        Assert.Contains("today, 2026-11-27, is before 2026-12-02", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not a CustomerLifecycle usage state")]
    [InlineData(new byte[] { 0x43, 0x4C, 0x55, 0x53, 0x41, 0x47, 0x45, 0x0A, 9, 0, 0, 0 }, "format 9, written by a newer version")]
    [InlineData(new byte[] { 0x43, 0x4C, 0x55, 0x53, 0x41, 0x47, 0x45, 0x0A, 1, 0, 0, 0 }, "truncated")]
    public void AForeignNewerOrTruncatedState_IsRefused_AndTheStateKept(byte[] bytes, string message)
    {
        var usage = Create();
        usage.Ingest([Event("1", Acme, "ann", "user.login", DaysAgo(0))]);
        var e = Assert.Throws<InvalidDataException>(() => usage.LoadState(new MemoryStream(bytes)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(1, usage.Evaluate([Acme]).SignalsOf(Acme)[new SignalKey("logins_30d")]);
    }

    [Fact]
    public void ADamagedState_IsRefusedByItsChecksum_AndOneWrittenUnderOtherDefinitionsByItsFingerprint()
    {
        var usage = Create();
        usage.Ingest([Event("1", Acme, "ann", "user.login", DaysAgo(0)), Event("2", Globex, "bob", "report.exported", DaysAgo(2))]);
        using var saved = new MemoryStream();
        usage.SaveState(saved);
        var bytes = saved.ToArray();

        // Every single flipped byte after the header is caught, by a check or by the checksum.
        for (var i = 12; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x5A;
            Assert.Throws<InvalidDataException>(() => Create().LoadState(new MemoryStream(damaged)));
        }

        var other = Create(o => o.Signals["logins_30d"].Window = 28);
        var e = Assert.Throws<InvalidDataException>(() => other.LoadState(new MemoryStream(bytes)));
        Assert.Contains("other usage definitions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_IsBoundStrictly_AndEveryErrorNamesItsKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CustomerLifecycle:Usage:Signals:logins_30d:Kind"] = "Count",
            ["CustomerLifecycle:Usage:Signals:logins_30d:Window"] = "0",
            ["CustomerLifecycle:Usage:Signals:logins_30d:Events"] = "user.*.x",
            ["CustomerLifecycle:Usage:Signals:trend:Kind"] = "Change",
            ["CustomerLifecycle:Usage:Signals:trend:Of"] = "nothing",
            ["CustomerLifecycle:Usage:Signals:Bad Name:Kind"] = "Sum",
            ["CustomerLifecycle:Usage:Signals:Bad Name:Window"] = "7",
            ["CustomerLifecycle:Usage:Signals:since:Kind"] = "DaysSinceLast",
            ["CustomerLifecycle:Usage:Signals:since:Window"] = "7",
            ["CustomerLifecycle:Usage:Signals:x:Kind"] = "Median",
            ["CustomerLifecycle:Usage:Drops:since"] = "-0.5",
            ["CustomerLifecycle:Usage:Milestones:nope:0"] = "5",
            ["CustomerLifecycle:Usage:LatenessDays"] = "-1",
        }).Build();
        var services = new ServiceCollection();
        services.AddCustomerLifecycle().AddUsage(configuration.GetSection("CustomerLifecycle:Usage"));
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<UsageAggregator>());
        var text = string.Join("\n", e.Failures);
        Assert.Contains("CustomerLifecycle:Usage:Signals:logins_30d:Window: 0", text);
        Assert.Contains("CustomerLifecycle:Usage:Signals:logins_30d:Events: 'user.*.x' is not an event filter", text);
        Assert.Contains("CustomerLifecycle:Usage:Signals:trend:Of: 'nothing' is not a usage signal", text);
        Assert.Contains("CustomerLifecycle:Usage:Signals:Bad Name: 'Bad Name' is not a signal name", text);
        Assert.Contains("CustomerLifecycle:Usage:Signals:since:Window: DaysSinceLast takes no window", text);
        Assert.Contains("CustomerLifecycle:Usage:Signals:x:Kind", text);
        Assert.Contains("CustomerLifecycle:Usage:Drops:since: 'since' is not a Change", text);
        Assert.Contains("CustomerLifecycle:Usage:Milestones:nope: 'nope' is not a usage signal", text);
        Assert.Contains("CustomerLifecycle:Usage:LatenessDays: -1", text);
    }

    [Fact]
    public void AddUsage_InCode_GivesOneAggregatorOnTheBusinessClock()
    {
        var services = new ServiceCollection();
        services.AddCustomerLifecycle(o => o.TimeZone = "America/New_York")
                .UseClock(_clock)
                .AddUsage(u => u.Count("logins_30d", 30, "user.login").ActiveUsers("active_users_30d", 30).Change("logins_trend", of: "logins_30d").Drop("logins_trend", below: -0.5));
        using var provider = services.BuildServiceProvider();
        var usage = provider.GetRequiredService<UsageAggregator>();
        Assert.Same(usage, provider.GetRequiredService<UsageAggregator>());
        Assert.Equal(["active_users_30d", "logins_30d", "logins_trend"], usage.Signals.Select(s => s.Name));
        usage.Ingest([Event("1", Acme, "ann", "user.login", DaysAgo(0, hour: 0))]);
        Assert.Equal(new LocalDate(2026, 12, 2), usage.Evaluate().AsOf);
        Assert.Equal(1, usage.Evaluate().SignalsOf(Acme)[new SignalKey("logins_30d")]);
    }

    [Fact]
    public async Task IngestAsync_AppliesTheEventsBeforeACancellation_EachWhole()
    {
        var usage = Create();
        using var cts = new CancellationTokenSource();
        async IAsyncEnumerable<UsageEvent> Stream()
        {
            yield return Event("1", Acme, "ann", "user.login", DaysAgo(0));
            yield return Event("2", Acme, "bob", "user.login", DaysAgo(0));
            await cts.CancelAsync();
            yield return Event("3", Acme, "cy", "user.login", DaysAgo(0));
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => usage.IngestAsync(Stream(), cts.Token));
        Assert.Equal(2, usage.Evaluate([Acme]).SignalsOf(Acme)[new SignalKey("logins_30d")]);

        // Sending the whole batch again applies only the missing event.
        var report = await usage.IngestAsync(Stream(), CancellationToken.None);
        Assert.Equal((1L, 2L), (report.Accepted, report.Duplicates));
        Assert.Equal("1 accepted, 2 duplicates ignored, 0 refused", report.ToString());
    }
}
