using CustomerLifecycle.HealthScoring;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>What an operator sees of a known day: the engine's counters, its log events and their ids.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task AKnownDay_IsCountedAndLogged()
    {
        // A playbook id of its own, so that measurements of other tests cannot mix in.
        var id = "telemetry-" + Guid.NewGuid().ToString("N")[..8];
        var playbook = new Playbook(id, "Save", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Call"), Step("Plan", 7)]);
        using var created = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.runs.created");
        using var cancelled = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.runs.cancelled");
        using var handedOff = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.handoffs");
        using var failed = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.handoff.failures");
        using var duration = new MetricCollector<double>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.playbook.evaluation.duration");
        var logger = new FakeLogger<PlaybookEngine>();
        var engine = new PlaybookEngine([playbook], new InMemoryPlaybookRunStore(), Clock(), [new FailingOnTitle("Plan")], logger: logger);

        // Day 0: three accounts turn Red: three runs, six tasks, the three "Plan" tasks fail.
        await engine.EvaluateAsync(Portfolio(Day0, Snap("a", HealthColor.Red), Snap("b", HealthColor.Red), Snap("c", HealthColor.Red), Snap("d", HealthColor.Green)));

        // Day 1: one recovers (its run is cancelled); the failed tasks of the others are retried and fail again.
        await engine.EvaluateAsync(Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Green), Snap("b", HealthColor.Red), Snap("c", HealthColor.Red), Snap("d", HealthColor.Green)));

        long Sum(MetricCollector<long> c) => c.GetMeasurementSnapshot().Where(m => Equals(m.Tags["customerlifecycle.playbook"], id)).Sum(m => m.Value);
        Assert.Equal(3, Sum(created));
        Assert.Equal(1, Sum(cancelled));
        Assert.Equal(3, Sum(handedOff));
        Assert.Equal(3 + 2, Sum(failed));
        Assert.True(duration.GetMeasurementSnapshot().Count >= 2);

        var records = logger.Collector.GetSnapshot();
        var evaluated = records.Where(r => r.Id.Id == 3001).ToArray();
        Assert.Equal(2, evaluated.Length);
        Assert.All(evaluated, r => Assert.Equal(LogLevel.Information, r.Level));
        Assert.StartsWith("Playbooks evaluated for 2026-11-02: 4 accounts, 3 runs created, 0 suppressed, 0 cancelled, 3 tasks handed off, 3 hand-off failures", evaluated[0].Message, StringComparison.Ordinal);
        var failures = records.Where(r => r.Id.Id == 3002).ToArray();
        Assert.Equal(5, failures.Length);
        Assert.All(failures, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.IsType<InvalidOperationException>(failures[0].Exception);
        Assert.Contains($"(playbook {id}, account ", failures[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedMassCancellation_IsLoggedAsAnError()
    {
        var logger = new FakeLogger<PlaybookEngine>();
        var engine = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock(), logger: logger);
        var red = Enumerable.Range(0, 20).Select(i => Snap("a" + i, HealthColor.Red)).ToArray();
        await engine.EvaluateAsync(Portfolio(Day0, red));
        await Assert.ThrowsAsync<MassCancellationException>(() => engine.EvaluateAsync(Portfolio(Day0.PlusDays(1), [.. red.Select(s => Snap(s.Account.Id.Value, HealthColor.Green))])));
        var refused = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 3004);
        Assert.Equal(LogLevel.Error, refused.Level);
        Assert.Equal("The evaluation of 2026-11-03 would cancel 20 of 20 open runs, more than the allowed share 0.5; nothing was changed", refused.Message);
    }

    private sealed class FailingOnTitle(string title) : IPlaybookTaskHandler
    {
        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken) =>
            task.Title == title ? throw new InvalidOperationException("The CRM refused the task.") : ValueTask.CompletedTask;
    }
}

/// <summary>The tests that listen to the meter run alone, so that no other test's measurements reach them and their listeners reach no allocation test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
