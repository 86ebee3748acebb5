using NodaTime;

namespace CustomerLifecycle;

/// <summary>The pipeline ledger in memory: for tests and single-instance hosts that may lose it when they stop. Thread-safe.</summary>
public sealed class InMemoryPipelineRunStore : IPipelineRunStore
{
    private readonly object _lock = new();
    private readonly Dictionary<(string, LocalDate), PipelineRunRecord> _runs = [];

    /// <inheritdoc />
    public ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default)
    {
        PipelineLedger.Check(pipeline, owner);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _runs.TryGetValue((pipeline, date), out var run);
            if (!PipelineLedger.MayClaim(run, owner, now, rerun))
            {
                return new((PipelineRunRecord?)null);
            }

            var claimed = PipelineLedger.Claim(run, pipeline, date, owner, now, lease);
            _runs[(pipeline, date)] = claimed;
            return new(claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue((pipeline, date), out var run) || !PipelineLedger.Holds(run, owner, now))
            {
                return new(false);
            }

            _runs[(pipeline, date)] = run.WithStep(step) with { LeaseUntil = now + lease };
            return new(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default)
    {
        PipelineLedger.CheckFinish(status);
        lock (_lock)
        {
            if (!_runs.TryGetValue((pipeline, date), out var run) || run.Owner != owner || run.Status != PipelineRunStatus.Running)
            {
                return new(false);
            }

            _runs[(pipeline, date)] = run with { Status = status, FinishedAt = at, LeaseUntil = at, Error = status == PipelineRunStatus.Succeeded ? null : error };
            return new(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_runs.GetValueOrDefault((pipeline, date)));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_lock)
        {
            return new([.. _runs.Values.Where(r => r.Pipeline == pipeline).OrderByDescending(r => r.Date).Take(limit)]);
        }
    }
}

/// <summary>The ledger's rules, shared by every store so they decide alike.</summary>
public static class PipelineLedger
{
    /// <summary>
    /// Whether <paramref name="owner"/> may claim a run: it is new, failed or stopped, already the owner's, or its
    /// holder's lease expired; once it succeeded, only to run it again (<paramref name="rerun"/>).
    /// </summary>
    /// <param name="run">The run, or null when there is none yet.</param>
    /// <param name="owner">Who claims.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="rerun">Whether a run that succeeded may be claimed again.</param>
    /// <returns>True when the claim may proceed.</returns>
    public static bool MayClaim(PipelineRunRecord? run, string owner, Instant now, bool rerun = false) => run is null || run.Status switch
    {
        PipelineRunStatus.Succeeded => rerun,
        PipelineRunStatus.Running => run.Owner == owner || run.LeaseUntil <= now,
        _ => true,
    };

    /// <summary>
    /// The run as <paramref name="owner"/> holds it after a claim that <see cref="MayClaim"/> allowed: running, leased
    /// until <paramref name="now"/> + <paramref name="lease"/>; a new run is claim 1, another owner's (or a failed or
    /// stopped run) one claim more, the holder's own renewal the same claim.
    /// </summary>
    /// <param name="run">The run, or null when there is none yet.</param>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="date">The business date.</param>
    /// <param name="owner">Who claims.</param>
    /// <param name="now">The current instant.</param>
    /// <param name="lease">The lease.</param>
    /// <returns>The claimed run, to store.</returns>
    public static PipelineRunRecord Claim(PipelineRunRecord? run, string pipeline, LocalDate date, string owner, Instant now, Duration lease) => run is null
        ? new PipelineRunRecord(pipeline, date, PipelineRunStatus.Running, owner, now + lease, now, null, 1, [], null)
        : run with { Status = PipelineRunStatus.Running, Owner = owner, LeaseUntil = now + lease, Claims = run.Owner == owner && run.Status == PipelineRunStatus.Running ? run.Claims : run.Claims + 1 };

    /// <summary>Whether <paramref name="owner"/> holds a running run now.</summary>
    /// <param name="run">The run.</param>
    /// <param name="owner">The owner.</param>
    /// <param name="now">The current instant.</param>
    /// <returns>True when it does.</returns>
    public static bool Holds(PipelineRunRecord run, string owner, Instant now)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Status == PipelineRunStatus.Running && run.Owner == owner && now < run.LeaseUntil;
    }

    /// <summary>Checks a pipeline name and an owner.</summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="owner">The owner.</param>
    /// <exception cref="ArgumentException">Either is null or blank.</exception>
    public static void Check(string pipeline, string owner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pipeline);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
    }

    /// <summary>Checks how a run ends.</summary>
    /// <param name="status">Succeeded, failed or stopped.</param>
    /// <exception cref="ArgumentOutOfRangeException">The status is <see cref="PipelineRunStatus.Running"/> or unknown.</exception>
    public static void CheckFinish(PipelineRunStatus status)
    {
        if (status is not (PipelineRunStatus.Succeeded or PipelineRunStatus.Failed or PipelineRunStatus.Stopped))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A run ends as Succeeded, Failed or Stopped.");
        }
    }
}
