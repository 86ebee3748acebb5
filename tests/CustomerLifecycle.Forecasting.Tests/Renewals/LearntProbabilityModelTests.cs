using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Renewals;

public sealed class LearntProbabilityModelTests
{
    private static readonly SignalKey X1 = new("x1");
    private static readonly SignalKey X2 = new("x2");
    private static readonly LocalDate FirstDecision = new(2025, 1, 1);

    /// <summary>Two factors whose points are the signals themselves (0–100), as HealthScoring's calibration test uses.</summary>
    private static HealthScorer Scorer() => new(
        Scorecard.CreateBuilder("calibrated")
            .AddFactor(new SignalFactor("fx1", X1, PointMapping.Identity), 2)
            .AddFactor(new SignalFactor("fx2", X2, PointMapping.Identity), 1)
            .Build(),
        FakeClock.AtDefaultStart());

    private static Account Account(int i, double? x1, double? x2)
    {
        List<Signal> signals = [];
        if (x1 is { } a)
        {
            signals.Add(new Signal(X1, a));
        }

        if (x2 is { } b)
        {
            signals.Add(new Signal(X2, b));
        }

        return new Account
        {
            Id = new AccountId("a" + i),
            Name = "A" + i,
            Signals = SignalSet.Create(signals),
            Contract = new Contract(new LocalDate(2024, 1, 1), new LocalDate(2025, 1, 1), new Money(10_000m, "USD"), 10),
        };
    }

    /// <summary>
    /// The data set of HealthScoring's <c>Calibration/reference/calibration.R</c> (300 cases, the same integer
    /// arithmetic), as decisions one day apart.
    /// </summary>
    private static List<RenewalDecision> Decisions() =>
        [.. CalibrationReferenceData.Cases().Select(c => new RenewalDecision(Account(c.Index, c.X1, c.X2), FirstDecision.PlusDays(c.Index), c.Renewed))];

    /// <summary>
    /// Expected values from R 4.2.2, <c>glm(renewed ~ x1 + x2, family = binomial)</c> on that data set
    /// (tests/CustomerLifecycle.HealthScoring.Tests/Calibration/reference/calibration.R): intercept −3.67073808986094,
    /// x1 0.049457279172282, x2 0.0236825730055555, log-likelihood −150.395093943537. The model's covariates are
    /// points per 10, so its coefficients are R's times 10.
    /// </summary>
    [Fact]
    public void FitHistory_MatchesRsGlm_PerTenPoints()
    {
        var model = LearntProbabilityModel.FitHistory(Decisions(), Scorer());

        Assert.Equal(["fx1", "fx2"], model.Factors);
        Assert.Empty(model.FactorsLeftOut);
        Assert.Equal((300, 146, 154, 0), (model.Decisions, model.Renewed, model.Churned, model.DecisionsLeftOut));
        Assert.Equal(-3.67073808986094, model.Fit.Intercept, 6);
        Assert.Equal(0.49457279172282, model.Fit.Coefficients[0], 6);
        Assert.Equal(0.236825730055555, model.Fit.Coefficients[1], 6);
        Assert.Equal(-150.395093943537, model.Fit.LogLikelihood, 6);
        Assert.Equal(FirstDecision.PlusDays(299), model.LatestDecision);

        // An upcoming renewal is scored from its account's factors now.
        Assert.True(model.TryEstimate(new RenewalCase(Account(1, 80, 40)), out var p));
        Assert.Equal(1 / (1 + Math.Exp(-(-3.67073808986094 + (0.049457279172282 * 80) + (0.0236825730055555 * 40)))), p, 6);
    }

