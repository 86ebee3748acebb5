using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>
/// Moves accounts between lifecycle stages under a <see cref="LifecycleStageModel"/>, stamping each move with the
/// current instant from the injected clock. Automatic moves go forward only and only into stages whose entry
/// criteria hold; backward moves are explicit and need a reason; every move is recorded with its actor.
/// </summary>
/// <remarks>
/// Histories are immutable: each method returns a new history and never changes the one passed in, so a refused
/// move leaves nothing half-applied. This type is immutable and thread-safe.
/// </remarks>
/// <example>
/// <code>
/// var machine = new LifecycleStageMachine(LifecycleStageModel.Default, new BusinessClock(clock, DateTimeZone.Utc));
/// var history = machine.Start(account.Id, DefaultLifecycleStages.Onboarding, actor: "import");
/// history = machine.Evaluate(history, account);                          // forward, by criteria
/// history = machine.MoveBackward(history, DefaultLifecycleStages.Onboarding, "dana", "re-implementation after merger");
/// </code>
/// </example>
public sealed class LifecycleStageMachine
{
    /// <summary>The actor recorded for automatic moves.</summary>
    public const string SystemActor = "system";

    private readonly BusinessClock _clock;
    private readonly ILogger _logger;

    /// <summary>Creates a stage machine.</summary>
    /// <param name="model">The lifecycle model.</param>
    /// <param name="clock">The business clock: the current instant and the zone for "today".</param>
    /// <param name="logger">Receives a warning (event 2001) for each refused manual move; none when null.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public LifecycleStageMachine(LifecycleStageModel model, BusinessClock clock, ILogger<LifecycleStageMachine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(clock);
        Model = model;
        _clock = clock;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The lifecycle model.</summary>
    public LifecycleStageModel Model { get; }

    /// <summary>Starts tracking an account in a stage (the model's initial stage when none is given).</summary>
    /// <param name="account">The account.</param>
    /// <param name="stage">The stage the account is in now; <see cref="LifecycleStageModel.InitialStage"/> when null.</param>
    /// <param name="actor">Who started tracking.</param>
    /// <param name="reason">Why, if worth recording (for example "imported from CRM").</param>
    /// <returns>A history with its initial entry.</returns>
    /// <exception cref="ArgumentException">The account is default or the actor is blank.</exception>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    public StageHistory Start(AccountId account, StageId? stage = null, string actor = SystemActor, string? reason = null) =>
        StageHistory.Begin(Model, account, stage ?? Model.InitialStage, _clock.Now, actor, reason);

    /// <summary>
    /// Starts tracking an existing customer in the stage it is already in, since the date it entered it, audited as an
    /// import: time in stage, time to onboard and cohort metrics count from <paramref name="enteredAt"/>, and the account
    /// is not put back in the model's first stage.
    /// </summary>
    /// <param name="account">The account.</param>
    /// <param name="stage">The stage it is in.</param>
    /// <param name="enteredAt">When it entered that stage, as the source system recorded it; not after now.</param>
    /// <param name="actor">Who imported it (for example "crm-import").</param>
    /// <param name="reason">Why, if worth recording (for example "migrated from Salesforce").</param>
    /// <returns>A history with one <see cref="StageTransitionKind.Imported"/> entry.</returns>
    /// <exception cref="ArgumentException">The account is default, the actor is blank, or <paramref name="enteredAt"/> is after the clock's now.</exception>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    public StageHistory Import(AccountId account, StageId stage, Instant enteredAt, string actor, string? reason = null)
    {
        var now = _clock.Now;
        if (enteredAt > now)
        {
            throw new ArgumentException($"Account '{account}' cannot be imported as entering '{stage}' at {enteredAt}, after now ({now}).", nameof(enteredAt));
        }

        return StageHistory.Begin(Model, account, stage, enteredAt, actor, reason, StageTransitionKind.Imported);
    }

