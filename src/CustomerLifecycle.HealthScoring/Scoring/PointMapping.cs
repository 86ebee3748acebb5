using System.Globalization;

namespace CustomerLifecycle.HealthScoring;

/// <summary>How a point mapping turns a raw value into points.</summary>
public enum PointMappingKind
{
    /// <summary>Threshold bands: a value at or above a threshold earns that band's points.</summary>
    Bands = 0,

    /// <summary>Piecewise-linear: points are interpolated between knots, and flat beyond the first and last knot.</summary>
    Linear = 1,
}

/// <summary>Which way a point mapping goes as the raw value rises.</summary>
public enum MappingDirection
{
    /// <summary>Higher values never earn fewer points ("higher is better").</summary>
    Rising = 0,

    /// <summary>Higher values never earn more points ("lower is better", such as open tickets).</summary>
    Falling = 1,
}

/// <summary>
/// Turns a factor's raw value into 0–100 points, either by threshold bands or piecewise-linearly, rising or falling.
/// A mapping is monotone in its direction; that is checked when it is made.
/// </summary>
/// <remarks>This type is immutable and thread-safe. Mapping allocates nothing.</remarks>
/// <example>
/// <code>
/// // Seat utilization: 0 % → 0 points, 50 % → 50, 80 % → 90, 100 % → 100, interpolated between.
/// var seats = PointMapping.Linear((0, 0), (0.5, 50), (0.8, 90), (1.0, 100));
/// // Unresolved tickets: none → 100 points, 1–2 → 60, 3–4 → 30, 5 or more → 0.
/// var tickets = PointMapping.Bands(100, (1, 60), (3, 30), (5, 0));
/// </code>
/// </example>
public sealed class PointMapping
{
    private readonly double[] _x;
    private readonly double[] _y;
    private readonly double[] _slopes;

    private PointMapping(PointMappingKind kind, double[] x, double[] y, MappingDirection direction)
    {
        Kind = kind;
        _x = x;
        _y = y;
        Direction = direction;

        // One slope per knot, aligned with the knots: segment k runs from knot k to knot k + 1. Bands have none (zeros).
        _slopes = new double[x.Length];
        if (kind == PointMappingKind.Linear)
        {
            for (var k = 0; k < x.Length - 1; k++)
            {
                _slopes[k] = (y[k + 1] - y[k]) / (x[k + 1] - x[k]);
            }
        }
    }

    /// <summary>Bands or linear.</summary>
    public PointMappingKind Kind { get; }

    /// <summary>Rising or falling.</summary>
    public MappingDirection Direction { get; }

    /// <summary>The thresholds (bands) or knot positions (linear), strictly increasing.</summary>
    public IReadOnlyList<double> Thresholds => _x;

    /// <summary>
    /// The points: for bands, one more than the thresholds (the first is the points below the first threshold);
    /// for linear, one per knot.
    /// </summary>
    public IReadOnlyList<double> Points => _y;

    /// <summary>A mapping that passes a 0–100 value through unchanged (flat below 0 and above 100).</summary>
    public static PointMapping Identity { get; } = Linear((0, 0), (100, 100));

    /// <summary>Threshold bands.</summary>
    /// <param name="pointsBelowFirst">The points for a value below the first threshold.</param>
    /// <param name="bands">Each threshold and the points for a value at or above it (until the next threshold).</param>
    /// <exception cref="ArgumentException">The bands break a rule (see <see cref="TryCreate"/>).</exception>
    public static PointMapping Bands(double pointsBelowFirst, params ReadOnlySpan<(double Threshold, double Points)> bands)
    {
        var x = new double[bands.Length];
        var y = new double[bands.Length + 1];
        y[0] = pointsBelowFirst;
        for (var i = 0; i < bands.Length; i++)
        {
            x[i] = bands[i].Threshold;
            y[i + 1] = bands[i].Points;
        }

        return TryCreate(PointMappingKind.Bands, x, y, out var mapping, out var error) ? mapping! : throw new ArgumentException(error, nameof(bands));
    }

    /// <summary>A piecewise-linear mapping through knots.</summary>
    /// <param name="knots">At least two knots, positions strictly increasing.</param>
    /// <exception cref="ArgumentException">The knots break a rule (see <see cref="TryCreate"/>).</exception>
    public static PointMapping Linear(params ReadOnlySpan<(double Value, double Points)> knots)
    {
        var x = new double[knots.Length];
        var y = new double[knots.Length];
        for (var i = 0; i < knots.Length; i++)
        {
            x[i] = knots[i].Value;
            y[i] = knots[i].Points;
        }

        return TryCreate(PointMappingKind.Linear, x, y, out var mapping, out var error) ? mapping! : throw new ArgumentException(error, nameof(knots));
    }