    [Fact]
    public async Task FitHistoryAsync_ReadsTheFactorsFromTheHealthHistoryAtTheLeadTime()
    {
        // The same 300 decisions, their factors written to the health history 90 days before each (by the scorer's own
        // explanation, as the pipeline writes them), and a misleading record written after that date: the model is R's
        // glm fit again, so it read the records at the lead time and nothing later.
        var scorer = Scorer();
        var lead = Period.FromDays(90);
        var history = new InMemoryHealthHistoryStore();
        var decisions = Decisions();
        foreach (var d in decisions)
        {
            var read = d.Decided.Minus(lead);
            await history.WriteAsync([HealthRecord.From(read.PlusDays(-3), scorer.Explain(d.Before)), HealthRecord.From(read.PlusDays(1), scorer.Explain(d.Before with { Signals = SignalSet.Create([new Signal(X1, d.Renewed ? 0 : 100), new Signal(X2, 50)]) }))]);
        }

        // One decision has no record before its lead time: it is left out, and counted.
        var extra = new RenewalOutcome(new AccountId("never-scored"), FirstDecision.PlusDays(400), false);
        var model = await LearntProbabilityModel.FitHistoryAsync([.. decisions.Select(d => new RenewalOutcome(d.Before.Id, d.Decided, d.Renewed)), extra], history, lead, scorer);

        Assert.Equal(["fx1", "fx2"], model.Factors);
        Assert.Equal((300, 146, 1), (model.Decisions, model.Renewed, model.DecisionsLeftOut));
        Assert.Equal(-3.67073808986094, model.Fit.Intercept, 6);
        Assert.Equal(0.49457279172282, model.Fit.Coefficients[0], 6);
        Assert.Equal(0.236825730055555, model.Fit.Coefficients[1], 6);

        Assert.Contains("lead time", Assert.Throws<ArgumentException>(() => LearntProbabilityModel.FitHistoryAsync([extra], history, Period.FromDays(-1), scorer).AsTask().GetAwaiter().GetResult()).Message);
        Assert.Contains("two decisions", (await Assert.ThrowsAsync<ArgumentException>(() => LearntProbabilityModel.FitHistoryAsync([extra, extra], history, lead, scorer).AsTask())).Message);
    }

