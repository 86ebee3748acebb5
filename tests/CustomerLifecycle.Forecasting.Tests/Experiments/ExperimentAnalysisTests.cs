using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Experiments;

/// <summary>
/// The experiment analysis against R 4.2.2 and survival 3.5.3 (<c>prop.test</c>, <c>survdiff</c>, <c>coxph</c>,
/// <c>t.test</c>, <c>power.prop.test</c>; the commands and their output are in <c>reference/experiment.R</c>), and
/// against simulations with a known effect: intervals cover the truth at their level, and with no effect each test
/// rejects at its level.
/// </summary>
public sealed class ExperimentAnalysisTests
{
    private static readonly LocalDate Start = new(2026, 1, 1);

    private static readonly ExperimentDesign Design = new() { Name = "save-red", EnrolmentEnds = Start.PlusDays(59), HorizonDays = 180 };

    private static void Close(double expected, double actual, string what, double tolerance = 1e-6) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    /// <summary>600 accounts, 70 % treated, three strata; the same integer arithmetic as reference/experiment.R.</summary>
    private static List<ExperimentSubject> Generated()
    {
        var subjects = new List<ExperimentSubject>();
        for (var i = 0; i < 600; i++)
        {
            var treated = ((i * 7) + 3) % 10 < 7;
            var u = ((((i * 7919) + 13) % 1000) + 0.5) / 1000;
            var rate = (treated ? 0.0015 : 0.0022) * (new[] { 1.5, 1, 0.6 })[i % 3];
            var days = (int)Math.Ceiling(-Math.Log(u) / rate);
            var started = Start.PlusDays(i % 60);
            double health = 30 + ((i * 13) % 50);
            subjects.Add(new ExperimentSubject(new AccountId($"a{i}"), treated ? "treated" : "held out", started)
            {
                Stratum = new[] { "SMB", "Mid", "Ent" }[i % 3],
                Renewed = i % 2 == 0 ? (((i * 31) + 7) % 100) < (treated ? 80 : 70) : null,
                ChurnedOn = days <= 180 ? started.PlusDays(days) : null,
                HealthAtStart = health,
                HealthAtHorizon = health + ((i * 17) % 21) - 10 + (treated ? 3 : 0),
            });
        }

        return subjects;
    }

    [Fact]
    public void Generated_MatchesPropTestSurvdiffCoxphAndTTest()
    {
        var result = ExperimentAnalysis.Analyze(Design, Generated(), Design.ReadableOn);
        Assert.Equal((420, 180), (result.TreatmentSubjects, result.ControlSubjects));

        // prop.test(c(144, 84), c(180, 120)): X-squared, p-value, 95 % interval of p1 − p2, the estimates.
        var renewal = result.RenewalRate!;
        Assert.Equal((180, 120), (renewal.TreatmentSubjects, renewal.ControlSubjects));
        Close(3.41815911306043, renewal.Test!.Value.Statistic, "prop.test X-squared");
        Close(0.0644828818081818, renewal.PValue, "prop.test p");
        Close(-0.00762802304122417, renewal.Lower, "prop.test lower");
        Close(0.207628023041224, renewal.Upper, "prop.test upper");
        Close(0.8, renewal.Treatment, "treated rate");
        Close(0.7, renewal.Control, "held-out rate");
        Assert.False(renewal.Significant);

        // survdiff(Surv(time, event) ~ treated + strata(stratum)); coxph(Surv(time, event) ~ treated + strata(stratum)).
        var churn = result.TimeToChurn!;
        Close(5.93465932594797, churn.Test!.Value.Statistic, "stratified log-rank chi-square");
        Close(0.0148459383000646, churn.Test.Value.PValue, "stratified log-rank p");
        Close(0.673956229517003, churn.Effect, "hazard ratio");
        Close(0.489597415272256, churn.Lower, "hazard ratio lower .95");
        Close(0.927735696995446, churn.Upper, "hazard ratio upper .95");
        Close(0.0155212208623124, churn.PValue, "Cox p");
        Close(101.0 / 420, churn.Treatment, "treated churned within the horizon");
        Close(60.0 / 180, churn.Control, "held out churned within the horizon");
        Assert.True(churn.Significant);

        // t.test(change[treated], change[held out]): Welch's t, df, p, interval, means.
        var health = result.HealthChange!;
        Close(3.6968968489336e-08, health.PValue, "Welch p");
        Close(1.99002133814759, health.Lower, "Welch lower");
        Close(4.12426437613812, health.Upper, "Welch upper");
        Close(3.00714285714286, health.Treatment, "treated mean change");
        Close(-0.05, health.Control, "held-out mean change");
        Assert.Null(result.NetRevenueRetention);
        Assert.Contains(result.Notes, n => n.StartsWith("No net revenue retention", StringComparison.Ordinal));
    }