    /// <summary>
    /// Makes a mapping, or says why not: positions finite and strictly increasing (for linear, each segment's width
    /// finite too); points finite, within 0–100 and
    /// monotone (never rising and falling in the same mapping); bands need one more points value than thresholds,
    /// linear needs two or more knots.
    /// </summary>
    /// <param name="kind">Bands or linear.</param>
    /// <param name="thresholds">The thresholds or knot positions.</param>
    /// <param name="points">The points.</param>
    /// <param name="mapping">The mapping, when valid.</param>
    /// <param name="error">What is wrong, when invalid.</param>
    public static bool TryCreate(PointMappingKind kind, IReadOnlyList<double> thresholds, IReadOnlyList<double> points, out PointMapping? mapping, out string? error)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(points);
        mapping = null;
        var x = thresholds.ToArray();
        var y = points.ToArray();
        if (kind == PointMappingKind.Bands ? y.Length != x.Length + 1 || x.Length == 0 : x.Length < 2 || y.Length != x.Length)
        {
            error = kind == PointMappingKind.Bands
                ? $"Bands need at least one threshold and exactly one more points value than thresholds (got {x.Length} thresholds and {y.Length} points)."
                : $"A linear mapping needs at least two knots and as many points as positions (got {x.Length} positions and {y.Length} points).";
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!double.IsFinite(x[i]) || (i > 0 && x[i] <= x[i - 1]))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Thresholds must be finite and strictly increasing; position {i} ({x[i]}) is not.");
                return false;
            }

            // A segment whose width overflows has no slope (every path would interpolate NaN or 0 points).
            if (kind == PointMappingKind.Linear && i > 0 && !double.IsFinite(x[i] - x[i - 1]))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Knots {i - 1} and {i} ({x[i - 1]} and {x[i]}) are further apart than a double can hold; a linear mapping's segments must have a finite width.");
                return false;
            }
        }

        bool rises = false, falls = false;
        for (var i = 0; i < y.Length; i++)
        {
            if (!double.IsFinite(y[i]) || y[i] < 0 || y[i] > 100)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Points must lie within 0–100; points {i} is {y[i]}.");
                return false;
            }

            if (i > 0)
            {
                rises |= y[i] > y[i - 1];
                falls |= y[i] < y[i - 1];
            }
        }

        if (rises && falls)
        {
            error = "The band is not monotone: its points both rise and fall. Split the factor or choose one direction.";
            return false;
        }

        error = null;
        mapping = new PointMapping(kind, x, y, falls ? MappingDirection.Falling : MappingDirection.Rising);
        return true;
    }

    /// <summary>The points for a raw value.</summary>
    /// <param name="value">A finite raw value.</param>
    public double Map(double value) => Map(Kind, _x, _slopes, 0, _x.Length, _y, 0, value);

    internal double[] X => _x;

    internal double[] Y => _y;

    /// <summary>The slope of each linear segment, aligned with <see cref="X"/> (the last is zero; all are zero for bands).</summary>
    internal double[] Slopes => _slopes;

    /// <summary>
    /// The mapping arithmetic, on knots stored at offsets of shared arrays (a compiled scorecard keeps every factor's
    /// knots in one array): <paramref name="count"/> thresholds from <c>xs[xOffset]</c> with their slopes from
    /// <c>slopes[xOffset]</c>, points from <c>ys[yOffset]</c>.
    /// </summary>
    /// <remarks>
    /// A linear segment is closed on the left, so a value on a knot takes that knot's points exactly, and is computed
    /// as <c>y0 + (value - x0) * slope</c> with the slope precomputed: one multiplication, no division. The column
    /// kernel does the same operations per lane.
    /// </remarks>
    internal static double Map(PointMappingKind kind, double[] xs, double[] slopes, int xOffset, int count, double[] ys, int yOffset, double value)
    {
        if (kind == PointMappingKind.Bands)
        {
            var band = 0;
            while (band < count && value >= xs[xOffset + band])
            {
                band++;
            }

            return ys[yOffset + band];
        }

        if (value <= xs[xOffset])
        {
            return ys[yOffset];
        }

        if (value >= xs[xOffset + count - 1])
        {
            return ys[yOffset + count - 1];
        }

        var i = 1;
        while (value >= xs[xOffset + i])
        {
            i++;
        }

        // xs[i-1] <= value < xs[i]
        var k = i - 1;
        return ys[yOffset + k] + ((value - xs[xOffset + k]) * slopes[xOffset + k]);
    }
}
