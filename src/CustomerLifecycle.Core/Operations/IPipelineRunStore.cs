using NodaTime;

namespace CustomerLifecycle;

/// <summary>
/// The ledger of a daily pipeline's runs, one per pipeline and business date, shared by every instance of a host: who
/// holds a date's run (a lease, renewed at each step), which steps it completed, and how it ended. The pipeline in
/// <c>CustomerLifecycle.Hosting</c> uses it so that one instance runs a date while the others wait, and a run that
/// stopped resumes after its last completed step. Implementations make each call atomic across processes.
/// </summary>
public interface IPipelineRunStore
{
    /// <summary>
    /// Claims a date's run for <paramref name="owner"/>, or renews the owner's claim. Succeeds when the run is new, or
    /// failed, or held by the same owner, or held by another whose lease expired, or (with <paramref name="rerun"/>) it
    /// succeeded; then the run is the owner's until <paramref name="now"/> + <paramref name="lease"/>, with the steps it
    /// completed before (a step completed again replaces its record, in its place). Fails (null) when another owner
    /// holds an unexpired lease, or the run succeeded and this is no rerun.
    /// </summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="date">The business date.</param>
    /// <param name="owner">Who claims (one instance's run).</param>
    /// <param name="now">The current instant, in real time.</param>
    /// <param name="lease">How long the claim lasts unless renewed.</param>
    /// <param name="rerun">Whether to claim a run that succeeded, to run the date again.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The run as the owner now holds it, with the steps completed so far (by any owner); null when it may not proceed.</returns>
    ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default);

    /// <summary>Records a completed step and renews the lease, only while <paramref name="owner"/> holds the run.</summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="date">The business date.</param>
    /// <param name="owner">The holder.</param>
    /// <param name="step">The step.</param>
    /// <param name="now">The current instant, in real time.</param>
    /// <param name="lease">The renewed lease.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the owner no longer holds the run (its lease expired and another claimed it): it must stop.</returns>
    ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the holder's run: succeeded (no one runs the date again), failed (the next claim resumes it after its last
    /// completed step), or stopped (cancelled at a safe point; the lease is released, the run stays resumable).
    /// </summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="date">The business date.</param>
    /// <param name="owner">The holder.</param>
    /// <param name="status">How it ended: <see cref="PipelineRunStatus.Succeeded"/>, <see cref="PipelineRunStatus.Failed"/> or <see cref="PipelineRunStatus.Stopped"/>.</param>
    /// <param name="error">What failed, for a failed run.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>False when the owner no longer held the run.</returns>
    ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default);

    /// <summary>
    /// One date's run as the ledger has it (with its holder, lease and steps), or null when the date was never claimed:
    /// how an instance whose claim was refused tells "another instance holds it, until its lease" from "it succeeded".
    /// </summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="date">The business date.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The run, or null.</returns>
    ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default);

    /// <summary>The latest runs of a pipeline, newest date first, with their steps.</summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="limit">The most to return; 1 or more.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The runs.</returns>
    ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Where a pipeline run stands.</summary>
public enum PipelineRunStatus
{
    /// <summary>Claimed and running (or its holder stopped without a word; its lease then expires).</summary>
    Running = 0,

    /// <summary>Every step completed.</summary>
    Succeeded = 1,

    /// <summary>A step failed after its retries; the next claim resumes after the last completed step.</summary>
    Failed = 2,

    /// <summary>Cancelled at a safe point; the next claim resumes after the last completed step.</summary>
    Stopped = 3,
}

/// <summary>One completed step of a pipeline run.</summary>
/// <param name="Step">The step's name.</param>
/// <param name="StartedAt">When its successful attempt began.</param>
/// <param name="Took">How long that attempt took.</param>
/// <param name="Attempts">How many attempts it took (1 when the first succeeded).</param>
/// <param name="Counts">What it counted (accounts scored, runs created…), by name.</param>
public sealed record PipelineStepRecord(string Step, Instant StartedAt, Duration Took, int Attempts, IReadOnlyDictionary<string, long> Counts);

/// <summary>A pipeline run: one per pipeline and business date.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Date">The business date.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Owner">Who holds it, or held it last.</param>
/// <param name="LeaseUntil">Until when the holder's claim lasts unless renewed.</param>
/// <param name="StartedAt">When it was first claimed.</param>
/// <param name="FinishedAt">When it last ended (succeeded, failed or stopped), if it did.</param>
/// <param name="Claims">How many times it was claimed: 1, plus one per resumption.</param>
/// <param name="Steps">Its completed steps, in order.</param>
/// <param name="Error">What failed last, if anything.</param>
public sealed record PipelineRunRecord(string Pipeline, LocalDate Date, PipelineRunStatus Status, string Owner, Instant LeaseUntil, Instant StartedAt, Instant? FinishedAt, int Claims, IReadOnlyList<PipelineStepRecord> Steps, string? Error)
{
    /// <summary>Whether a step completed in this run (by any of its claims).</summary>
    /// <param name="step">The step's name.</param>
    /// <returns>True when it did.</returns>
    public bool Completed(string step) => Steps.Any(s => s.Step == step);

    /// <summary>
    /// The run with a step completed: a step completed again (a rerun, or a resumed run rebuilding it) replaces its
    /// earlier record in place; a new one goes last. Every ledger records steps this way.
    /// </summary>
    /// <param name="step">The step's record.</param>
    /// <returns>The run with the step.</returns>
    public PipelineRunRecord WithStep(PipelineStepRecord step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return this with { Steps = Completed(step.Step) ? [.. Steps.Select(s => s.Step == step.Step ? step : s)] : [.. Steps, step] };
    }
}
