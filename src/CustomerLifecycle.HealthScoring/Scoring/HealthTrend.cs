using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>The movement of an account's health over time.</summary>
/// <param name="Change">Latest score minus the earliest comparable one in the window; null with fewer than two comparable scores.</param>
/// <param name="SlopePerThirtyDays">The least-squares trend in points per 30 days; null with fewer than two comparable scores at different instants.</param>
/// <param name="From">The color at the start of the window.</param>
/// <param name="To">The color at the end.</param>
/// <param name="Scores">How many comparable scores were used.</param>
/// <param name="ScorecardId">The scorecard the compared scores share.</param>
/// <param name="ScorecardVersion">Its version.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record HealthTrend(double? Change, double? SlopePerThirtyDays, HealthColor? From, HealthColor? To, int Scores, string? ScorecardId, int ScorecardVersion)
{
    /// <summary>True when the color got worse (for example Green to Yellow, Yellow to Red).</summary>
    public bool Worsened => From is { } f && To is { } t && t < f;

    /// <summary>
    /// The trend over <paramref name="window"/>. Only scores from the latest score's scorecard id and version are
    /// compared, so a change of configuration is never read as a change in the customer; not-applicable scores are skipped.
    /// </summary>
    /// <param name="history">The account's scores with their instants, in any order.</param>
    /// <param name="window">The period to look at (start inclusive, end exclusive).</param>
    public static HealthTrend Over(IEnumerable<(Instant At, HealthScore Score)> history, Interval window)
    {
        ArgumentNullException.ThrowIfNull(history);
        var inWindow = history.Where(h => window.Contains(h.At) && h.Score.Value is not null).OrderBy(h => h.At).ToArray();
        if (inWindow.Length == 0)
        {
            return new HealthTrend(null, null, null, null, 0, null, 0);
        }

        var latest = inWindow[^1].Score;
        var comparable = inWindow.Where(h => h.Score.ScorecardId == latest.ScorecardId && h.Score.ScorecardVersion == latest.ScorecardVersion).ToArray();
        var first = comparable[0];
        double? change = comparable.Length >= 2 ? latest.Value - first.Score.Value : null;

        double? slope = null;
        var t0 = comparable[0].At;
        var xs = comparable.Select(h => (h.At - t0).TotalDays).ToArray();
        var ys = comparable.Select(h => h.Score.Value!.Value).ToArray();
        var meanX = xs.Average();
        var sxx = xs.Sum(x => (x - meanX) * (x - meanX));
        if (sxx > 0)
        {
            var meanY = ys.Average();
            slope = 30 * xs.Zip(ys).Sum(p => (p.First - meanX) * (p.Second - meanY)) / sxx;
        }

        return new HealthTrend(change, slope, first.Score.Color, latest.Color, comparable.Length, latest.ScorecardId, latest.ScorecardVersion);
    }
}
