using CustomerLifecycle.Events;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Hosting;

/// <summary>
/// One business date's results as the pipeline's steps build them, for the steps after them (your own included). A
/// resumed run rebuilds what the computing steps produce (they write nothing); the playbook step's result is there only
/// when it ran in this attempt.
/// </summary>
public sealed class PipelineDay
{
    internal PipelineDay(LocalDate date) => Date = date;

    /// <summary>The business date.</summary>
    public LocalDate Date { get; }

    /// <summary>Every account the source gave, with its usage signals and stage once those steps ran.</summary>
    public IReadOnlyList<Account> Accounts { get; internal set; } = [];

    /// <summary>The accounts not churned, in <see cref="Accounts"/> order: the rows of <see cref="Scores"/>.</summary>
    public IReadOnlyList<Account> Active { get; internal set; } = [];

    /// <summary>The churned accounts (stage <c>Churned</c>): listed as removed to the playbook engine, so their runs end.</summary>
    public IReadOnlyList<AccountId> Churned { get; internal set; } = [];

    /// <summary>The usage milestones found (empty without usage).</summary>
    public IReadOnlyList<LifecycleEvent> Milestones { get; internal set; } = [];

    /// <summary>The automatic stage moves made.</summary>
    public IReadOnlyList<(AccountId Account, StageId From, StageId To)> StageMoves { get; internal set; } = [];

    /// <summary>The health score of each active account (empty without health scoring).</summary>
    public IReadOnlyList<HealthScore> Scores { get; internal set; } = [];

    /// <summary>The segments of the active accounts (null without segmentation).</summary>
    public SegmentEvaluation? Segments { get; internal set; }

    /// <summary>Who entered and exited each segment since the latest stored snapshot before the date; empty on a first run.</summary>
    public IReadOnlyList<SegmentMembershipChange> SegmentChanges { get; internal set; } = [];

    /// <summary>What the playbook step did (null without playbooks, or when a resumed run found the step done).</summary>
    public PlaybookEvaluation? Playbooks { get; internal set; }

    /// <summary>Next quarter's renewal forecast (null without forecasting).</summary>
    public RenewalForecast? Forecast { get; internal set; }

    /// <summary>
    /// The shard of the portfolio this day holds (<see cref="LifecyclePipelineOptions.Shards"/>): its accounts only, in
    /// every list above. <see cref="AccountShard.All"/> when the pipeline runs in one shard, and in the portfolio-wide
    /// steps that run after every shard (whose day holds no accounts, but <see cref="ShardRuns"/>, the counts summed
    /// across the shards, and the forecast combined from theirs).
    /// </summary>
    public AccountShard Shard { get; internal init; } = AccountShard.All;

    /// <summary>In the portfolio-wide steps of a pipeline in shards: each shard's run of the date, in shard order, as the ledger recorded it. Empty otherwise.</summary>
    public IReadOnlyList<PipelineRunRecord> ShardRuns { get; internal init; } = [];

    internal bool AllowMassCancellation { get; init; }
}

/// <summary>Which business date to run, and how (<see cref="LifecyclePipeline.RunAsync(PipelineRunRequest, CancellationToken)"/>).</summary>
public sealed record PipelineRunRequest
{
    /// <summary>The business date; today in the business time zone when null.</summary>
    public LocalDate? Date { get; init; }

    /// <summary>
    /// Runs the date again even when it succeeded: every step, the writing ones too, each recorded again. The playbook
    /// step creates no run twice (the engine's stored trigger states); your own steps must be as idempotent. Still
    /// skipped while another instance holds the date. For an operator who fixed the day's data, and for one-shot tools.
    /// </summary>
    public bool Rerun { get; init; }

    /// <summary>
    /// Lets the playbook step cancel more open runs than <see cref="Playbooks.PlaybookEngineOptions.MaxCancellationShare"/> allows (the step
    /// otherwise fails at once with a <see cref="Playbooks.MassCancellationException"/>, without retries): after checking
    /// that the accounts missing from the day are really gone.
    /// </summary>
    public bool AllowMassCancellation { get; init; }
}

/// <summary>What a step of your own receives.</summary>
/// <param name="Day">The day's results so far.</param>
/// <param name="Services">A DI scope for this step's attempt.</param>
public sealed record PipelineStepContext(PipelineDay Day, IServiceProvider Services);

/// <summary>How a run of the pipeline went.</summary>
public enum PipelineRunOutcome
{
    /// <summary>This call ran the date to the end (or resumed it and ran its remaining steps).</summary>
    Succeeded = 0,

    /// <summary>The date already succeeded (and this was no rerun): this call did nothing.</summary>
    Skipped = 1,

    /// <summary>This instance lost its claim (its lease expired and another took the date over) and stopped.</summary>
    LeaseLost = 2,

    /// <summary>
    /// Another instance holds the date under a lease that has not expired (<see cref="PipelineRunResult.Run"/> says who,
    /// and until when): this call did nothing. Once that lease expires, the date may be claimed and resumed: the hosted
    /// service tries again then.
    /// </summary>
    HeldElsewhere = 3,
}

/// <summary>The result of <see cref="LifecyclePipeline.RunAsync(PipelineRunRequest, CancellationToken)"/>.</summary>
/// <param name="Date">The business date.</param>
/// <param name="Outcome">How it went.</param>
/// <param name="Run">The run as the ledger has it after this call, when this call held it; as the ledger has it (the other holder's, or the succeeded one), for <see cref="PipelineRunOutcome.HeldElsewhere"/> and <see cref="PipelineRunOutcome.Skipped"/>.</param>
/// <param name="Day">The day's results, when this call ran steps.</param>
public sealed record PipelineRunResult(LocalDate Date, PipelineRunOutcome Outcome, PipelineRunRecord? Run, PipelineDay? Day);

/// <summary>A step failed after all its attempts; the run is recorded as failed, and the next run of the date resumes at this step.</summary>
public sealed class PipelineStepFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="date">The business date.</param>
    /// <param name="step">The step.</param>
    /// <param name="attempts">The attempts made.</param>
    /// <param name="inner">The last attempt's error.</param>
    public PipelineStepFailedException(LocalDate date, string step, int attempts, Exception inner)
        : base($"The pipeline's step '{step}' for {date:uuuu-MM-dd} failed {attempts} time(s); the run is recorded as failed and resumes at this step. Last error: {inner.Message}", inner)
    {
        Date = date;
        Step = step;
        Attempts = attempts;
    }

    /// <summary>The business date.</summary>
    public LocalDate Date { get; }

    /// <summary>The step.</summary>
    public string Step { get; }

    /// <summary>The attempts made.</summary>
    public int Attempts { get; }
}
