using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.Hosting;

/// <summary>The pipeline's instruments (docs/observability.md lists them), on the host's meter or the shared one.</summary>
internal sealed class PipelineMetrics
{
    public PipelineMetrics(IMeterFactory? meterFactory)
    {
        var meter = CustomerLifecycleTelemetry.CreateMeter(meterFactory);
        StepDuration = meter.CreateHistogram<double>("customerlifecycle.pipeline.step.duration", "s", "How long a pipeline step's successful attempt took.");
        StepFailures = meter.CreateCounter<long>("customerlifecycle.pipeline.step.failures", "{attempt}", "Pipeline step attempts that failed (retried, or failing the run).");
        Runs = meter.CreateCounter<long>("customerlifecycle.pipeline.runs", "{run}", "Pipeline runs, by outcome: succeeded, failed, stopped, skipped, lease_lost.");
    }

    /// <summary>The instruments on the process's shared meter, for pipelines without a meter factory.</summary>
    public static PipelineMetrics Shared { get; } = new(null);

    /// <summary>The instruments on <paramref name="meterFactory"/>'s meter, or the shared ones when there is none.</summary>
    public static PipelineMetrics For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory);

    public Histogram<double> StepDuration { get; }

    public Counter<long> StepFailures { get; }

    public Counter<long> Runs { get; }
}

/// <summary>The pipeline's spans and log events (docs/observability.md lists them).</summary>
internal static partial class PipelineTelemetry
{
    public const string StepTag = "customerlifecycle.pipeline.step";

    public const string OutcomeTag = "customerlifecycle.pipeline.outcome";

    public const string ShardTag = "customerlifecycle.pipeline.shard";

    public static readonly ActivitySource Source = new(CustomerLifecycleTelemetry.Name, CustomerLifecycleTelemetry.Version);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Pipeline {Pipeline} runs {Date} (claim {Claims}; {Completed} steps already completed)")]
    public static partial void Started(ILogger logger, string pipeline, string date, int claims, int completed);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Pipeline step {Step} for {Date} completed in {ElapsedMs} ms: {Counts}")]
    public static partial void StepCompleted(ILogger logger, string step, string date, long elapsedMs, string counts);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Pipeline step {Step} for {Date} failed (attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs} ms")]
    public static partial void StepRetrying(ILogger logger, Exception error, string step, string date, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Pipeline {Pipeline} failed for {Date} at step {Step} after {Attempts} attempt(s); the next run of the date resumes at this step")]
    public static partial void Failed(ILogger logger, Exception error, string pipeline, string date, string step, int attempts);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Pipeline {Pipeline} succeeded for {Date}")]
    public static partial void Succeeded(ILogger logger, string pipeline, string date);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Pipeline {Pipeline} skipped {Date}: it already succeeded")]
    public static partial void Skipped(ILogger logger, string pipeline, string date);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Pipeline {Pipeline} did not run {Date}: instance {Holder} holds it until {LeaseUntil}; the date is tried again once that lease expires")]
    public static partial void HeldElsewhere(ILogger logger, string pipeline, string date, string holder, string leaseUntil);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Pipeline {Pipeline} stopped for {Date}; the next run of the date resumes after its last completed step")]
    public static partial void Stopped(ILogger logger, string pipeline, string date);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Pipeline {Pipeline} lost its claim on {Date} after step {Step} (its lease expired and another instance took the date over); it stopped")]
    public static partial void LeaseLost(ILogger logger, string pipeline, string date, string step);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Pipeline {Pipeline} could not run {Date} (its ledger or a store failed); it tries again after a lease period")]
    public static partial void RunError(ILogger logger, Exception error, string pipeline, string date);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information, Message = "Pipeline {Pipeline} for {Date}: {Pending} of {Count} shards not done yet ({Shards}); their holders, or this instance once their leases expire, finish them, and the last to finish runs the portfolio-wide steps")]
    public static partial void ShardsPending(ILogger logger, string pipeline, string date, int pending, int count, string shards);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "Pipeline {Run}: step {Step} for {Date} started (attempt {Attempt})")]
    public static partial void StepStarted(ILogger logger, string run, string step, string date, int attempt);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "Pipeline {Pipeline} started: business dates in {Zone}; {Schedule}; {Shards} shard(s), {Concurrency} at a time; ledger {Ledger}, state store {States}; steps {Steps}")]
    public static partial void Configured(ILogger logger, string pipeline, string zone, string schedule, int shards, int concurrency, string ledger, string states, string steps);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Warning, Message = "Scorecard {Scorecard} v{Version} measured none of its factors for the {Accounts} accounts it scored: they carry none of the signals it reads ({Signals}). Their scores are missing or imputed; give the accounts those signals, or choose a scorecard that reads theirs (HealthScorer.Coverage lists both). Said once per scorecard")]
    public static partial void BlindScorecard(ILogger logger, string scorecard, int version, int accounts, string signals);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Pipeline {Pipeline}: next run for {Date} at {At}")]
    public static partial void Scheduled(ILogger logger, string pipeline, string date, string at);
}
