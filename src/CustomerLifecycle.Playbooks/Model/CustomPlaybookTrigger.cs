using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>One occurrence of a trigger: a key unique to it for the account (the engine creates one run per key), and its date.</summary>
/// <param name="Key">A key that names this occurrence and no other, stable across evaluations (for example <c>"api-drop:2026-11-03"</c>).</param>
/// <param name="Date">The date the occurrence happened; due dates count from it.</param>
public readonly record struct TriggerOccurrence(string Key, LocalDate Date);

/// <summary>What a trigger sees of one account in one evaluation.</summary>
/// <param name="Before">The account in the earlier snapshot; null when it was not there or there was none.</param>
/// <param name="BeforeDate">The earlier snapshot's date; null on a first evaluation.</param>
/// <param name="After">The account now.</param>
/// <param name="AfterDate">The current snapshot's date.</param>
/// <param name="Events">The account's lifecycle events in the evaluation.</param>
/// <param name="Zone">The business time zone, for event dates.</param>
public sealed record TriggerContext(AccountSnapshot? Before, LocalDate? BeforeDate, AccountSnapshot After, LocalDate AfterDate, IReadOnlyList<LifecycleEvent> Events, DateTimeZone Zone);

/// <summary>
/// The base of a trigger written by the host: find the occurrences in a <see cref="TriggerContext"/>, and say whether
/// the reason for an open run still holds. See <c>docs/playbooks/custom-trigger.md</c>.
/// </summary>
public abstract record CustomPlaybookTrigger : PlaybookTrigger
{
    /// <summary>Creates the trigger.</summary>
    protected CustomPlaybookTrigger()
    {
    }

    /// <summary>True (the default) when open runs should be cancelled once <see cref="ReasonStillHolds"/> is false.</summary>
    public override bool IsState => CancelWhenReasonGoesAway;

    /// <summary>Whether to cancel open runs when the reason goes away. Default true.</summary>
    protected virtual bool CancelWhenReasonGoesAway => true;

    /// <summary>Finds this trigger's occurrences for one account.</summary>
    /// <param name="context">The account before and after, its events, the dates.</param>
    /// <returns>The occurrences; the same situation must give the same keys every time.</returns>
    public abstract IEnumerable<TriggerOccurrence> FindOccurrences(TriggerContext context);

    /// <summary>Whether the reason for an open run still holds for the account now. Default: always.</summary>
    /// <param name="now">The account now.</param>
    /// <returns>False to cancel the run's open tasks.</returns>
    public virtual bool ReasonStillHolds(AccountSnapshot now) => true;

    internal sealed override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        foreach (var occurrence in FindOccurrences(new TriggerContext(before, beforeDate, after, afterDate, events, zone)))
        {
            if (string.IsNullOrWhiteSpace(occurrence.Key))
            {
                throw new InvalidOperationException($"{GetType().Name} returned an occurrence without a key for account '{after.Account.Id}'; each occurrence needs a stable key.");
            }

            found.Add(("custom:" + occurrence.Key, occurrence.Date));
        }
    }

    internal sealed override bool StillHolds(AccountSnapshot now) => ReasonStillHolds(now);
}
