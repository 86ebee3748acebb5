using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>What a scorecard can see of a portfolio: the mistakes a first portfolio makes (a signal a factor needs alongside another, a name of one's own, nothing the scorecard reads).</summary>
public sealed class CoverageTests
{
    private static Account Account(string id, StageId? stage = null, params Signal[] signals) =>
        new() { Id = new AccountId(id), Name = id, Stage = stage ?? DefaultLifecycleStages.Adoption, Signals = SignalSet.Create(signals) };

    [Fact]
    public void AFactorMissingOneOfItsInputs_AndASignalNoScorecardReads_AreNamed()
    {
        // Logins without active seats: usage_frequency (logins per active user) is never measured, and the team's own
        // api_calls_7d is read by no scorecard; NPS is.
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart());
        var coverage = scorer.Coverage([
            Account("a", null, new Signal(WellKnownSignals.Logins30Days, 40), new Signal(WellKnownSignals.Nps, 9), new Signal(new SignalKey("api_calls_7d"), 1_200)),
            Account("b", null, new Signal(WellKnownSignals.Logins30Days, 12), new Signal(WellKnownSignals.Nps, 3)),
        ]);

        var use = Assert.Single(coverage.Scorecards);
        Assert.Equal((Scorecard.Default.Id, Scorecard.Default.Version, 2), (use.ScorecardId, use.Version, use.Accounts));
        Assert.Contains("usage_frequency", use.FactorsNeverMeasured);
        Assert.DoesNotContain("nps", use.FactorsNeverMeasured);
        Assert.Contains(WellKnownSignals.ActiveSeats, use.SignalsNotCarried);
        Assert.DoesNotContain(WellKnownSignals.Logins30Days, use.SignalsNotCarried);
        Assert.False(use.IsBlind);
        Assert.Equal([new SignalKey("api_calls_7d")], coverage.UnreadSignals);
        Assert.False(coverage.HasBlindScorecard);
    }

    [Fact]
    public void AScorecardThatSeesNothing_IsBlind_AndEachScorecardChosenIsListed()
    {
        // Onboarding accounts with none of the onboarding scorecard's signals; an adoption account with one.
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart());
        var coverage = scorer.Coverage([
            Account("new1", DefaultLifecycleStages.Onboarding, new Signal(new SignalKey("api_calls_7d"), 3)),
            Account("old", null, new Signal(WellKnownSignals.Nps, 9)),
            Account("new2", DefaultLifecycleStages.Onboarding),
        ]);

        Assert.Equal([(Scorecard.Onboarding.Id, 2, true), (Scorecard.Default.Id, 1, false)], coverage.Scorecards.Select(s => (s.ScorecardId, s.Accounts, s.IsBlind)));
        var onboarding = coverage.Scorecards[0];
        Assert.Equal(Scorecard.Onboarding.Factors.Select(f => f.Name), onboarding.FactorsNeverMeasured);
        Assert.Equal(Scorecard.Onboarding.Signals, onboarding.SignalsNotCarried);
        Assert.True(coverage.HasBlindScorecard);
    }

    [Fact]
    public void LicensedSeatsFromTheContract_CountAsCarried()
    {
        // The scorecard reads licensed seats as scoring does: from the contract when it licenses any.
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart());
        var account = Account("a", null, new Signal(WellKnownSignals.ActiveSeats, 8)) with
        {
            Contract = new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1_000m, "USD"), licensedSeats: 10),
        };
        var use = Assert.Single(scorer.Coverage([account]).Scorecards);
        Assert.DoesNotContain(WellKnownSignals.LicensedSeats, use.SignalsNotCarried);
        Assert.DoesNotContain("seat_utilization", use.FactorsNeverMeasured);
    }

    [Fact]
    public void NoAccounts_NoScorecards()
    {
        var coverage = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart()).Coverage([]);
        Assert.Empty(coverage.Scorecards);
        Assert.Empty(coverage.UnreadSignals);
    }
}
