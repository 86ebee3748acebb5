using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>The hot path's promise: no allocation per account. Counts bytes, not time (timing belongs to the benchmarks).</summary>
public sealed class HealthScorerAllocationTests
{
    private static Account[] Accounts() => [.. Enumerable.Range(0, 200).Select(i => new Account
    {
        Id = new AccountId("a" + i),
        Name = "A",
        Stage = i % 4 == 0 ? DefaultLifecycleStages.Onboarding : DefaultLifecycleStages.Adoption,
        Contract = new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1000m, "USD"), 50),
        Signals = SignalSet.Create([
            new(WellKnownSignals.Logins30Days, i * 3), new(WellKnownSignals.ActiveSeats, i % 50), new(WellKnownSignals.Nps, i % 11),
            new(WellKnownSignals.UnresolvedTickets, i % 5), new(WellKnownSignals.HighSeverityTickets, i % 3), new(WellKnownSignals.OnboardingCompletion, 0.5)]),
    })];

    [Fact]
    public void Score_WithTheDefaultScorecards_AllocatesNothing()
    {
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart(), new HealthOverrideRegistry(FakeClock.AtDefaultStart()));
        var accounts = Accounts();
        foreach (var a in accounts)
        {
            scorer.Score(a); // warm up (JIT, statics)
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        double sum = 0;
        for (var round = 0; round < 10; round++)
        {
            foreach (var a in accounts)
            {
                sum += scorer.Score(a).Value ?? 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public void ScoreBatch_FromAccountsAndFromAMatrix_AllocatesNothingPerAccount()
    {
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart());
        var accounts = Accounts();
        var results = new HealthScore[accounts.Length];
        var matrix = SignalMatrix.FromAccounts(accounts, Scorecard.Default.Signals);
        scorer.ScoreBatch(accounts, results);
        scorer.ScoreBatch(matrix, results);

        var before = GC.GetAllocatedBytesForCurrentThread();
        scorer.ScoreBatch(accounts, results);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The matrix path's working memory comes from the shared array pools.
        before = GC.GetAllocatedBytesForCurrentThread();
        scorer.ScoreBatch(matrix, results);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
