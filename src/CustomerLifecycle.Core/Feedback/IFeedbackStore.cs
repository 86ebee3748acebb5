namespace CustomerLifecycle.Feedback;

/// <summary>
/// Feedback items with their status changes, kept across restarts and shared by every instance of a host. Save the
/// item each change returns (<c>await store.SaveAsync(tracker.MoveTo(id, FeedbackStatus.Planned))</c>) and load them
/// into a tracker with <see cref="FeedbackLoopTracker.Restore"/>. <see cref="InMemoryFeedbackStore"/> is for tests;
/// the SQLite and PostgreSQL packages ship durable ones, checked by the same conformance suite.
/// </summary>
public interface IFeedbackStore
{
    /// <summary>Keeps an item, replacing the stored item of the same id (its status, changes and follow-up).</summary>
    /// <param name="item">The item.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when it is kept.</returns>
    /// <exception cref="ArgumentException">A stored item of that id belongs to another account.</exception>
    ValueTask SaveAsync(FeedbackItem item, CancellationToken cancellationToken = default);

    /// <summary>The item of an id, or null.</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The item, or null.</returns>
    ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every item, by id.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The items.</returns>
    ValueTask<IReadOnlyList<FeedbackItem>> AllAsync(CancellationToken cancellationToken = default);
}

/// <summary>Feedback in memory: for tests. Thread-safe.</summary>
public sealed class InMemoryFeedbackStore : IFeedbackStore
{
    private readonly object _lock = new();
    private readonly SortedDictionary<string, FeedbackItem> _items = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask SaveAsync(FeedbackItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            FeedbackItems.CheckSameAccount(_items.GetValueOrDefault(item.Id)?.Account, item);
            _items[item.Id] = item;
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_items.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FeedbackItem>> AllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new([.. _items.Values]);
        }
    }
}

/// <summary>What every feedback store checks before writing.</summary>
public static class FeedbackItems
{
    /// <summary>Refuses to replace a stored item with one of another account (an id reused by mistake).</summary>
    /// <param name="stored">The stored item's account, if one is stored under the id.</param>
    /// <param name="item">The item to save.</param>
    /// <exception cref="ArgumentException">The accounts differ.</exception>
    public static void CheckSameAccount(AccountId? stored, FeedbackItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (stored is { } account && account != item.Account)
        {
            throw new ArgumentException($"Feedback '{item.Id}' is stored for account '{account}'; an item of account '{item.Account}' cannot replace it (is the id reused?).", nameof(item));
        }
    }
}
