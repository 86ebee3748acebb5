namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class PointMappingTests
{
    [Theory]
    [InlineData(-5, 100)]
    [InlineData(0, 100)]
    [InlineData(1, 60)]
    [InlineData(2.9, 60)]
    [InlineData(3, 30)]
    [InlineData(5, 0)]
    [InlineData(1e9, 0)]
    public void Bands_ValueAtOrAboveAThresholdEarnsThatBand(double value, double expected) =>
        Assert.Equal(expected, PointMapping.Bands(100, (1, 60), (3, 30), (5, 0)).Map(value));

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, 0)]
    [InlineData(0.25, 25)]
    [InlineData(0.5, 50)]
    [InlineData(0.65, 70)]
    [InlineData(1, 100)]
    [InlineData(3, 100)]
    public void Linear_InterpolatesBetweenKnotsAndIsFlatBeyondThem(double value, double expected) =>
        Assert.Equal(expected, PointMapping.Linear((0, 0), (0.5, 50), (0.8, 90), (1.0, 100)).Map(value), 10);

    [Fact]
    public void Linear_AValueOnAKnotTakesThatKnotsPointsExactly()
    {
        // Awkward knots, so that interpolating from the previous knot would round differently.
        (double Value, double Points)[] knots = [(0.1, 100 / 7.0), (0.2, 66.6), (2.9, 70), (5.1, 99.9)];
        var mapping = PointMapping.Linear(knots);
        foreach (var (value, points) in knots)
        {
            Assert.Equal(points, mapping.Map(value));
        }
    }

    [Fact]
    public void Direction_IsDerivedFromThePoints()
    {
        Assert.Equal(MappingDirection.Rising, PointMapping.Linear((0, 0), (1, 100)).Direction);
        Assert.Equal(MappingDirection.Falling, PointMapping.Bands(100, (1, 60)).Direction);
    }

    [Fact]
    public void Linear_KnotsWhoseSpanOverflows_AreRefused_AndTheWidestFiniteSpanMapsEveryValue()
    {
        // Issue 30: knots at ±1e308 made a slope of 0 over an infinite width: Score gave 0 points (Red, full
        // confidence) where the batch paths gave none.
        var e = Assert.Throws<ArgumentException>(() => PointMapping.Linear((-1e308, 0), (1e308, 100)));
        Assert.Contains("Knots 0 and 1 (-1E+308 and 1E+308) are further apart than a double can hold; a linear mapping's segments must have a finite width", e.Message, StringComparison.Ordinal);
        Assert.False(PointMapping.TryCreate(PointMappingKind.Linear, [0, 1e308, -1e308], [0, 50, 100], out _, out _));

        var widest = PointMapping.Linear((-8e307, 0), (8e307, 100));
        Assert.Equal(0, widest.Map(-8e307));
        Assert.Equal(100, widest.Map(8e307)); // the top knot gets the top points
        Assert.Equal(50, widest.Map(0), 10);
        Assert.Equal(100, widest.Map(double.MaxValue));

        // Bands have no segments: any finite thresholds are fine.
        Assert.Equal(100, PointMapping.Bands(0, (-1e308, 50), (1e308, 100)).Map(1e308));
    }

    [Fact]
    public void Invalid_MappingsAreRefusedWithTheRule()
    {
        Assert.Contains("not monotone", Assert.Throws<ArgumentException>(() => PointMapping.Linear((0, 0), (1, 100), (2, 50))).Message, StringComparison.Ordinal);
        Assert.Contains("strictly increasing", Assert.Throws<ArgumentException>(() => PointMapping.Bands(0, (5, 50), (5, 100))).Message, StringComparison.Ordinal);
        Assert.Contains("within 0–100", Assert.Throws<ArgumentException>(() => PointMapping.Linear((0, 0), (1, 120))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PointMapping.Linear((0, 0)));
        Assert.Throws<ArgumentException>(() => PointMapping.Linear((double.NaN, 0), (1, 10)));
    }

    [Fact]
    public void ColorBands_OutOfOrderOrRange_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorBands(70, 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorBands(-1, 40));
        Assert.Equal(HealthColor.Yellow, ColorBands.Default.ColorOf(40));
        Assert.Equal(HealthColor.Red, ColorBands.Default.ColorOf(39.99));
        Assert.Equal(HealthColor.Green, ColorBands.Default.ColorOf(70));
    }
}