    /// <summary>Moves an account forward explicitly, whether or not the target's entry criteria hold.</summary>
    /// <param name="history">The account's history.</param>
    /// <param name="to">The stage to enter; a forward transition from the current stage must exist.</param>
    /// <param name="actor">Who made the move.</param>
    /// <param name="reason">Why, if worth recording.</param>
    /// <returns>The new history.</returns>
    /// <exception cref="IllegalStageTransitionException">The model does not allow the move, or it is backward.</exception>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    /// <exception cref="ArgumentException">The actor is blank.</exception>
    public StageHistory MoveForward(StageHistory history, StageId to, string actor, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Manual(history, to, StageTransitionKind.ManualForward, actor, reason);
    }

    /// <summary>Moves an account backward explicitly (for example a win-back from Churned to Conversion).</summary>
    /// <param name="history">The account's history.</param>
    /// <param name="to">The stage to enter; a backward transition from the current stage must exist.</param>
    /// <param name="actor">Who made the move.</param>
    /// <param name="reason">Why; required for the audit trail.</param>
    /// <returns>The new history.</returns>
    /// <exception cref="IllegalStageTransitionException">The model does not allow the move, it is forward, or the reason is blank.</exception>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    /// <exception cref="ArgumentException">The actor is blank.</exception>
    public StageHistory MoveBackward(StageHistory history, StageId to, string actor, string reason)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Manual(history, to, StageTransitionKind.ManualBackward, actor, reason);
    }

    // A refused move is thrown to the caller and logged for the operator: who tried what, and why it was refused.
    private StageHistory Manual(StageHistory history, StageId to, StageTransitionKind kind, string actor, string? reason)
    {
        try
        {
            return history.Append(Model, to, _clock.Now, kind, actor, reason);
        }
        catch (IllegalStageTransitionException e)
        {
            StagesTelemetry.MoveRefused(_logger, history.Account.Value, history.CurrentStage.Value, to.Value, actor, e.Message);
            throw;
        }
    }

    /// <summary>
    /// Takes every automatic forward move the account qualifies for: while a forward transition leads to a stage
    /// whose entry criteria all hold, it is taken (the nearest such stage first). Stages without criteria are
    /// never entered automatically.
    /// </summary>
    /// <param name="history">The account's history.</param>
    /// <param name="account">The account's current snapshot; its id must match the history's.</param>
    /// <returns>The new history, or <paramref name="history"/> itself when no move applies.</returns>
    /// <exception cref="ArgumentException">The account is not the history's.</exception>
    public StageHistory Evaluate(StageHistory history, Account account)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(account);
        if (account.Id != history.Account)
        {
            throw new ArgumentException($"Account '{account.Id}' is not the account of this stage history ('{history.Account}').", nameof(account));
        }

        var now = _clock.Now;
        var today = now.InZone(_clock.Zone).Date;
        var current = history;

        // Each move raises the order, so the loop ends after at most one pass over the stages.
        while (NextAutomaticStage(current.CurrentStage, account, today) is { } next)
        {
            current = current.Append(Model, next.Id, now, StageTransitionKind.Automatic, SystemActor, "criteria met: " + string.Join(" and ", next.EntryCriteria.Select(c => c.Description)));
        }

        return current;
    }

    /// <summary>The stage an automatic move would enter next from <paramref name="stage"/>, or null when none qualifies.</summary>
    /// <param name="stage">The current stage.</param>
    /// <param name="account">The account.</param>
    /// <param name="today">The current date in the business time zone.</param>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    public LifecycleStage? NextAutomaticStage(StageId stage, Account account, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(account);
        foreach (var rule in Model.ForwardTransitionsFrom(stage))
        {
            var target = Model.GetStage(rule.To);
            if (target.IsAutomatic && AllMet(target.EntryCriteria, account, today))
            {
                return target;
            }
        }

        return null;
    }

    private static bool AllMet(IReadOnlyList<IStageEntryCriterion> criteria, Account account, LocalDate today)
    {
        for (var i = 0; i < criteria.Count; i++)
        {
            if (!criteria[i].IsMet(account, today))
            {
                return false;
            }
        }

        return true;
    }
}
