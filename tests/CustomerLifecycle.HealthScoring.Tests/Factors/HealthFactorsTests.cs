using CustomerLifecycle.Testing;

namespace CustomerLifecycle.HealthScoring.Tests.Factors;

public sealed class HealthFactorsTests
{
    /// <summary>Each built-in factor: a measured account, and the same account without its data (not applicable).</summary>
    public static TheoryData<string, Signal[], double> Cases() => new()
    {
        { "usage_frequency", [new(WellKnownSignals.Logins30Days, 80), new(WellKnownSignals.ActiveSeats, 10)], 70 },     // 8 per user, between knots (4, 50) and (12, 90): 50 + ½·40
        { "feature_depth", [new(WellKnownSignals.FeaturesUsed, 6), new(WellKnownSignals.FeaturesAvailable, 10)], 85 },
        { "seat_utilization", [new(WellKnownSignals.ActiveSeats, 40), new(WellKnownSignals.LicensedSeats, 50)], 90 },
        { "survey_response", [new(WellKnownSignals.SurveyResponseRate, 0.25)], 60 },
        { "webinar_attendance", [new(WellKnownSignals.WebinarsAttended90Days, 3)], 80 },
        { "email_engagement", [new(WellKnownSignals.EmailOpenRate, 0.3)], 75 },
        { "ticket_volume", [new(WellKnownSignals.TicketsOpened30Days, 5)], 50 },
        { "unresolved_tickets", [new(WellKnownSignals.UnresolvedTickets, 3)], 30 },
        { "high_severity_tickets", [new(WellKnownSignals.HighSeverityTickets, 1)], 40 },
        { "nps", [new(WellKnownSignals.Nps, 6)], 10 },
        { "csat", [new(WellKnownSignals.Csat, 4)], 75 },
        { "champion_left", [new(WellKnownSignals.ChampionLeft, 1)], 0 },
        { "late_payment", [new(WellKnownSignals.DaysLateOnPayment, 45)], 20 },
        { "contraction", [new(WellKnownSignals.ArrChangeRatio, -0.2)], 20 },
        { "onboarding_progress", [new(WellKnownSignals.OnboardingCompletion, 0.4)], 40 },
        { "csm_sentiment", [new(WellKnownSignals.CsmSentiment, 4)], 75 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BuiltInFactor_MapsItsSignals_AndIsNotApplicableWithoutThem(string name, Signal[] signals, double expectedPoints)
    {
        var factor = HealthFactors.All.Single(f => f.Name == name);
        var scorecard = Scorecard.CreateBuilder("one").AddFactor(factor, 1).Build();
        var scorer = new HealthScorer(scorecard, FakeClock.AtDefaultStart());
        var account = new Account { Id = new AccountId("a"), Name = "A", Signals = SignalSet.Create(signals) };

        Assert.Equal(expectedPoints, scorer.Explain(account).Factors[0].Points!.Value, 10);
        var empty = scorer.Explain(account with { Signals = SignalSet.Empty });
        Assert.Equal(FactorStatus.NotApplicable, empty.Factors[0].Status);
        Assert.False(empty.Score.IsApplicable);
    }

    [Fact]
    public void Nps_PromotersRaiseAndDetractorsLowerHealth()
    {
        var nps = HealthFactors.Nps.DefaultMapping;
        Assert.True(nps.Map(9) > nps.Map(8));
        Assert.True(nps.Map(6) < nps.Map(7));
        Assert.Equal(nps.Map(9), nps.Map(10));
    }

    [Fact]
    public void SeatUtilization_FallsBackToTheContractsSeats()
    {
        var account = new Account
        {
            Id = new AccountId("a"),
            Name = "A",
            Contract = new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1m, "USD"), licensedSeats: 50),
            Signals = SignalSet.Create([new(WellKnownSignals.ActiveSeats, 40)]),
        };
        var scorer = new HealthScorer(Scorecard.CreateBuilder("s").AddFactor(HealthFactors.SeatUtilization, 1).Build(), FakeClock.AtDefaultStart());
        Assert.Equal(90, scorer.Score(account).Value!.Value, 10);
    }

    [Fact]
    public void SeatUtilization_AgreesWithCoresRule_WhenContractAndSignalDiffer()
    {
        var account = new Account
        {
            Id = new AccountId("a"),
            Name = "A",
            Contract = new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1m, "USD"), licensedSeats: 50),
            Signals = SignalSet.Create([new(WellKnownSignals.ActiveSeats, 40), new(WellKnownSignals.LicensedSeats, 80)]),
        };
        var scorer = new HealthScorer(Scorecard.CreateBuilder("s").AddFactor(HealthFactors.SeatUtilization, 1).Build(), FakeClock.AtDefaultStart());
        Assert.Equal(0.8, account.SeatUtilization);                                  // the contract's 50 seats
        Assert.Equal(0.8, scorer.Explain(account).Factors[0].RawValue!.Value, 12);   // the same in the health score
        Assert.Equal(0.8, SignalMatrix.FromAccounts([account], Scorecard.Default.Signals)[0, WellKnownSignals.ActiveSeats] / SignalMatrix.FromAccounts([account], Scorecard.Default.Signals)[0, WellKnownSignals.LicensedSeats], 12);
    }

    [Fact]
    public void Ratio_ZeroDenominator_IsNotApplicable() =>
        Assert.True(double.IsNaN(HealthFactors.UsageFrequency.Measure([10, 0])));

    [Fact]
    public void FactorNames_AreUniqueAndValid()
    {
        Assert.Equal(HealthFactors.All.Count, HealthFactors.All.Select(f => f.Name).Distinct().Count());
        Assert.All(HealthFactors.All, f => Assert.True(SignalKey.IsValidName(f.Name)));
        Assert.Throws<ArgumentException>(() => new SignalFactor("Bad Name", WellKnownSignals.Nps, PointMapping.Identity));
    }
}
