using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>A factor's missing-data policy and its parameters.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record MissingData
{
    private MissingData(MissingDataPolicy policy, double neutralPoints, Duration halfLife, Duration maxAge)
    {
        Policy = policy;
        NeutralPoints = neutralPoints;
        HalfLife = halfLife;
        MaxAge = maxAge;
    }

    /// <summary>Drop the factor and reweight its group (the default).</summary>
    public static MissingData DropAndReweight { get; } = new(MissingDataPolicy.DropAndReweight, 50, Duration.Zero, Duration.Zero);

    /// <summary>Score a missing factor at zero.</summary>
    public static MissingData Zero { get; } = new(MissingDataPolicy.Zero, 50, Duration.Zero, Duration.Zero);

    /// <summary>The policy.</summary>
    public MissingDataPolicy Policy { get; }

    /// <summary>The points for <see cref="MissingDataPolicy.Neutral"/>, and the level <see cref="MissingDataPolicy.LastKnown"/> decays towards.</summary>
    public double NeutralPoints { get; }

    /// <summary>For <see cref="MissingDataPolicy.LastKnown"/>: the age at which the last known points are half-way to neutral.</summary>
    public Duration HalfLife { get; }

    /// <summary>For <see cref="MissingDataPolicy.LastKnown"/>: the age beyond which the last known points are dropped.</summary>
    public Duration MaxAge { get; }

    /// <summary>Score a missing factor at neutral points.</summary>
    /// <param name="points">The neutral points, 0–100.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is outside 0–100.</exception>
    public static MissingData Neutral(double points = 50)
    {
        CheckPoints(points);
        return new(MissingDataPolicy.Neutral, points, Duration.Zero, Duration.Zero);
    }

    /// <summary>Use the last known points, decaying towards <paramref name="neutralPoints"/>.</summary>
    /// <param name="halfLife">The half-life of the last known points; positive.</param>
    /// <param name="maxAge">The age beyond which they are dropped; at least the half-life.</param>
    /// <param name="neutralPoints">The level they decay towards, 0–100.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument breaks its rule.</exception>
    public static MissingData LastKnown(Duration halfLife, Duration maxAge, double neutralPoints = 50)
    {
        if (halfLife <= Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(halfLife), halfLife, "The half-life of last known points must be positive.");
        }

        if (maxAge < halfLife)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAge), maxAge, $"The maximum age ({maxAge}) must be at least the half-life ({halfLife}).");
        }

        CheckPoints(neutralPoints);
        return new(MissingDataPolicy.LastKnown, neutralPoints, halfLife, maxAge);
    }

    private static void CheckPoints(double points)
    {
        if (!double.IsFinite(points) || points is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(points), points, string.Create(CultureInfo.InvariantCulture, $"Neutral points must lie within 0–100 (was {points})."));
        }
    }
}
