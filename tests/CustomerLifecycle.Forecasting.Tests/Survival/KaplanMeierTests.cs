namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// Checked against R 4.2.2, survival 3.5.3: <c>survfit(Surv(time, status) ~ 1, data = aml[aml$x == g, ], conf.type = ...)</c>,
/// the acute myelogenous leukemia data of Miller (1981) shipped with the package; R's <c>std.err</c> is the standard
/// error of −log S, so Greenwood's standard error of S is <c>surv × std.err</c>.
/// </summary>
public sealed class KaplanMeierTests
{
    // aml, x == "Maintained": time, status.
    private static readonly SurvivalObservation[] Maintained =
        [.. new (double, int)[] { (9, 1), (13, 1), (13, 0), (18, 1), (23, 1), (28, 0), (31, 1), (34, 1), (45, 0), (48, 1), (161, 0) }.Select(o => new SurvivalObservation(o.Item1, o.Item2 == 1))];

    // aml, x == "Nonmaintained".
    private static readonly SurvivalObservation[] Nonmaintained =
        [.. new (double, int)[] { (5, 1), (5, 1), (8, 1), (8, 1), (12, 1), (16, 0), (23, 1), (27, 1), (30, 1), (33, 1), (43, 1), (45, 1) }.Select(o => new SurvivalObservation(o.Item1, o.Item2 == 1))];

    [Fact]
    public void Maintained_MatchesRSurvfit_WithLogIntervals()
    {
        var curve = KaplanMeier.Fit(Maintained.AsEnumerable().Reverse().ToArray());
        double[] time = [9, 13, 18, 23, 28, 31, 34, 45, 48, 161];
        int[] risk = [11, 10, 8, 7, 6, 5, 4, 3, 2, 1];
        int[] events = [1, 1, 1, 1, 0, 1, 1, 0, 1, 0];
        int[] censored = [0, 1, 0, 0, 1, 0, 0, 1, 0, 1];
        double[] surv = [0.9090909091, 0.8181818182, 0.7159090909, 0.6136363636, 0.6136363636, 0.4909090909, 0.3681818182, 0.3681818182, 0.1840909091, 0.1840909091];
        double[] stdErr = [0.09534625892, 0.14213381090, 0.19508757792, 0.24873416908, 0.24873416908, 0.33446776656, 0.44181672694, 0.44181672694, 0.83378775489, 0.83378775489];
        double[] lower = [0.75413384508, 0.61924898740, 0.48842628742, 0.37686705950, 0.37686705950, 0.25485995120, 0.15487711790, 0.15487711790, 0.03591789849, 0.03591789849];
        double[] upper = [1, 1, 1, 0.9991576002, 0.9991576002, 0.9455849552, 0.8752606781, 0.8752606781, 0.9435257695, 0.9435257695];

        Assert.Equal(time, curve.Points.Select(p => p.Time));
        Assert.Equal(risk, curve.Points.Select(p => p.AtRisk));
        Assert.Equal(events, curve.Points.Select(p => p.Events));
        Assert.Equal(censored, curve.Points.Select(p => p.Censored));
        for (var i = 0; i < time.Length; i++)
        {
            Assert.Equal(surv[i], curve.Points[i].Survival, 1e-9);
            Assert.Equal(surv[i] * stdErr[i], curve.Points[i].StandardError!.Value, 1e-9);
            Assert.Equal(lower[i], curve.Points[i].Lower!.Value, 1e-9);
            Assert.Equal(upper[i], curve.Points[i].Upper!.Value, 1e-9);
        }

        Assert.Equal((11, 7), (curve.Subjects, curve.Events));
        Assert.Equal((31.0, 18.0, (double?)null), (curve.Median, curve.MedianLower, curve.MedianUpper));
        Assert.Equal(1.0, curve.SurvivalAt(8.9));
        Assert.Equal(0.8181818182, curve.SurvivalAt(17), 1e-9);
    }

