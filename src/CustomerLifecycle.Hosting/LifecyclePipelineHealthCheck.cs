using CustomerLifecycle.HealthScoring;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NodaTime;

namespace CustomerLifecycle.Hosting;

/// <summary>
/// The pipeline's health: Unhealthy when its last successful run finished longer ago than
/// <see cref="LifecyclePipelineOptions.UnhealthyAfter"/> (or never did); Degraded when the last run failed, a shard of
/// today's run failed, or the health scoring options' last reload was rejected; Healthy otherwise. In shards, its data
/// says where today's shards stand: done, running (and by whom), failed, resumed, not claimed yet.
/// </summary>
public sealed class LifecyclePipelineHealthCheck(LifecyclePipeline pipeline, TimeProvider? time = null, HealthScorer? scorer = null) : IHealthCheck
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var runs = await pipeline.RecentRunsAsync(31, cancellationToken).ConfigureAwait(false);
        var now = Instant.FromDateTimeOffset(_time.GetUtcNow());
        var lastSuccess = runs.FirstOrDefault(r => r.Status == PipelineRunStatus.Succeeded);
        var data = new Dictionary<string, object>
        {
            ["pipeline"] = pipeline.Options.Name,
            ["last_success_date"] = lastSuccess?.Date.ToString("uuuu-MM-dd", null) ?? "never",
        };
        PipelineRunRecord? failedShard = null;
        if (pipeline.Options.Shards > 1)
        {
            var shards = await pipeline.ShardRunsAsync(null, cancellationToken).ConfigureAwait(false);
            data["shards"] = shards.Count;
            data["shards_succeeded"] = shards.Count(r => r?.Status == PipelineRunStatus.Succeeded);
            data["shards_running"] = string.Join(", ", shards.Select((r, i) => (r, i)).Where(x => x.r?.Status == PipelineRunStatus.Running).Select(x => $"{x.i} by {x.r!.Owner}"));
            data["shards_failed"] = shards.Count(r => r?.Status is PipelineRunStatus.Failed or PipelineRunStatus.Stopped);
            data["shards_resumed"] = shards.Count(r => r is { Claims: > 1 });
            data["shards_unclaimed"] = shards.Count(r => r is null);
            failedShard = shards.FirstOrDefault(r => r?.Status == PipelineRunStatus.Failed);
        }

        if (lastSuccess?.FinishedAt is not { } finished)
        {
            return HealthCheckResult.Unhealthy("The pipeline has not succeeded yet (no successful run in the ledger's last 31 dates).", data: data);
        }

        if ((now - finished).ToTimeSpan() > pipeline.Options.UnhealthyAfter)
        {
            return HealthCheckResult.Unhealthy($"The pipeline's last successful run (for {lastSuccess.Date:uuuu-MM-dd}) finished {(now - finished).TotalHours:0.#} hours ago, longer than {pipeline.Options.UnhealthyAfter.TotalHours:0.#} hours.", data: data);
        }

        if (runs.Count > 0 && runs[0].Status == PipelineRunStatus.Failed)
        {
            return HealthCheckResult.Degraded($"The pipeline's run for {runs[0].Date:uuuu-MM-dd} failed: {runs[0].Error}", data: data);
        }

        if (failedShard is not null)
        {
            return HealthCheckResult.Degraded($"Shard {failedShard.Pipeline[(failedShard.Pipeline.LastIndexOf('#') + 1)..]} of the pipeline's run for {failedShard.Date:uuuu-MM-dd} failed: {failedShard.Error}", data: data);
        }

        if (scorer?.LastRejectedReload is { } rejected)
        {
            return HealthCheckResult.Degraded($"The last reload of the health scoring options was rejected; the previous scorecards are in force. {string.Join(" ", rejected.Failures)}", data: data);
        }

        return HealthCheckResult.Healthy($"The pipeline last succeeded for {lastSuccess.Date:uuuu-MM-dd}.", data);
    }
}
