namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class HealthColorsTests
{
    [Theory]
    [InlineData("Red", HealthColor.Red)]
    [InlineData("yellow", HealthColor.Yellow)]
    [InlineData("GREEN", HealthColor.Green)]
    public void ColorNames_ParseIgnoringCase(string text, HealthColor expected)
    {
        Assert.True(HealthColors.TryParse(text, out var color));
        Assert.Equal(expected, color);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Blue")]
    [InlineData("2")]
    [InlineData("Red, Green")] // Enum.TryParse reads this as Red | Green = Green
    [InlineData(" Red")]
    public void NumbersCombinationsAndOtherText_AreRefused(string? text) => Assert.False(HealthColors.TryParse(text, out _));
}
