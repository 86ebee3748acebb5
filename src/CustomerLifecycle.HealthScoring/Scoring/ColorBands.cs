using System.Globalization;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The thresholds that turn a 0–100 score into a color: below <see cref="RedBelow"/> is Red, at or above
/// <see cref="GreenAtOrAbove"/> is Green, and between is Yellow; and how much of the scorecard's weight must have data
/// (<see cref="MinimumConfidence"/>) for the score to get a color at all.
/// </summary>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
public readonly record struct ColorBands
{
    /// <summary>Creates color bands.</summary>
    /// <param name="redBelow">Scores below this are Red; from 0 to 100.</param>
    /// <param name="greenAtOrAbove">Scores at or above this are Green; from <paramref name="redBelow"/> to 100.</param>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside 0–100, not finite, or the two are out of order.</exception>
    public ColorBands(double redBelow, double greenAtOrAbove)
        : this(redBelow, greenAtOrAbove, DefaultMinimumConfidence)
    {
    }

    /// <summary>Creates color bands with a minimum confidence.</summary>
    /// <param name="redBelow">Scores below this are Red; from 0 to 100.</param>
    /// <param name="greenAtOrAbove">Scores at or above this are Green; from <paramref name="redBelow"/> to 100.</param>
    /// <param name="minimumConfidence">The share of the scorecard's weight, 0–1, whose factors must have data for a color; 0 colors any score.</param>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside 0–100, not finite, or the two are out of order; or the confidence is outside 0–1.</exception>
    public ColorBands(double redBelow, double greenAtOrAbove, double minimumConfidence)
    {
        if (Validate(redBelow, greenAtOrAbove) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(redBelow), redBelow, error);
        }

        if (ValidateConfidence(minimumConfidence) is { } confidenceError)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumConfidence), minimumConfidence, confidenceError);
        }

        RedBelow = redBelow;
        GreenAtOrAbove = greenAtOrAbove;
        MinimumConfidence = minimumConfidence;
    }

    /// <summary>
    /// The minimum confidence of the usual bands: half of the scorecard's weight must have data, so that one signal
    /// out of eight cannot make an account Green (or Red).
    /// </summary>
    public const double DefaultMinimumConfidence = 0.5;

    /// <summary>The usual bands: Red below 40, Green from 70, a color only with half of the weight measured.</summary>
    public static ColorBands Default { get; } = new(40, 70);

    /// <summary>Scores below this are Red.</summary>
    public double RedBelow { get; }

    /// <summary>Scores at or above this are Green.</summary>
    public double GreenAtOrAbove { get; }

    /// <summary>
    /// The share of the scorecard's weight, 0–1, whose factors must have data (<see cref="HealthScore.Confidence"/>) for
    /// the score to get a color; below it the score keeps its value, has no color, and says so
    /// (<see cref="HealthScore.IsColorWithheld"/>). A critical rule still forces its color.
    /// </summary>
    public double MinimumConfidence { get; }

    /// <summary>Whether a score with this confidence gets a color (round-off in the sum of shares does not count against it).</summary>
    /// <param name="confidence">The score's confidence.</param>
    /// <returns>True when it does.</returns>
    public bool Colors(double confidence) => confidence >= MinimumConfidence - ConfidenceRoundOff;

    /// <summary>How far below the minimum a confidence may land by round-off alone and still color.</summary>
    internal const double ConfidenceRoundOff = 1e-9;

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

    internal static string? ValidateConfidence(double minimumConfidence) =>
        minimumConfidence is >= 0 and <= 1
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"The minimum confidence is a share of the weight from 0 to 1 (was {minimumConfidence}).");

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
