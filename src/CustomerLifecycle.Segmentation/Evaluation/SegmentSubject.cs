using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Segmentation;

/// <summary>What a segment rule is evaluated on: an account, its current health score, and its health history.</summary>
/// <remarks>A value type, so a portfolio can be held as an array and evaluated without allocating per account.</remarks>
public readonly record struct SegmentSubject
{
    /// <summary>Creates a subject.</summary>
    /// <param name="account">The account.</param>
    /// <param name="health">Its current health score, if scored.</param>
    /// <param name="history">Its health history, for <c>health.change(days)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="account"/> is null.</exception>
    public SegmentSubject(Account account, HealthScore? health = null, HealthHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        Account = account;
        Health = health;
        History = history;
    }

    /// <summary>The account.</summary>
    public Account Account { get; }

    /// <summary>The current health score; null when the account has not been scored.</summary>
    public HealthScore? Health { get; }

    /// <summary>Past health scores; null when none are kept.</summary>
    public HealthHistory? History { get; }

    /// <summary>An account without health data.</summary>
    /// <param name="account">The account.</param>
    public static implicit operator SegmentSubject(Account account) => new(account);

    /// <summary>An account without health data.</summary>
    /// <param name="account">The account.</param>
    /// <returns>The subject.</returns>
    public static SegmentSubject FromAccount(Account account) => new(account);
}
