using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>Met when the account has been a customer for at least a number of days; never met when <see cref="Account.CustomerSince"/> is unknown.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed class TenureCriterion : IStageEntryCriterion
{
    /// <summary>Creates the criterion.</summary>
    /// <param name="minimumDays">The minimum tenure in days; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumDays"/> is negative.</exception>
    public TenureCriterion(int minimumDays)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumDays);
        MinimumDays = minimumDays;
    }

    /// <summary>The minimum tenure in days.</summary>
    public int MinimumDays { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"tenure.days >= {MinimumDays}");

    /// <inheritdoc />
    public bool IsMet(Account account, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.TenureDays(today) >= MinimumDays;
    }
}