    [Fact]
    public void Power_OfARenewalLift_IsRsPowerPropTest_AndTheMinimumDetectableEffectHasTheTargetPower()
    {
        // power.prop.test(n = 100, p1 = 0.7, p2 = 0.75)$power: 100 renewals an arm, 70 renewed in the holdout.
        var subjects = Enumerable.Range(0, 200).Select(i => new ExperimentSubject(new AccountId($"a{i}"), i < 100 ? "treated" : "held out", Start) { Renewed = i < 100 ? i % 10 < 7 : (i - 100) % 10 < 7 }).ToList();
        var renewal = ExperimentAnalysis.Analyze(Design, subjects, Design.ReadableOn).RenewalRate!;
        Close(0.121002157664963, renewal.Power, "power.prop.test");
        Assert.Equal(0.05, renewal.PowerAgainst);

        // The minimum detectable effect is the lift with the target power.
        var mde = renewal.MinimumDetectableEffect;
        Close(0.8, ExperimentAnalysis.Analyze(Design with { RenewalRateLift = mde }, subjects, Design.ReadableOn).RenewalRate!.Power, "power at the minimum detectable effect");
    }

    [Fact]
    public void Plan_GivesRsSampleSize_AndSchoenfeldsEvents()
    {
        // power.prop.test(p1 = 0.7, p2 = 0.75, power = 0.8)$n = 1250.72 renewals an arm: 2,502 for both when half are
        // held out. Schoenfeld (1983, Biometrika 70(2)): a hazard ratio of 0.8 at 5 % and 80 % power with equal arms
        // takes (1.96 + 0.8416)² / (0.25 · ln²0.8) = 631 events; at 20 % churn (16.3 % treated) that is 3,472 accounts.
        var plan = ExperimentAnalysis.Plan(Design, holdoutShare: 0.5, baselineRenewalRate: 0.7, baselineChurnShare: 0.2);
        Assert.Equal(2502, plan.RenewalsForLift);
        Assert.Equal(631, plan.ChurnEventsForHazardRatio);
        Assert.Equal((int)Math.Ceiling(631 / ((0.5 * (1 - Math.Pow(0.8, 0.8))) + (0.5 * 0.2))), plan.AccountsForHazardRatio);

        // A smaller holdout needs more accounts for the same power.
        Assert.True(ExperimentAnalysis.Plan(Design, 0.1, 0.7, 0.2).RenewalsForLift > plan.RenewalsForLift);
        Assert.Contains("not a rate", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Plan(Design with { RenewalRateLift = 0.4 }, 0.5, 0.7, 0.2)).Message);
    }

    [Fact]
    public void AnExperiment_IsReadOnlyAfterEveryFollowUpEnds()
    {
        var early = Assert.Throws<InvalidOperationException>(() => ExperimentAnalysis.Analyze(Design, Generated(), Design.ReadableOn.PlusDays(-1)));
        Assert.Contains("on 2026-08-28 or after", early.Message);

        // Accounts started after the enrolment, and accounts of other arms, are left out and said so.
        var subjects = Generated();
        subjects.Add(new ExperimentSubject(new AccountId("late"), "treated", Design.EnrolmentEnds.PlusDays(1)));
        subjects.Add(new ExperimentSubject(new AccountId("variant-c"), "c", Start));
        var result = ExperimentAnalysis.Analyze(Design, subjects, Design.ReadableOn);
        Assert.Equal((420, 180), (result.TreatmentSubjects, result.ControlSubjects));
        Assert.Contains(result.Notes, n => n.StartsWith("1 account(s) in arms other than", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("1 account(s) started after the enrolment ended (2026-03-01)", StringComparison.Ordinal));

        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Analyze(Design, [.. Generated(), Generated()[0]], Design.ReadableOn)).Message);
        Assert.Contains("HealthAtStart 101", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Analyze(Design, [Generated()[0] with { HealthAtStart = 101 }], Design.ReadableOn)).Message);
        Assert.Contains("both arms", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Analyze(Design, Generated().Where(s => s.Arm == "treated"), Design.ReadableOn)).Message);
        Assert.Contains("HorizonDays is 1 or more; it is 0", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Analyze(Design with { HorizonDays = 0 }, Generated(), Design.ReadableOn)).Message);
        Assert.Contains("HazardRatio", Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Analyze(Design with { HazardRatio = 1 }, Generated(), Design.ReadableOn)).Message);
    }

    /// <summary>
    /// 400 simulated experiments of 400 accounts (half held out, three strata) with known effects: renewal +8 points,
    /// hazard ratio 0.7, health +2 points, net revenue retention +3 points. Each 95 % interval must cover the truth in
    /// 92 %–98 % of them (the binomial's 3 standard deviations around 95 %; prop.test's continuity correction makes its
    /// interval a little wider, so up to 99.5 %).
    /// </summary>
    [Fact]
    public void Intervals_CoverAKnownEffect_AtTheirLevel()
    {
        var (renewal, churn, health, revenue, _) = Simulate(replications: 400, renewalLift: 0.08, hazardRatio: 0.7, healthLift: 2, revenueLift: 0.03, seed: 1);
        Assert.InRange(renewal.Covered, 0.92, 0.995);
        Assert.InRange(churn.Covered, 0.92, 0.98);
        Assert.InRange(health.Covered, 0.92, 0.98);
        Assert.InRange(revenue.Covered, 0.92, 0.98);
    }

    /// <summary>
    /// With no effect at all, each test rejects at p &lt; 0.05 in 2 %–8 % of 400 experiments (the log-rank test too);
    /// prop.test with its continuity correction is conservative, so at most 8 % and possibly well under 5 %.
    /// </summary>
    [Fact]
    public void WithNoEffect_EachTestRejectsAtItsLevel()
    {
        var (renewal, churn, health, revenue, logRank) = Simulate(replications: 400, renewalLift: 0, hazardRatio: 1, healthLift: 0, revenueLift: 0, seed: 2);
        Assert.InRange(renewal.Rejected, 0.0, 0.08);
        Assert.InRange(churn.Rejected, 0.02, 0.08);
        Assert.InRange(logRank, 0.02, 0.08);
        Assert.InRange(health.Rejected, 0.02, 0.08);
        Assert.InRange(revenue.Rejected, 0.02, 0.08);
    }

    private static ((double Covered, double Rejected) Renewal, (double Covered, double Rejected) Churn, (double Covered, double Rejected) Health, (double Covered, double Rejected) Revenue, double LogRank) Simulate(int replications, double renewalLift, double hazardRatio, double healthLift, double revenueLift, int seed)
    {
        var random = new Random(seed);
        var counts = new int[9];
        for (var r = 0; r < replications; r++)
        {
            var subjects = new List<ExperimentSubject>();
            for (var i = 0; i < 400; i++)
            {
                var treated = random.NextDouble() < 0.5;
                var stratum = i % 3;
                var started = Start.PlusDays(random.Next(60));
                var hazard = 0.002 * (new[] { 1.5, 1, 0.6 })[stratum] * (treated ? hazardRatio : 1);
                var days = (int)Math.Ceiling(-Math.Log(1 - random.NextDouble()) / hazard);
                var revenue = 1_000m + random.Next(0, 20_000);
                var growth = 1 + (treated ? revenueLift : 0) + ((random.NextDouble() - 0.5) * 0.4);
                double health = random.Next(20, 80);
                subjects.Add(new ExperimentSubject(new AccountId($"a{i}"), treated ? "treated" : "held out", started)
                {
                    Stratum = stratum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Renewed = random.NextDouble() < 0.7 + (treated ? renewalLift : 0),
                    ChurnedOn = days <= 180 ? started.PlusDays(days) : null,
                    HealthAtStart = health,
                    HealthAtHorizon = Math.Clamp(health + (treated ? healthLift : 0) + ((random.NextDouble() - 0.5) * 20), 0, 100),
                    RevenueAtStart = revenue,
                    RevenueAtHorizon = revenue * (decimal)growth,
                });
            }

            var result = ExperimentAnalysis.Analyze(Design, subjects, Design.ReadableOn);
            Tally(result.RenewalRate!, renewalLift, 0);
            Tally(result.TimeToChurn!, hazardRatio, 2);
            Tally(result.HealthChange!, healthLift, 4);
            Tally(result.NetRevenueRetention!, revenueLift, 6);
            counts[8] += result.TimeToChurn!.Test!.Value.PValue < 0.05 ? 1 : 0;
        }

        (double, double) Share(int k) => ((double)counts[k] / replications, (double)counts[k + 1] / replications);
        return (Share(0), Share(2), Share(4), Share(6), (double)counts[8] / replications);

        void Tally(EffectEstimate e, double truth, int k)
        {
            counts[k] += e.Lower <= truth && truth <= e.Upper ? 1 : 0;
            counts[k + 1] += e.PValue < 0.05 ? 1 : 0;
        }
    }
}