    [Fact]
    public void TryEstimate_HasNoOpinion_WithoutOneOfTheModelsFactors()
    {
        var model = LearntProbabilityModel.FitHistory(Decisions(), Scorer());

        Assert.False(model.TryEstimate(new RenewalCase(Account(1, 80, null)), out _));
        Assert.False(model.TryEstimate(Account(1, null, null), out _));

        // In a chain the next model answers, and the forecast line says which one did.
        var forecaster = new RenewalForecaster(new ChainProbabilityModel(model, HealthBandProbabilityModel.Default));
        var renewing = Account(1, 80, null) with { Contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 10), new Money(10_000m, "USD"), 10) };
        var measured = Account(2, 80, 40) with { Contract = renewing.Contract };
        var quarter = new DateInterval(new LocalDate(2027, 1, 1), new LocalDate(2027, 3, 31));
        var forecast = forecaster.Forecast([new RenewalCase(renewing, Scorer().Score(renewing)), new RenewalCase(measured, Scorer().Score(measured))], quarter);
        Assert.Equal(["health-band", "learnt"], forecast.Lines.OrderBy(l => l.Account.Value, StringComparer.Ordinal).Select(l => l.Model));
    }

    [Fact]
    public void FitHistory_RefusesTooFewOfTheRarerOutcomePerFactor_WithTheCounts()
    {
        // 25 decisions, 10 churns: enough for one factor at 10 per factor, not for two.
        var decisions = Enumerable.Range(0, 25).Select(i => new RenewalDecision(Account(i, (i * 37) % 101, (i * 53) % 97), FirstDecision.PlusDays(i), i % 5 < 3)).ToList();

        var error = Assert.Throws<ModelFitException>(() => LearntProbabilityModel.FitHistory(decisions, Scorer()));
        Assert.Contains("2 factors (fx1, fx2)", error.Message, StringComparison.Ordinal);
        Assert.Contains("of 25 decisions with every factor measured, 15 renewed and 10 churned", error.Message, StringComparison.Ordinal);
        Assert.Contains("10 cases per factor (20)", error.Message, StringComparison.Ordinal);
        Assert.Contains("support 1 factor(s)", error.Message, StringComparison.Ordinal);

        // With a rule of 5 events per factor it fits.
        Assert.Equal(25, LearntProbabilityModel.FitHistory(decisions, Scorer(), minimumEventsPerCovariate: 5).Decisions);
    }

    [Fact]
    public void FitHistory_NamesTheFactorThatSeparatesRenewalsFromChurns()
    {
        // Every account with fx1 at 50 or more renewed, every other churned: the coefficient is infinite.
        var decisions = Enumerable.Range(0, 100).Select(i => new RenewalDecision(Account(i, i, (i * 53) % 97), FirstDecision.PlusDays(i), i >= 50)).ToList();

        var error = Assert.Throws<ModelFitException>(() => LearntProbabilityModel.FitHistory(decisions, Scorer()));
        Assert.Contains("'fx1' separates the renewals from the churns", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'fx2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitHistory_UsesTheFactorsMeasuredBeforeTwoThirdsOfTheDecisions_AndCompleteCases()
    {
        var decisions = Decisions();

        // x2 missing before half of the decisions: fx2 is left out, and every decision is used with fx1 alone.
        var half = decisions.Select((d, i) => i % 2 == 0 ? d with { Before = Account(i, d.Before.Signals[X1], null) } : d).ToList();
        var model = LearntProbabilityModel.FitHistory(half, Scorer());
        Assert.Equal(["fx1"], model.Factors);
        Assert.Equal(["fx2"], model.FactorsLeftOut);
        Assert.Equal((300, 0), (model.Decisions, model.DecisionsLeftOut));

        // Missing before a quarter of them: fx2 enters, and those decisions are left out of the fit.
        var quarter = decisions.Select((d, i) => i % 4 == 0 ? d with { Before = Account(i, d.Before.Signals[X1], null) } : d).ToList();
        model = LearntProbabilityModel.FitHistory(quarter, Scorer());
        Assert.Equal(["fx1", "fx2"], model.Factors);
        Assert.Equal((225, 75), (model.Decisions, model.DecisionsLeftOut));

        var none = decisions.Select((d, i) => d with { Before = Account(i, null, null) }).ToList();
        Assert.Contains("No health factor was measured", Assert.Throws<ModelFitException>(() => LearntProbabilityModel.FitHistory(none, Scorer())).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LearntProbabilityModel.FitHistory([], Scorer()));
        Assert.Contains("two decisions on 2025-01-01", Assert.Throws<ArgumentException>(() => LearntProbabilityModel.FitHistory([decisions[0], decisions[0]], Scorer())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_FitsBeforeTheSplit_ScoresFromIt_AndTheLearntModelBeatsTheBandsOnThisHistory()
    {
        var decisions = Decisions();
        var split = FirstDecision.PlusDays(200);
        var scorer = Scorer();

        var comparison = RenewalModelBacktest.Compare(decisions, split, scorer);

        // Never fitted on the renewals it is scored on.
        Assert.Equal((200, 100, 100), (comparison.TrainingDecisions, comparison.TestDecisions, comparison.CommonDecisions));
        Assert.Equal(200, comparison.Learnt.Decisions);
        Assert.True(comparison.Learnt.LatestDecision < split);
        Assert.Equal(["learnt", "health-band"], comparison.Models.Select(m => m.Model));

        // The learnt model's figures, computed here from its own estimates on the test decisions.
        var test = decisions.Where(d => d.Decided >= split).ToArray();
        var p = test.Select(d => comparison.Learnt.TryEstimate(d.Before, out var q) ? q : double.NaN).ToArray();
        var y = test.Select(d => d.Renewed).ToArray();
        var learnt = comparison.Models[0].Common!;
        Assert.Equal(p.Zip(y, (q, r) => Math.Pow(q - (r ? 1 : 0), 2)).Average(), learnt.BrierScore, 12);
        Assert.Equal(RocAuc.Compute(p, y), learnt.Auc!.Value, 12);
        Assert.Equal(y.Count(r => r) / 100.0, learnt.RenewalRate, 12);
        Assert.Equal(100, learnt.Calibration.Sum(b => b.Cases));
        Assert.Equal((learnt.Cases, learnt.BrierScore), (comparison.Models[0].Own!.Cases, comparison.Models[0].Own!.BrierScore)); // it scored every test renewal

        // On a history whose renewals follow the factors, the learnt model beats the default band table, and always
        // guessing the renewal rate.
        var bands = comparison.Models[1].Common!;
        Assert.True(learnt.BrierScore < bands.BrierScore, $"learnt {learnt.BrierScore}, bands {bands.BrierScore}");
        Assert.True(learnt.BrierScore < learnt.RenewalRate * (1 - learnt.RenewalRate));
        Assert.Equal("learnt", comparison.Best!.Model);
    }

    [Fact]
    public void Compare_RefusesASplitWithNothingOnEitherSide()
    {
        var decisions = Decisions();
        Assert.Contains("there are 0", Assert.Throws<ArgumentException>(() => RenewalModelBacktest.Compare(decisions, FirstDecision, Scorer())).Message, StringComparison.Ordinal);
        Assert.Contains("there are 0", Assert.Throws<ArgumentException>(() => RenewalModelBacktest.Compare(decisions, FirstDecision.PlusDays(300), Scorer())).Message, StringComparison.Ordinal);
    }
}
