using System.Collections.Concurrent;
using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The manual color overrides in effect. Scoring reads them and never writes them, so a recalculation does not wipe
/// an override: it lasts until it expires or is cleared.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class HealthOverrideRegistry
{
    private readonly ConcurrentDictionary<AccountId, HealthOverride> _overrides = new();
    private readonly IClock _clock;

    /// <summary>Creates an empty registry.</summary>
    /// <param name="clock">The source of "now", for stamping and expiry.</param>
    public HealthOverrideRegistry(IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>How many overrides are recorded, expired ones included until replaced or cleared.</summary>
    public int Count => _overrides.Count;

    /// <summary>Sets (or replaces) an account's override from now for <paramref name="validFor"/>.</summary>
    /// <param name="account">The account.</param>
    /// <param name="color">The color.</param>
    /// <param name="author">Who sets it; not blank.</param>
    /// <param name="reason">Why; not blank.</param>
    /// <param name="validFor">How long it lasts; positive.</param>
    /// <returns>The override.</returns>
    /// <exception cref="ArgumentException">The account is default, or the author or reason is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validFor"/> is not positive, or the color is undefined.</exception>
    public HealthOverride Set(AccountId account, HealthColor color, string author, string reason, Duration validFor)
    {
        if (account.IsEmpty)
        {
            throw new ArgumentException("An override needs an account.", nameof(account));
        }

        if (!Enum.IsDefined(color))
        {
            throw new ArgumentOutOfRangeException(nameof(color), color, "Unknown health color.");
        }

        if (string.IsNullOrWhiteSpace(author))
        {
            throw new ArgumentException($"The override of account '{account}' needs an author.", nameof(author));
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException($"The override of account '{account}' needs a reason.", nameof(reason));
        }

        if (validFor <= Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validFor), validFor, "An override must last a positive time.");
        }

        var now = _clock.GetCurrentInstant();
        var entry = new HealthOverride(account, color, author, reason, now, now + validFor);
        _overrides[account] = entry;
        return entry;
    }

    /// <summary>Removes an account's override.</summary>
    /// <param name="account">The account.</param>
    /// <returns>True when there was one.</returns>
    public bool Clear(AccountId account) => _overrides.TryRemove(account, out _);

    /// <summary>
    /// Replaces every override with stored ones (<see cref="IHealthOverrideStore.AllAsync"/>), so overrides set by
    /// any instance, before any restart, apply here. All are checked first; an invalid one changes nothing.
    /// </summary>
    /// <param name="overrides">The overrides, at most one per account.</param>
    /// <exception cref="ArgumentException">An override is not valid, or two are of one account.</exception>
    public void Restore(IEnumerable<HealthOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var entries = new Dictionary<AccountId, HealthOverride>();
        foreach (var entry in overrides)
        {
            HealthOverride.Validate(entry);
            if (!entries.TryAdd(entry.Account, entry))
            {
                throw new ArgumentException($"Account '{entry.Account}' has two overrides; keep one per account.", nameof(overrides));
            }
        }

        foreach (var account in _overrides.Keys.Where(a => !entries.ContainsKey(a)))
        {
            _overrides.TryRemove(account, out _);
        }

        foreach (var (account, entry) in entries)
        {
            _overrides[account] = entry;
        }
    }

    /// <summary>Gets the override in effect for an account now.</summary>
    /// <param name="account">The account.</param>
    /// <param name="active">The override, when one is in effect.</param>
    public bool TryGetActive(AccountId account, out HealthOverride? active) => TryGetActive(account, _clock.GetCurrentInstant(), out active);

    internal bool TryGetActive(AccountId account, Instant now, out HealthOverride? active)
    {
        if (!_overrides.IsEmpty && _overrides.TryGetValue(account, out var entry) && entry.IsActiveAt(now))
        {
            active = entry;
            return true;
        }

        active = null;
        return false;
    }
}