    [Theory]
    [InlineData(ConfidenceIntervalTransform.LogLog, new[] { 0.50808020577, 0.44742861468, 0.35019038591, 0.26575204000, 0.26575204000, 0.16733090978, 0.09282957494, 0.09282957494, 0.01173848012, 0.01173848012 }, new[] { 0.9866738227, 0.9511622286, 0.8990239742, 0.8352992433, 0.8352992433, 0.7533997904, 0.6570408324, 0.6570408324, 0.5250148427, 0.5250148427 }, 13.0, double.NaN)]
    [InlineData(ConfidenceIntervalTransform.Plain, new[] { 0.73920433313, 0.59025505880, 0.44217077872, 0.31448249195, 0.31448249195, 0.16909620065, 0.04935666056, 0.04935666056, 0, 0 }, new[] { 1, 1, 0.9896474031, 0.9127902353, 0.9127902353, 0.8127219812, 0.6870069758, 0.6870069758, 0.4849311627, 0.4849311627 }, 18.0, 48.0)]
    public void Maintained_MatchesRSurvfit_WithOtherTransforms(ConfidenceIntervalTransform transform, double[] lower, double[] upper, double medianLower, double medianUpper)
    {
        var curve = KaplanMeier.Fit(Maintained, transform: transform);
        Assert.Equal(lower, curve.Points.Select(p => Math.Round(p.Lower!.Value, 10)), new Tolerance(1e-9));
        Assert.Equal(upper, curve.Points.Select(p => Math.Round(p.Upper!.Value, 10)), new Tolerance(1e-9));
        Assert.Equal(31.0, curve.Median);
        Assert.Equal(medianLower, curve.MedianLower);
        Assert.Equal(double.IsNaN(medianUpper) ? null : medianUpper, curve.MedianUpper);
    }

    [Fact]
    public void Nonmaintained_MatchesRSurvfit_ThroughSurvivalOfZero()
    {
        var curve = KaplanMeier.Fit(Nonmaintained, transform: ConfidenceIntervalTransform.LogLog);
        double[] surv = [0.83333333333, 0.66666666667, 0.58333333333, 0.58333333333, 0.48611111111, 0.38888888889, 0.29166666667, 0.19444444444, 0.09722222222, 0];
        double[] lower = [0.481714942, 0.337018932, 0.270138924, 0.270138924, 0.191876620, 0.126272012, 0.072401609, 0.031198643, 0.005746306];
        double[] upper = [0.9555094, 0.8597118, 0.8009402, 0.8009402, 0.7296716, 0.6498174, 0.5608861, 0.4614295, 0.3489039];
        Assert.Equal(surv, curve.Points.Select(p => p.Survival), new Tolerance(1e-10));
        Assert.Equal(lower, curve.Points.Take(9).Select(p => p.Lower!.Value), new Tolerance(1e-8));
        Assert.Equal(upper, curve.Points.Take(9).Select(p => p.Upper!.Value), new Tolerance(1e-7));
        var last = curve.Points[^1];
        Assert.Equal((45.0, 1, 1, (double?)null, (double?)null, (double?)null), (last.Time, last.AtRisk, last.Events, last.StandardError, last.Lower, last.Upper));
        Assert.Equal((23.0, 5.0, 33.0), (curve.Median, curve.MedianLower, curve.MedianUpper));
        Assert.Equal((23.0, 8.0), (KaplanMeier.Fit(Nonmaintained).Median, KaplanMeier.Fit(Nonmaintained).MedianLower));
    }

    [Fact]
    public void Cohorts_AreFittedSeparately()
    {
        var curves = KaplanMeier.FitByGroup(Maintained.Select(o => ("Maintained", o)).Concat(Nonmaintained.Select(o => ("Nonmaintained", o))));
        Assert.Equal(31.0, curves["Maintained"].Median);
        Assert.Equal(23.0, curves["Nonmaintained"].Median);
    }

    [Fact]
    public void MedianAtExactlyOneHalf_IsMidwayToTheNextTime_AsR()
    {
        // survfit(Surv(c(1, 2, 3, 4), c(1, 1, 1, 1)) ~ 1): S = .75, .5, .25, 0; R reports median 2.5.
        var curve = KaplanMeier.Fit([new(1, true), new(2, true), new(3, true), new(4, true)]);
        Assert.Equal(2.5, curve.Median);
    }

    [Fact]
    public void BadInput_IsRefusedNamingTheValue()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => KaplanMeier.Fit([])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SurvivalObservation(-1, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SurvivalObservation(double.NaN, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SurvivalObservation(double.PositiveInfinity, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Fit(Maintained, confidenceLevel: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SurvivalObservation.FromDates(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2026, 3, 1), new NodaTime.LocalDate(2026, 2, 1)));
        Assert.Equal(new SurvivalObservation(31, true), SurvivalObservation.FromDates(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2026, 2, 1), new NodaTime.LocalDate(2026, 6, 1)));
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double obj) => 0;
    }
}
