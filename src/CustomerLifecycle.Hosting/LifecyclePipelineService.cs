using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Hosting;

/// <summary>
/// Runs the pipeline every day at <see cref="LifecyclePipelineOptions.RunAt"/> in the business time zone (and at start
/// when the day's run is due and not done, with <see cref="LifecyclePipelineOptions.CatchUp"/>). A failed run is tried
/// again after a lease period, resuming at the failed step, until it succeeds or the next day's run is due; so is a run
/// that could not reach its ledger or stores (logged, event 5010), instead of stopping the host. A date another instance
/// holds is tried again when that instance's lease expires (a dead instance's date is taken over and resumed, event
/// 5011 while it waits), and so is a date whose claim this instance lost. Stopping the host stops the run at a safe
/// point.
/// </summary>
public sealed class LifecyclePipelineService(LifecyclePipeline pipeline, BusinessClock clock, TimeProvider? time = null, ILogger<LifecyclePipelineService>? logger = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = pipeline.Options;
        var runAt = options.RunAtTime;
        var today = Now().InZone(clock.Zone).Date;
        var due = options.CatchUp && PipelineSchedule.On(today, runAt, clock.Zone) <= Now();
        var (first, firstAt) = PipelineSchedule.NextAfter(Now(), runAt, clock.Zone);
        pipeline.LogStart(due
            ? $"runs each day at {options.RunAt}; {today.ToString("uuuu-MM-dd", null)} is due and runs now"
            : $"runs each day at {options.RunAt}; the next run is for {first.ToString("uuuu-MM-dd", null)} at {InstantPattern.ExtendedIso.Format(firstAt)}");
        if (due)
        {
            await RunUntilDoneAsync(today, stoppingToken).ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var (date, at) = PipelineSchedule.NextAfter(Now(), runAt, clock.Zone);
            PipelineTelemetry.Scheduled(_logger, options.Name, date.ToString("uuuu-MM-dd", null), InstantPattern.ExtendedIso.Format(at));
            await WaitUntilAsync(at, stoppingToken).ConfigureAwait(false);
            await RunUntilDoneAsync(date, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunUntilDoneAsync(LocalDate date, CancellationToken stoppingToken)
    {
        var next = PipelineSchedule.On(date.PlusDays(1), pipeline.Options.RunAtTime, clock.Zone);
        while (!stoppingToken.IsCancellationRequested)
        {
            var retry = Now() + Duration.FromTimeSpan(pipeline.Options.Lease);
            try
            {
                var result = await pipeline.RunAsync(date, stoppingToken).ConfigureAwait(false);
                if (result.Outcome is PipelineRunOutcome.Succeeded or PipelineRunOutcome.Skipped)
                {
                    return;
                }

                if (result is { Outcome: PipelineRunOutcome.HeldElsewhere, Run: { } held })
                {
                    // Just after the holder's lease: a live holder has renewed it by then (and is waited for again);
                    // a dead one's date is taken over and resumed after its last completed step.
                    retry = Instant.Max(held.LeaseUntil, Now()) + Duration.FromSeconds(1);
                }
            }
            catch (PipelineStepFailedException)
            {
                // Logged and recorded by the pipeline; tried again below.
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The ledger or a store could not be reached (a database restarting): not a reason to stop the host.
                // Logged, and tried again below; the health check turns Unhealthy if it lasts.
                PipelineTelemetry.RunError(_logger, e, pipeline.Options.Name, date.ToString("uuuu-MM-dd", null));
            }

            if (retry >= next)
            {
                return;
            }

            await WaitUntilAsync(retry, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task WaitUntilAsync(Instant at, CancellationToken stoppingToken)
    {
        // Waits in steps of at most a day, so a long wait follows the clock as it is, not as it was.
        while (Now() < at && !stoppingToken.IsCancellationRequested)
        {
            var wait = (at - Now()).ToTimeSpan();
            await Task.Delay(wait > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : wait, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    private Instant Now() => Instant.FromDateTimeOffset(_time.GetUtcNow());
}
