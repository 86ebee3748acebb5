using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>
/// The stage history of one account: every move, in time order, each allowed by the lifecycle model it was
/// made under. Only <see cref="LifecycleStageMachine"/> appends to a history, and <see cref="Restore"/> checks
/// every entry of a stored one, so a history never contains an illegal transition.
/// </summary>
/// <remarks>This type is immutable and thread-safe: a move returns a new history and leaves this one unchanged.</remarks>
public sealed class StageHistory
{
    private readonly StageTransition[] _transitions;

    private StageHistory(AccountId account, StageTransition[] transitions)
    {
        Account = account;
        _transitions = transitions;
    }

    /// <summary>The account the history belongs to.</summary>
    public AccountId Account { get; }

    /// <summary>Every move, oldest first; the first is the <see cref="StageTransitionKind.Initial"/> (or <see cref="StageTransitionKind.Imported"/>) entry.</summary>
    public IReadOnlyList<StageTransition> Transitions => _transitions;

    /// <summary>The stage the account is in now.</summary>
    public StageId CurrentStage => _transitions[^1].To;

    /// <summary>When the account entered its current stage.</summary>
    public Instant EnteredCurrentStageAt => _transitions[^1].At;

    /// <summary>When tracking began.</summary>
    public Instant StartedAt => _transitions[0].At;

    /// <summary>
    /// Rebuilds a stored history, checking each entry against <paramref name="model"/>: it starts with one
    /// initial entry, each later entry leaves the stage the previous one entered by an allowed transition of the
    /// right kind, backward moves carry a reason, and time never goes back.
    /// </summary>
    /// <param name="model">The lifecycle model the history was made under.</param>
    /// <param name="account">The account.</param>
    /// <param name="transitions">The stored entries, oldest first.</param>
    /// <returns>The history.</returns>
    /// <exception cref="ArgumentException">The account is default, or the entries are empty or break a rule (the message names the entry).</exception>
    public static StageHistory Restore(LifecycleStageModel model, AccountId account, IEnumerable<StageTransition> transitions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(transitions);
        var entries = transitions.ToArray();
        if (entries.Length == 0)
        {
            throw new ArgumentException($"The stage history of account '{account}' is empty; it needs at least its initial entry.", nameof(transitions));
        }

        var first = entries[0];
        var history = Begin(model, account, first.To, first.At, first.Actor, first.Reason, first.Kind, first.From);
        for (var i = 1; i < entries.Length; i++)
        {
            var e = entries[i];
            try
            {
                if (e.From != history.CurrentStage)
                {
                    throw new ArgumentException($"it leaves stage '{e.From}', but the account was in '{history.CurrentStage}'.");
                }

                history = history.Append(model, e.To, e.At, e.Kind, e.Actor, e.Reason);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                throw new ArgumentException($"Stage history of account '{account}', entry {i} ({e.From} -> {e.To} at {e.At}): {ex.Message}", nameof(transitions), ex);
            }
        }

        return history;
    }

    /// <summary>The stage the account was in at <paramref name="instant"/>, or null before tracking began.</summary>
    /// <param name="instant">The instant.</param>
    public StageId? StageAt(Instant instant)
    {
        StageId? stage = null;
        foreach (var t in _transitions)
        {
            if (t.At > instant)
            {
                break;
            }

            stage = t.To;
        }

        return stage;
    }

    /// <summary>When the account first entered <paramref name="stage"/>, or null if it never did.</summary>
    /// <param name="stage">The stage.</param>
    public Instant? FirstEntered(StageId stage)
    {
        foreach (var t in _transitions)
        {
            if (t.To == stage)
            {
                return t.At;
            }
        }

        return null;
    }

    internal static StageHistory Begin(LifecycleStageModel model, AccountId account, StageId stage, Instant at, string actor, string? reason, StageTransitionKind kind = StageTransitionKind.Initial, StageId? from = null)
    {
        if (account.IsEmpty)
        {
            throw new ArgumentException("A stage history needs an account; default(AccountId) names none.", nameof(account));
        }

        if (kind is not (StageTransitionKind.Initial or StageTransitionKind.Imported) || from is not null)
        {
            throw new ArgumentException($"The first entry of the stage history of account '{account}' must be an Initial or Imported entry with no 'from' stage (was {kind} from '{from}').", nameof(kind));
        }

        model.GetStage(stage);
        RequireActor(actor);
        return new StageHistory(account, [new StageTransition(null, stage, at, kind, actor, reason)]);
    }

    internal StageHistory Append(LifecycleStageModel model, StageId to, Instant at, StageTransitionKind kind, string actor, string? reason)
    {
        RequireActor(actor);
        var from = CurrentStage;
        model.GetStage(to);
        var rule = model.FindTransition(from, to)
            ?? throw new IllegalStageTransitionException(Account, from, to, "the lifecycle model has no such transition.");
        switch (kind)
        {
            case StageTransitionKind.Automatic or StageTransitionKind.ManualForward when rule.Direction != TransitionDirection.Forward:
                throw new IllegalStageTransitionException(Account, from, to, $"it is a backward move, which only an explicit move with a reason may make (asked as {kind}).");
            case StageTransitionKind.ManualBackward when rule.Direction != TransitionDirection.Backward:
                throw new IllegalStageTransitionException(Account, from, to, "it is a forward move; use a forward move rather than a backward one.");
            case StageTransitionKind.ManualBackward when string.IsNullOrWhiteSpace(reason):
                throw new IllegalStageTransitionException(Account, from, to, "a backward move needs a reason for the audit trail.");
            case StageTransitionKind.Initial or StageTransitionKind.Imported:
                throw new IllegalStageTransitionException(Account, from, to, $"an {kind} entry can only start a history.");
            case StageTransitionKind.Automatic or StageTransitionKind.ManualForward or StageTransitionKind.ManualBackward:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown transition kind.");
        }

        if (at < EnteredCurrentStageAt)
        {
            throw new IllegalStageTransitionException(Account, from, to, $"it is dated {at}, before the account entered '{from}' at {EnteredCurrentStageAt}; a history never goes back in time.");
        }

        var transitions = new StageTransition[_transitions.Length + 1];
        _transitions.CopyTo(transitions, 0);
        transitions[^1] = new StageTransition(from, to, at, kind, actor, reason);
        return new StageHistory(Account, transitions);
    }

    private static void RequireActor(string actor)
    {
        if (string.IsNullOrWhiteSpace(actor))
        {
            throw new ArgumentException($"Every stage move names its actor (who made it); the actor was '{actor}'.", nameof(actor));
        }
    }
}
