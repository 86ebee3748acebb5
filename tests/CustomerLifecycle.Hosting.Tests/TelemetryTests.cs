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
        Assert.Equal([5001, 5002, 5002, 5002, 5002, 5002, 5002, 5005, 5006], pipelineEvents);
        var health = logs.GetSnapshot().First(r => r.Id.Id == 5002 && r.Message.Contains("step health", StringComparison.Ordinal));
        Assert.StartsWith("Pipeline step health for 2026-12-02 completed in ", health.Message, StringComparison.Ordinal);
        Assert.EndsWith("red 20, yellow 0, green 40, unscored 0", health.Message, StringComparison.Ordinal);
    }
}

/// <summary>The tests that listen to the meter run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
