using NodaTime;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class HealthTrendAndRollupTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static HealthScore Score(double value, int version = 1) => new()
    {
        Value = value,
        Color = ColorBands.Default.ColorOf(value),
        CalculatedColor = ColorBands.Default.ColorOf(value),
        Confidence = 1,
        ScorecardId = "default",
        ScorecardVersion = version,
    };

    [Fact]
    public void Trend_FittedSlopeAndChange_UseOnlyTheLatestScorecardVersion()
    {
        (Instant, HealthScore)[] history =
        [
            (T0, Score(20, version: 1)),                                 // another version: not comparable
            (T0 + Duration.FromDays(10), Score(80, version: 2)),
            (T0 + Duration.FromDays(20), Score(75, version: 2)),
            (T0 + Duration.FromDays(40), Score(65, version: 2)),
        ];
        var trend = HealthTrend.Over(history, new Interval(T0, T0 + Duration.FromDays(60)));
        Assert.Equal(-15, trend.Change);
        Assert.Equal(3, trend.Scores);
        Assert.Equal(2, trend.ScorecardVersion);
        // Least squares through (0, 80), (10, 75), (30, 65): slope -0.5 per day → -15 per 30 days.
        Assert.Equal(-15, trend.SlopePerThirtyDays!.Value, 10);
        Assert.True(trend.Worsened);                                     // Green → Yellow
    }

    [Fact]
    public void Trend_NothingInTheWindow_HasNoChange()
    {
        var trend = HealthTrend.Over([(T0, Score(50))], new Interval(T0 + Duration.FromDays(1), null));
        Assert.Null(trend.Change);
        Assert.Equal(0, trend.Scores);
    }

    private static Account Child(string id, decimal arr, string currency = "USD") => new()
    {
        Id = new AccountId(id),
        Name = id,
        Contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(arr, currency)),
    };

    [Fact]
    public void Rollup_ByContractValue_WeighsBigChildrenMore()
    {
        var equal = HealthRollup.Compute([(Child("a", 90_000), Score(80)), (Child("b", 10_000), Score(20))]);
        var byArr = HealthRollup.Compute([(Child("a", 90_000), Score(80)), (Child("b", 10_000), Score(20))], RollupWeighting.ContractValue);
        Assert.Equal(50, equal.Score.Value);
        Assert.Equal(74, byArr.Score.Value!.Value, 10);   // 0.9·80 + 0.1·20
        Assert.Equal(HealthColor.Green, byArr.Score.Color);
        Assert.Equal(HealthRollup.ScorecardId, byArr.Score.ScorecardId);
    }

    [Fact]
    public void Rollup_SkipsChildrenWithoutScore_AndRefusesMixedCurrencies()
    {
        var result = HealthRollup.Compute([(Child("a", 1), Score(60)), (Child("b", 1), default(HealthScore) with { ScorecardId = "default" })]);
        Assert.Equal(2, result.Children);
        Assert.Equal(1, result.Included);
        Assert.Throws<CurrencyMismatchException>(() => HealthRollup.Compute([(Child("a", 1), Score(60)), (Child("b", 1, "EUR"), Score(60))], RollupWeighting.ContractValue));
        Assert.Null(HealthRollup.Compute([]).Score.Value);
    }

    [Theory]
    [InlineData(150.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Rollup_AChildScoreOutOfRange_IsRefusedNamingTheChild(double bad)
    {
        var ex = Assert.Throws<ArgumentException>(() => HealthRollup.Compute([(Child("a", 1), Score(60)), (Child("b", 1), Score(60) with { Value = bad })]));
        Assert.Contains("'b'", ex.Message, StringComparison.Ordinal);
    }
}
