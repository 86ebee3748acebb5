using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>The pipeline's instruments and log events after a known day.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-telemetry-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AKnownDay_IsMeasuredAndLogged()
    {
        var logs = new FakeLogCollector();
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        await using var provider = Host(Path.Combine(_folder, "t.db"), time, services: s => s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs)));
        using var runs = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.pipeline.runs");
        using var steps = new MetricCollector<double>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.pipeline.step.duration");
        using var created = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.runs.created");
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();

        var result = await pipeline.RunAsync();
        await pipeline.RunAsync(); // the same date again: skipped

        Assert.Equal(["succeeded", "skipped"], runs.GetMeasurementSnapshot().Select(m => (string)m.Tags["customerlifecycle.pipeline.outcome"]!));
        Assert.Equal(pipeline.Steps, steps.GetMeasurementSnapshot().Select(m => (string)m.Tags["customerlifecycle.pipeline.step"]!));
        Assert.Equal(result.Run!.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"], created.GetMeasurementSnapshot().Sum(m => m.Value));

        var pipelineEvents = logs.GetSnapshot().Where(r => r.Category == typeof(LifecyclePipeline).FullName).Select(r => r.Id.Id).ToArray();
        Assert.Equal([5001, 5013, 5002, 5013, 5002, 5013, 5002, 5013, 5002, 5013, 5002, 5013, 5002, 5005, 5006], pipelineEvents);
        var health = logs.GetSnapshot().First(r => r.Id.Id == 5002 && r.Message.Contains("step health", StringComparison.Ordinal));
        Assert.StartsWith("Pipeline step health for 2026-12-02 completed in ", health.Message, StringComparison.Ordinal);
        Assert.EndsWith("red 20, yellow 0, green 40, unscored 0", health.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAMeterFactory_EachHostCountsOnItsOwnMeter_UnderTheSameNames()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        using var meters = new TestMeterFactory();
        using var others = new TestMeterFactory();
        await using var mine = Host(Path.Combine(_folder, "mine.db"), time, services: s => s.AddSingleton<System.Diagnostics.Metrics.IMeterFactory>(meters), usage: true);
        await using var theirs = Host(Path.Combine(_folder, "theirs.db"), time, services: s => s.AddSingleton<System.Diagnostics.Metrics.IMeterFactory>(others), usage: true);
        MetricCollector<long> Collect(TestMeterFactory factory, string instrument) => new(factory, CustomerLifecycleTelemetry.Name, instrument);
        using var runs = Collect(meters, "customerlifecycle.pipeline.runs");
        using var scored = Collect(meters, "customerlifecycle.health.accounts_scored");
        using var created = Collect(meters, "customerlifecycle.playbook.runs.created");
        using var events = Collect(meters, "customerlifecycle.usage.events");
        using var theirRuns = Collect(others, "customerlifecycle.pipeline.runs");

        // This host runs one date, the other two at the same time: each factory's meter sees its own host only.
        var day = new LocalDate(2026, 12, 2);
        var result = (await Task.WhenAll(
            mine.GetRequiredService<LifecyclePipeline>().RunAsync(day),
            Task.Run(async () =>
            {
                await theirs.GetRequiredService<LifecyclePipeline>().RunAsync(day.PlusDays(-1));
                return await theirs.GetRequiredService<LifecyclePipeline>().RunAsync(day);
            })))[0];

        Assert.Equal(1, runs.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(2, theirRuns.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(60, scored.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(result.Run!.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"], created.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(result.Run.Steps.Single(s => s.Step == "usage").Counts["events_accepted"], events.GetMeasurementSnapshot().Where(m => (string?)m.Tags["customerlifecycle.usage.outcome"] == "accepted").Sum(m => m.Value));
        Assert.All(meters.Created, m => Assert.Equal((CustomerLifecycleTelemetry.Name, CustomerLifecycleTelemetry.Version), (m.Name, m.Version)));
    }

    /// <summary>A host's meter factory: meters scoped to it, disposed with it.</summary>
    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public IReadOnlyList<System.Diagnostics.Metrics.Meter> Created
        {
            get
            {
                lock (_meters)
                {
                    return [.. _meters];
                }
            }
        }

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(new System.Diagnostics.Metrics.MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
            lock (_meters)
            {
                _meters.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}

/// <summary>The tests that listen to the meter run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
