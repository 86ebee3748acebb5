using NodaTime;

namespace CustomerLifecycle.Events;

/// <summary>The lifecycle events of one account, in time order (events at the same instant keep the order they were added in).</summary>
/// <remarks>This type is immutable and thread-safe: <see cref="Add"/> returns a new timeline.</remarks>
public sealed class AccountTimeline
{
    private readonly LifecycleEvent[] _events;

    private AccountTimeline(AccountId account, LifecycleEvent[] events)
    {
        Account = account;
        _events = events;
    }

    /// <summary>The account.</summary>
    public AccountId Account { get; }

    /// <summary>The events, oldest first.</summary>
    public IReadOnlyList<LifecycleEvent> Events => _events;

    /// <summary>An empty timeline for an account.</summary>
    /// <param name="account">The account.</param>
    /// <exception cref="ArgumentException"><paramref name="account"/> is default.</exception>
    public static AccountTimeline Empty(AccountId account)
    {
        if (account.IsEmpty)
        {
            throw new ArgumentException("A timeline needs an account; default(AccountId) names none.", nameof(account));
        }

        return new AccountTimeline(account, []);
    }

    /// <summary>A timeline holding the given events.</summary>
    /// <param name="account">The account.</param>
    /// <param name="events">The events, in any order; all of <paramref name="account"/>.</param>
    /// <exception cref="ArgumentException">An event belongs to another account, or has the same <see cref="LifecycleEvent.Id"/> as another.</exception>
    public static AccountTimeline Create(AccountId account, IEnumerable<LifecycleEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var timeline = Empty(account);
        var list = new List<LifecycleEvent>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            timeline.Check(e, ids);
            list.Add(e);
        }

        // A stable sort keeps events at the same instant in the order given.
        return new AccountTimeline(account, [.. list.OrderBy(e => e.At)]);
    }

    /// <summary>Returns a timeline with <paramref name="lifecycleEvent"/> added in its place in time.</summary>
    /// <param name="lifecycleEvent">An event of this account.</param>
    /// <exception cref="ArgumentException">The event belongs to another account, or its <see cref="LifecycleEvent.Id"/> is already on the timeline.</exception>
    public AccountTimeline Add(LifecycleEvent lifecycleEvent)
    {
        var ids = new HashSet<string>(_events.Where(e => e.Id is not null).Select(e => e.Id!), StringComparer.Ordinal);
        Check(lifecycleEvent, ids);
        var index = _events.Length;
        while (index > 0 && _events[index - 1].At > lifecycleEvent.At)
        {
            index--;
        }

        var events = new LifecycleEvent[_events.Length + 1];
        Array.Copy(_events, events, index);
        events[index] = lifecycleEvent;
        Array.Copy(_events, index, events, index + 1, _events.Length - index);
        return new AccountTimeline(Account, events);
    }

    /// <summary>The events of one category, oldest first.</summary>
    /// <param name="category">The category.</param>
    public IReadOnlyList<LifecycleEvent> InCategory(LifecycleEventCategory category) => [.. _events.Where(e => e.Category == category)];

    /// <summary>The events within an interval (start inclusive, end exclusive), oldest first.</summary>
    /// <param name="interval">The interval.</param>
    public IReadOnlyList<LifecycleEvent> Within(Interval interval) => [.. _events.Where(e => interval.Contains(e.At))];

    /// <summary>The most recent event of a type, or null if there is none.</summary>
    /// <param name="type">The event type.</param>
    public LifecycleEvent? LatestOf(LifecycleEventType type)
    {
        for (var i = _events.Length - 1; i >= 0; i--)
        {
            if (_events[i].Type == type)
            {
                return _events[i];
            }
        }

        return null;
    }

    private void Check(LifecycleEvent lifecycleEvent, HashSet<string> ids)
    {
        ArgumentNullException.ThrowIfNull(lifecycleEvent);
        if (lifecycleEvent.Account != Account)
        {
            throw new ArgumentException($"Event of account '{lifecycleEvent.Account}' does not belong on the timeline of account '{Account}'.", nameof(lifecycleEvent));
        }

        if (lifecycleEvent.Id is { } id && !ids.Add(id))
        {
            throw new ArgumentException($"Event id '{id}' is already on the timeline of account '{Account}'; each event is recorded once.", nameof(lifecycleEvent));
        }
    }
}
