using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>One past health score.</summary>
/// <param name="Date">The day it was recorded.</param>
/// <param name="Score">The score, 0–100.</param>
public readonly record struct HealthHistoryPoint(LocalDate Date, double Score);

/// <summary>
/// An account's past health scores, oldest first, one per day at most: what <c>health.change(days)</c> compares the
/// current score with. Immutable and thread-safe.
/// </summary>
public sealed class HealthHistory
{
    private readonly HealthHistoryPoint[] _points;

    /// <summary>Creates a history from points in any order.</summary>
    /// <param name="points">Scores 0–100, at most one per date.</param>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside 0–100 or not finite.</exception>
    /// <exception cref="ArgumentException">Two points share a date.</exception>
    public HealthHistory(IEnumerable<HealthHistoryPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sorted = points.ToArray();
        foreach (var point in sorted)
        {
            if (!(point.Score is >= 0 and <= 100))
            {
                throw new ArgumentOutOfRangeException(nameof(points), point.Score, $"The health score on {point.Date:uuuu-MM-dd} must be 0–100.");
            }
        }

        Array.Sort(sorted, static (a, b) => a.Date.CompareTo(b.Date));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Date == sorted[i - 1].Date)
            {
                throw new ArgumentException($"The health history has two scores on {sorted[i].Date:uuuu-MM-dd}; keep one per day.", nameof(points));
            }
        }

        _points = sorted;
    }

    /// <summary>A history with no points.</summary>
    public static HealthHistory Empty { get; } = new([]);

    /// <summary>The points, oldest first.</summary>
    public ReadOnlySpan<HealthHistoryPoint> Points => _points;

    /// <summary>The latest score recorded on or before <paramref name="date"/>.</summary>
    /// <param name="date">The day.</param>
    /// <param name="score">The score, when there is one.</param>
    /// <returns>False when nothing was recorded by then.</returns>
    public bool TryGetScoreOn(LocalDate date, out double score)
    {
        int low = 0, high = _points.Length - 1, found = -1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_points[mid].Date <= date)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        score = found >= 0 ? _points[found].Score : 0;
        return found >= 0;
    }
}
