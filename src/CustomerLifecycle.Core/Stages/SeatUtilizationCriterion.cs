using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>Met when <see cref="Account.SeatUtilization"/> is known and at least a share; never met when it is unknown.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed class SeatUtilizationCriterion : IStageEntryCriterion
{
    /// <summary>Creates the criterion.</summary>
    /// <param name="minimumShare">The minimum share of licensed seats in use, for example 0.8; finite and zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumShare"/> is negative or not finite.</exception>
    public SeatUtilizationCriterion(double minimumShare)
    {
        if (!double.IsFinite(minimumShare) || minimumShare < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumShare), minimumShare, "The minimum seat utilization must be a finite share of zero or more (0.8 is 80 %).");
        }

        MinimumShare = minimumShare;
    }

    /// <summary>The minimum share of licensed seats in use.</summary>
    public double MinimumShare { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"seat utilization >= {MinimumShare:P0}");

    /// <inheritdoc />
    public bool IsMet(Account account, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.SeatUtilization >= MinimumShare;
    }
}
