namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Manual health overrides, one per account, kept across restarts and shared by every instance of a host. Load them
/// into the scorer's <see cref="HealthOverrideRegistry"/> with <see cref="HealthOverrideRegistry.Restore"/> (the daily
/// pipeline does before it scores, when a store is registered: then set overrides through the store). None is
/// registered by default, so the registry alone holds overrides set in process; the SQLite and PostgreSQL packages
/// register durable ones, and <see cref="InMemoryHealthOverrideStore"/> is there for tests; all pass the same
/// conformance suite.
/// </summary>
public interface IHealthOverrideStore
{
    /// <summary>Keeps an override, replacing the account's earlier one.</summary>
    /// <param name="entry">The override (for example the one <see cref="HealthOverrideRegistry.Set"/> returned).</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when it is kept.</returns>
    /// <exception cref="ArgumentException">The override is not valid; the message names the field.</exception>
    ValueTask SetAsync(HealthOverride entry, CancellationToken cancellationToken = default);

    /// <summary>Removes the account's override.</summary>
    /// <param name="account">The account.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when there was one.</returns>
    ValueTask<bool> ClearAsync(AccountId account, CancellationToken cancellationToken = default);

    /// <summary>Every override kept, expired ones included until replaced or cleared (the registry ignores those).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The overrides, by account id.</returns>
    ValueTask<IReadOnlyList<HealthOverride>> AllAsync(CancellationToken cancellationToken = default);
}

/// <summary>Overrides in memory: for tests and hosts that may lose them when they stop. Thread-safe.</summary>
public sealed class InMemoryHealthOverrideStore : IHealthOverrideStore
{
    private readonly object _lock = new();
    private readonly SortedDictionary<string, HealthOverride> _overrides = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask SetAsync(HealthOverride entry, CancellationToken cancellationToken = default)
    {
        HealthOverride.Validate(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _overrides[entry.Account.Value] = entry;
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<bool> ClearAsync(AccountId account, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_overrides.Remove(account.Value));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HealthOverride>> AllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new([.. _overrides.Values]);
        }
    }
}
