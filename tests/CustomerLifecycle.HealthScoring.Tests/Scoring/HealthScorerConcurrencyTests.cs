using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class HealthScorerConcurrencyTests
{
    private static readonly SignalKey A = new("a");

    [Fact]
    public async Task ScoringWhileScorecardsAreSwapped_AlwaysUsesOneConsistentScorecard()
    {
        // Version 1 maps a → a; version 2 maps a → 100 - a: a torn read would give neither value.
        var v1 = Scorecard.CreateBuilder("s", 1).AddFactor(new SignalFactor("fa", A, PointMapping.Identity), 1).Build();
        var v2 = Scorecard.CreateBuilder("s", 2).AddFactor(new SignalFactor("fa", A, PointMapping.Linear((0, 100), (100, 0))), 1).Build();
        var clock = FakeClock.AtDefaultStart();
        var overrides = new HealthOverrideRegistry(clock);
        var scorer = new HealthScorer(new ScorecardResolver(v1), clock, overrides);
        var account = new Account { Id = new AccountId("x"), Name = "X", Signals = SignalSet.Create([new Signal(A, 30)]) };
        using var stop = new CancellationTokenSource();

        var swapper = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                scorer.UseResolver(new ScorecardResolver(i % 2 == 0 ? v2 : v1));
                overrides.Set(account.Id, HealthColor.Red, "dana", "test", Duration.FromDays(1));
                overrides.Clear(account.Id);
            }
        });
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var bad = 0;
            for (var i = 0; i < 20_000; i++)
            {
                var s = scorer.Score(account);
                var expected = s.ScorecardVersion == 1 ? 30 : 70;
                bad += s.Value == expected ? 0 : 1;
            }

            return bad;
        })).ToArray();

        var failures = (await Task.WhenAll(readers)).Sum();
        await stop.CancelAsync();
        await swapper;
        Assert.Equal(0, failures);
    }
}
