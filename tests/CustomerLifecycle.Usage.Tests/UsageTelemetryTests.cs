using CustomerLifecycle.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>The usage events counter after a known ingestion.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class UsageTelemetryTests
{
    [Fact]
    public void IngestedEvents_AreCountedByOutcome()
    {
        var clock = new FakeClock(Instant.FromUtc(2026, 12, 2, 17, 0));
        var aggregator = new UsageAggregator(new UsageOptions { Signals = { ["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" } } }, new BusinessClock(clock, DateTimeZone.Utc));
        var yesterday = Instant.FromUtc(2026, 12, 1, 10, 0);
        var (acme, globex) = (new AccountId("acme"), new AccountId("globex"));
        using var events = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.usage.events");
        aggregator.Ingest(
        [
            new("e1", acme, "u1", "user.login", yesterday),
            new("e2", acme, "u2", "user.login", yesterday),
            new("e1", acme, "u1", "user.login", yesterday), // a duplicate
            new("e3", globex, "u1", "user.login", yesterday, double.NaN), // refused
            new("e4", globex, "u1", "report.exported", yesterday),
        ]);

        // The outcome counts of the call, one measurement each.
        var measured = events.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["customerlifecycle.usage.outcome"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, long> { ["accepted"] = 3, ["duplicate"] = 1, ["refused"] = 1 }, measured);
    }
}

/// <summary>The tests that listen to the meter run alone, so that no other test's events reach them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
