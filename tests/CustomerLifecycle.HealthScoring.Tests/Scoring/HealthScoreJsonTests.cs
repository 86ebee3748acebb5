using System.Text.Json;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class HealthScoreJsonTests
{
    [Fact]
    public void AHealthScore_RoundTripsThroughJson_WithColorsByName()
    {
        var score = new HealthScore { Value = 38.5, Color = HealthColor.Red, CalculatedColor = HealthColor.Yellow, Confidence = 0.75, ScorecardId = "smb", ScorecardVersion = 3, InvalidSignals = 1, IsForcedByRule = true };
        var json = JsonSerializer.Serialize(score);
        Assert.Contains("\"Color\":\"Red\"", json, StringComparison.Ordinal);
        Assert.Contains("\"CalculatedColor\":\"Yellow\"", json, StringComparison.Ordinal);
        Assert.Equal(score, JsonSerializer.Deserialize<HealthScore>(json));

        var unscored = new HealthScore { ScorecardId = "smb" };
        Assert.Equal(unscored, JsonSerializer.Deserialize<HealthScore>(JsonSerializer.Serialize(unscored)));

        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<HealthScore>("""{"Color":"Purple","ScorecardId":"x"}"""));
        Assert.Equal("$.Color", e.Path);
    }
}
