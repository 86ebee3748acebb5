using CustomerLifecycle.Testing;

namespace CustomerLifecycle.HealthScoring.Tests.Calibration;

public sealed class HealthCalibratorTests
{
    private static readonly SignalKey X1 = new("x1");
    private static readonly SignalKey X2 = new("x2");

    private static Scorecard TwoFactors() => Scorecard.CreateBuilder("calibrated")
        .AddFactor(new SignalFactor("fx1", X1, PointMapping.Identity), 2)
        .AddFactor(new SignalFactor("fx2", X2, PointMapping.Identity), 1)
        .Build();

    /// <summary>The data set of <c>Calibration/reference/calibration.R</c> (<see cref="CalibrationReferenceData"/>).</summary>
    private static List<CalibrationCase> Dataset() =>
        [.. CalibrationReferenceData.Cases().Select(c => new CalibrationCase(
            new Account { Id = new AccountId("a" + c.Index), Name = "A" + c.Index, Signals = SignalSet.Create([new Signal(X1, c.X1), new Signal(X2, c.X2)]) },
            c.Renewed))];

    /// <summary>
    /// Expected values from R 4.2.2 (Calibration/reference/calibration.R): <c>glm(renewed ~ x1 + x2, family = binomial)</c>
    /// for the coefficients and log-likelihood, and <c>wilcox.test(...)$statistic / (n1 * n0)</c> for each AUC.
    /// </summary>
    [Fact]
    public void Calibrate_MatchesRsGlmAndWilcoxon()
    {
        var report = new HealthCalibrator(new HealthScorer(TwoFactors(), FakeClock.AtDefaultStart())).Calibrate(Dataset());

        Assert.Equal(146, report.Renewed);
        Assert.Equal(154, report.Churned);
        Assert.Equal(0, report.Excluded);
        Assert.Equal(0.836394769613948, report.ScoreAuc, 12);
        Assert.Equal(0.806840419854118, report.Factors[0].Auc!.Value, 12);
        Assert.Equal(0.627579612168653, report.Factors[1].Auc!.Value, 12);

        Assert.NotNull(report.Fit);
        Assert.Equal(-3.67073808986094, report.Fit.Intercept, 6);
        Assert.Equal(0.049457279172282, report.Fit.Coefficients[0], 8);
        Assert.Equal(0.0236825730055555, report.Fit.Coefficients[1], 8);
        Assert.Equal(-150.395093943537, report.Fit.LogLikelihood, 6);
        Assert.Equal(0.835527486212418, report.FittedAuc!.Value, 12);
        Assert.Equal(0.835527486212418 - 0.836394769613948, report.AucChange!.Value, 12);

        // Suggested weights follow the positive coefficients: 0.04946 / (0.04946 + 0.02368).
        Assert.Equal(0.049457279172282 / (0.049457279172282 + 0.0236825730055555), report.Factors[0].SuggestedWeight!.Value, 6);
        Assert.Equal(2.0 / 3, report.Factors[0].CurrentWeight, 12);
    }

    [Fact]
    public void Calibrate_ReportsChurnByColorBand()
    {
        var report = new HealthCalibrator(new HealthScorer(TwoFactors(), FakeClock.AtDefaultStart())).Calibrate(Dataset());
        var red = report.ColorBands.Single(b => b.Color == HealthColor.Red);
        var green = report.ColorBands.Single(b => b.Color == HealthColor.Green);
        Assert.Equal(300, report.ColorBands.Sum(b => b.Accounts));
        Assert.True(red.ChurnRate > green.ChurnRate);
    }

    [Fact]
    public void Calibrate_PerfectSeparation_SaysSoInsteadOfReturningNumbers()
    {
        var cases = Enumerable.Range(0, 40).Select(i => new CalibrationCase(
            new Account { Id = new AccountId("a" + i), Name = "A", Signals = SignalSet.Create([new Signal(X1, i), new Signal(X2, (i * 7) % 13)]) },
            Renewed: i >= 20)).ToList();
        var report = new HealthCalibrator(new HealthScorer(TwoFactors(), FakeClock.AtDefaultStart())).Calibrate(cases);
        Assert.Null(report.Fit);
        Assert.Null(report.FittedAuc);
        Assert.Contains("did not converge", report.FitProblem, StringComparison.Ordinal);
        Assert.Null(report.Factors[0].SuggestedWeight);
    }

    [Fact]
    public void Calibrate_OneOutcomeOnlyOrDuplicateAccounts_IsRefused()
    {
        var calibrator = new HealthCalibrator(new HealthScorer(TwoFactors(), FakeClock.AtDefaultStart()));
        var cases = Dataset();
        Assert.Throws<ArgumentException>(() => calibrator.Calibrate(cases.Select(c => c with { Renewed = true })));
        Assert.Throws<ArgumentException>(() => calibrator.Calibrate([cases[0], cases[0], cases[1] with { Renewed = !cases[0].Renewed }]));
    }

    [Fact]
    public void RocAuc_CountsTiesAsOneHalf()
    {
        // Positives 0.8, 0.4 against negatives 0.4, 0.1: pairs (0.8>0.4), (0.8>0.1), (0.4=0.4 → ½), (0.4>0.1) = 3.5 / 4.
        Assert.Equal(0.875, RocAuc.Compute([0.8, 0.4, 0.4, 0.1], [true, true, false, false]));
        Assert.Equal(0.5, RocAuc.Compute([1, 1, 1, 1], [true, false, true, false]));
        Assert.Throws<ArgumentException>(() => RocAuc.Compute([1, 2], [true, true]));
        Assert.Throws<ArgumentException>(() => RocAuc.Compute([double.NaN, 2], [true, false]));
    }
}
