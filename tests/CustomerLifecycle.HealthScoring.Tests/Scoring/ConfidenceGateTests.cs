using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>
/// A score's color needs enough of the scorecard's weight measured (ColorBands.MinimumConfidence, half by default): one
/// good signal out of eight must not make an account Green. Below it the score keeps its value, has no color, and says so.
/// </summary>
public sealed class ConfidenceGateTests
{
    // Eight factors of equal weight; the account has data for one, at its best.
    private static Scorecard EightFactors(double minimumConfidence, bool rule = true)
    {
        var builder = Scorecard.CreateBuilder("eight").WithColorBands(new ColorBands(40, 70, minimumConfidence));
        for (var i = 0; i < 8; i++)
        {
            builder.AddFactor(new SignalFactor($"f{i}", new SignalKey($"s{i}"), PointMapping.Identity), 1);
        }

        return (rule ? builder.AddCriticalRule(new CriticalRule("escalated", new SignalKey("escalations"), ComparisonOperator.GreaterThanOrEqual, 1, HealthColor.Red)) : builder).Build();
    }

    private static Account With(params (string Key, double Value)[] signals) => new()
    {
        Id = new AccountId("acme"),
        Name = "Acme",
        Signals = SignalSet.Create(signals.Select(s => new Signal(new SignalKey(s.Key), s.Value))),
    };

    [Fact]
    public void OneSignalOutOfEight_HasAScore_ButNoColor_AndSaysWhy()
    {
        var scorer = new HealthScorer(EightFactors(ColorBands.DefaultMinimumConfidence), FakeClock.AtDefaultStart());
        var score = scorer.Score(With(("s0", 100)));
        Assert.Equal((100.0, (HealthColor?)null, true, 0.125), (score.Value, score.Color, score.IsColorWithheld, score.Confidence));

        // Half of the weight measured is enough, exactly at the edge; and a scorecard may color any score.
        Assert.Equal(HealthColor.Green, scorer.Score(With(("s0", 100), ("s1", 100), ("s2", 100), ("s3", 100))).Color);
        Assert.Equal(HealthColor.Green, new HealthScorer(EightFactors(0), FakeClock.AtDefaultStart()).Score(With(("s0", 100))).Color);
        Assert.False(scorer.Score(With(("s0", 100), ("s1", 100), ("s2", 100), ("s3", 100))).IsColorWithheld);
    }

    [Fact]
    public void ACriticalRule_StillForcesItsColor_WithLittleData()
    {
        var score = new HealthScorer(EightFactors(0.5), FakeClock.AtDefaultStart()).Score(With(("s0", 100), ("escalations", 2)));
        Assert.Equal((HealthColor?)HealthColor.Red, score.Color);
        Assert.True(score.IsForcedByRule);
        Assert.False(score.IsColorWithheld);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheColumnPath_AndTheExplanation_WithholdTheSameColors(bool rule)
    {
        var scorer = new HealthScorer(EightFactors(0.5, rule), FakeClock.AtDefaultStart());
        Account[] accounts = [With(("s0", 100)), With(("s0", 100), ("s1", 90), ("s2", 80), ("s3", 75)), With(("s0", 10), ("escalations", 1)), With()];
        var matrix = SignalMatrix.FromAccounts(accounts, scorer.Resolver.Default.Signals);
        var colors = new HealthColor?[accounts.Length];
        scorer.ScoreBatch(matrix, new double[accounts.Length], colors);
        var scores = new HealthScore[accounts.Length];
        scorer.ScoreBatch(matrix, scores);
        Assert.Equal([null, HealthColor.Green, rule ? HealthColor.Red : null, null], colors);
        Assert.Equal(colors, scores.Select(s => s.Color));
        Assert.Equal(colors, accounts.Select(a => scorer.Score(a).Color));
        Assert.Equal(colors, accounts.Select(a => scorer.Explain(a).Score.Color));
        Assert.Equal([true, false, !rule, false], scores.Select(s => s.IsColorWithheld));
    }

    [Fact]
    public void TheMinimum_IsConfigured_AndAnOutOfRangeValueIsRefusedNamingItsKey()
    {
        static IServiceProvider Provider(string minimum) => new ServiceCollection()
            .AddCustomerLifecycle()
            .UseClock(FakeClock.AtDefaultStart())
            .AddHealthScoring(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Scorecards:thin:MinimumConfidence"] = minimum,
                ["Scorecards:thin:Factors:0:Factor"] = "nps",
                ["DefaultScorecard"] = "thin",
            }).Build())
            .Services.BuildServiceProvider();

        Assert.Equal(0.25, Provider("0.25").GetRequiredService<HealthScorer>().Resolver.Default.ColorBands.MinimumConfidence);
        var refused = Assert.Throws<OptionsValidationException>(() => Provider("1.5").GetRequiredService<HealthScorer>());
        Assert.Contains("Scorecards:thin:MinimumConfidence: The minimum confidence is a share of the weight from 0 to 1 (was 1.5).", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorBands(40, 70, -0.1));
    }
}
