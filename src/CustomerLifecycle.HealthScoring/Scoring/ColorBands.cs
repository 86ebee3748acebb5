using System.Globalization;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The thresholds that turn a 0–100 score into a color: below <see cref="RedBelow"/> is Red, at or above
/// <see cref="GreenAtOrAbove"/> is Green, and between is Yellow.
/// </summary>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
public readonly record struct ColorBands
{
    /// <summary>Creates color bands.</summary>
    /// <param name="redBelow">Scores below this are Red; from 0 to 100.</param>
    /// <param name="greenAtOrAbove">Scores at or above this are Green; from <paramref name="redBelow"/> to 100.</param>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside 0–100, not finite, or the two are out of order.</exception>
    public ColorBands(double redBelow, double greenAtOrAbove)
    {
        if (Validate(redBelow, greenAtOrAbove) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(redBelow), redBelow, error);
        }

        RedBelow = redBelow;
        GreenAtOrAbove = greenAtOrAbove;
    }

    /// <summary>The usual bands: Red below 40, Green from 70.</summary>
    public static ColorBands Default { get; } = new(40, 70);

    /// <summary>Scores below this are Red.</summary>
    public double RedBelow { get; }

    /// <summary>Scores at or above this are Green.</summary>
    public double GreenAtOrAbove { get; }

    /// <summary>The color of a score.</summary>
    /// <param name="score">A score from 0 to 100.</param>
    public HealthColor ColorOf(double score) =>
        score < RedBelow ? HealthColor.Red : score >= GreenAtOrAbove ? HealthColor.Green : HealthColor.Yellow;

    /// <summary>
    /// The color of a score with hysteresis: the previous color is kept while the score stays within
    /// <paramref name="margin"/> points beyond the threshold it would cross, so noise does not flip colors.
    /// </summary>
    /// <param name="score">A score from 0 to 100.</param>
    /// <param name="previous">The previous color, if any.</param>
    /// <param name="margin">How far past a threshold the score must go to change color; zero or more.</param>
    public HealthColor ColorOf(double score, HealthColor? previous, double margin)
    {
        var plain = ColorOf(score);
        if (previous is not { } before || plain == before || margin <= 0)
        {
            return plain;
        }

        // Widen the band the account was in by the margin on each side.
        var low = before switch { HealthColor.Red => double.NegativeInfinity, HealthColor.Yellow => RedBelow - margin, _ => GreenAtOrAbove - margin };
        var high = before switch { HealthColor.Red => RedBelow + margin, HealthColor.Yellow => GreenAtOrAbove + margin, _ => double.PositiveInfinity };
        return score >= low && score < high ? before : plain;
    }

    internal static string? Validate(double redBelow, double greenAtOrAbove)
    {
        if (!double.IsFinite(redBelow) || !double.IsFinite(greenAtOrAbove) || redBelow < 0 || greenAtOrAbove > 100)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Color thresholds must lie within 0–100 (were RedBelow {redBelow}, GreenAtOrAbove {greenAtOrAbove}).");
        }

        return redBelow > greenAtOrAbove
            ? string.Create(CultureInfo.InvariantCulture, $"Color thresholds are out of order: RedBelow {redBelow} is above GreenAtOrAbove {greenAtOrAbove}.")
            : null;
    }
}
