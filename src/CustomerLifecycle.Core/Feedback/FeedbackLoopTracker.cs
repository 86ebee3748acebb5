using NodaTime;

namespace CustomerLifecycle.Feedback;

/// <summary>
/// Keeps every piece of customer feedback so that none is lost and each loop is closed: what awaits a follow-up,
/// what has been stuck too long, who asked for a feature that has just shipped.
/// </summary>
/// <remarks>
/// An in-memory tracker stamped by the injected clock. This type is thread-safe: concurrent submissions and moves
/// are serialised, and each move is applied whole or not at all.
/// </remarks>
public sealed class FeedbackLoopTracker
{
    private readonly IClock _clock;
    private readonly Dictionary<string, FeedbackItem> _items = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Creates an empty tracker.</summary>
    /// <param name="clock">The source of the current instant.</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    public FeedbackLoopTracker(IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>How many items the tracker holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Replaces the tracked items with stored ones (<see cref="IFeedbackStore.AllAsync"/>), after a restart or on another instance.</summary>
    /// <param name="items">The items, one per id.</param>
    /// <exception cref="ArgumentException">Two items share an id; nothing changes then.</exception>
    public void Restore(IEnumerable<FeedbackItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var restored = new Dictionary<string, FeedbackItem>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            if (!restored.TryAdd(item.Id, item))
            {
                throw new ArgumentException($"Feedback id '{item.Id}' appears twice; restore one item per id.", nameof(items));
            }
        }

        lock (_gate)
        {
            _items.Clear();
            foreach (var (id, item) in restored)
            {
                _items[id] = item;
            }
        }
    }

    /// <summary>Records new feedback now.</summary>
    /// <param name="id">A new identifier.</param>
    /// <param name="account">The account that gave it.</param>
    /// <param name="text">What the customer said.</param>
    /// <param name="feature">The feature asked for, if any.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentException">The id is taken, or an argument breaks its rule.</exception>
    public FeedbackItem Submit(string id, AccountId account, string text, string? feature = null)
    {
        var item = FeedbackItem.Submit(id, account, text, _clock.GetCurrentInstant(), feature);
        lock (_gate)
        {
            if (!_items.TryAdd(id, item))
            {
                throw new ArgumentException($"Feedback id '{id}' is already tracked; each item is submitted once.", nameof(id));
            }
        }

        return item;
    }

    /// <summary>Moves an item to another status now.</summary>
    /// <param name="id">The item.</param>
    /// <param name="status">The status to enter.</param>
    /// <param name="note">Why, or what was decided.</param>
    /// <returns>The moved item.</returns>
    /// <exception cref="KeyNotFoundException">No such item.</exception>
    /// <exception cref="IllegalFeedbackTransitionException">The move is not allowed.</exception>
    public FeedbackItem MoveTo(string id, FeedbackStatus status, string? note = null) =>
        Update(id, item => item.MoveTo(status, _clock.GetCurrentInstant(), note));

    /// <summary>Records now that the customer was told the outcome.</summary>
    /// <param name="id">The item.</param>
    /// <returns>The closed item.</returns>
    /// <exception cref="KeyNotFoundException">No such item.</exception>
    /// <exception cref="InvalidOperationException">The item is not resolved, or already followed up.</exception>
    public FeedbackItem RecordFollowUp(string id) => Update(id, item => item.RecordFollowUp(_clock.GetCurrentInstant()));

    /// <summary>Gets an item.</summary>
    /// <param name="id">The item.</param>
    /// <exception cref="KeyNotFoundException">No such item.</exception>
    public FeedbackItem Get(string id)
    {
        lock (_gate)
        {
            return Find(id);
        }
    }

    /// <summary>The items of an account, oldest first.</summary>
    /// <param name="account">The account.</param>
    public IReadOnlyList<FeedbackItem> ForAccount(AccountId account) => Select(i => i.Account == account);

    /// <summary>The items asking for a feature (compared without case), oldest first: whom to tell when it ships.</summary>
    /// <param name="feature">The feature.</param>
    public IReadOnlyList<FeedbackItem> ForFeature(string feature) =>
        Select(i => string.Equals(i.Feature, feature, StringComparison.OrdinalIgnoreCase));

    /// <summary>Resolved items whose customer has not been told yet: the open loops.</summary>
    public IReadOnlyList<FeedbackItem> AwaitingFollowUp() => Select(i => i.IsResolved && !i.IsLoopClosed);

    /// <summary>Unresolved items whose status has not moved for longer than <paramref name="limit"/>.</summary>
    /// <param name="limit">How long an item may sit in one status; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public IReadOnlyList<FeedbackItem> Stale(Duration limit)
    {
        if (limit <= Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The staleness limit must be positive.");
        }

        var now = _clock.GetCurrentInstant();
        return Select(i => !i.IsResolved && now - i.LastChangedAt > limit);
    }

    private FeedbackItem Update(string id, Func<FeedbackItem, FeedbackItem> change)
    {
        lock (_gate)
        {
            var updated = change(Find(id));
            _items[id] = updated;
            return updated;
        }
    }

    private FeedbackItem Find(string id) =>
        id is not null && _items.TryGetValue(id, out var item) ? item : throw new KeyNotFoundException($"No feedback with id '{id}' is tracked.");

    private List<FeedbackItem> Select(Func<FeedbackItem, bool> predicate)
    {
        lock (_gate)
        {
            return [.. _items.Values.Where(predicate).OrderBy(i => i.SubmittedAt).ThenBy(i => i.Id, StringComparer.Ordinal)];
        }
    }
}
