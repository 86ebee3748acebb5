using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.Playbooks;

/// <summary>The playbook engine's instruments (docs/observability.md lists them), on the host's meter or the shared one.</summary>
internal sealed class PlaybooksMetrics
{
    public PlaybooksMetrics(IMeterFactory? meterFactory)
    {
        var meter = CustomerLifecycleTelemetry.CreateMeter(meterFactory);
        RunsCreated = meter.CreateCounter<long>("customerlifecycle.playbook.runs.created", "{run}", "Playbook runs created.");
        RunsSuppressed = meter.CreateCounter<long>("customerlifecycle.playbook.runs.suppressed", "{run}", "Playbook runs refused by a cooldown or a cap.");
        RunsCancelled = meter.CreateCounter<long>("customerlifecycle.playbook.runs.cancelled", "{run}", "Open playbook runs cancelled because their reason went away.");
        HandOffs = meter.CreateCounter<long>("customerlifecycle.playbook.handoffs", "{task}", "Tasks every handler accepted.");
        HandOffFailures = meter.CreateCounter<long>("customerlifecycle.playbook.handoff.failures", "{task}", "Task hand-offs a handler failed; the task is retried.");
        EvaluationDuration = meter.CreateHistogram<double>("customerlifecycle.playbook.evaluation.duration", "s", "How long a playbook evaluation took, hand-off included.");
    }

    /// <summary>The instruments on the process's shared meter, for engines not made by dependency injection.</summary>
    public static PlaybooksMetrics Shared { get; } = new(null);

    /// <summary>The instruments on <paramref name="meterFactory"/>'s meter, or the shared ones when there is none.</summary>
    public static PlaybooksMetrics For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory);

    public Counter<long> RunsCreated { get; }

    public Counter<long> RunsSuppressed { get; }

    public Counter<long> RunsCancelled { get; }

    public Counter<long> HandOffs { get; }

    public Counter<long> HandOffFailures { get; }

    public Histogram<double> EvaluationDuration { get; }
}

/// <summary>The playbook engine's span and log events (docs/observability.md lists them).</summary>
internal static partial class PlaybooksTelemetry
{
    public static readonly ActivitySource Source = new(CustomerLifecycleTelemetry.Name, CustomerLifecycleTelemetry.Version);

    public const string PlaybookTag = "customerlifecycle.playbook";

    public const string ReasonTag = "customerlifecycle.reason";

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Playbooks evaluated for {Date}: {Accounts} accounts, {Created} runs created, {Suppressed} suppressed, {Cancelled} cancelled, {HandedOff} tasks handed off, {Failures} hand-off failures, in {ElapsedMs} ms")]
    public static partial void Evaluated(ILogger logger, string date, int accounts, int created, int suppressed, int cancelled, int handedOff, int failures, long elapsedMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Handing off task {TaskId} (playbook {PlaybookId}, account {Account}) failed; it stays pending and is retried by the next evaluation")]
    public static partial void HandOffFailed(ILogger logger, Exception error, string taskId, string playbookId, string account);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Count} runs of playbook {PlaybookId} were not started: {Reason}")]
    public static partial void Suppressed(ILogger logger, int count, string playbookId, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "The evaluation of {Date} would cancel {Cancel} of {Open} open runs, more than the allowed share {Share}; nothing was changed")]
    public static partial void MassCancellationRefused(ILogger logger, string date, int cancel, int open, double share);
}
