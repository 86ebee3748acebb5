namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// The two cohorts of Fader &amp; Hardie, "How to project customer retention", Journal of Interactive Marketing 21(1),
/// 2007, Table 1 (customers alive at the start of years 0–7 of 1,000 acquired). The paper reports
/// High End α̂ = 0.668, β̂ = 3.806, LL = −1611.2 and Regular α̂ = 0.704, β̂ = 1.182, LL = −1680.3. Projections and the
/// discounted expected residual lifetime are checked against R 4.2.2 (<c>optim</c> on the same likelihood and a direct
/// sum of <c>S(t)/S(n) / 1.1^(t−n−1)</c> to t = 200,000).
/// </summary>
public sealed class ShiftedBetaGeometricTests
{
    private static readonly double[] HighEnd = [1000, 869, 743, 653, 593, 551, 517, 491];
    private static readonly double[] Regular = [1000, 631, 468, 382, 326, 289, 262, 241];

    [Fact]
    public void Fit_ReproducesThePublishedEstimates()
    {
        var high = ShiftedBetaGeometric.Fit(HighEnd);
        Assert.Equal(0.668, high.Model.Alpha, 0.0005);
        Assert.Equal(3.806, high.Model.Beta, 0.0005);
        Assert.Equal(-1611.2, high.LogLikelihood, 0.05);
        Assert.Equal(0.6680875686, high.Model.Alpha, 1e-5); // R optim
        Assert.Equal(3.806089207, high.Model.Beta, 1e-4);

        var regular = ShiftedBetaGeometric.Fit(Regular);
        Assert.Equal(0.704, regular.Model.Alpha, 0.0005);
        Assert.Equal(1.182, regular.Model.Beta, 0.0005);
        Assert.Equal(-1680.3, regular.LogLikelihood, 0.05);
        Assert.Equal(-1680.265188, regular.LogLikelihood, 1e-5);
        Assert.Equal(7, regular.Periods);
    }

    [Fact]
    public void Projections_MatchR()
    {
        var model = new ShiftedBetaGeometric(0.7040770218, 1.182042451);
        double[] survival = [0.6267060321, 0.4738193201, 0.3879739677, 0.3320679348, 0.29234713, 0.2624558542, 0.2390236533, 0.2200850083, 0.2044108302, 0.1911902359, 0.1798650383, 0.1700374994];
        double[] retention = [0.6267060321, 0.756047167, 0.8188226001, 0.8559026185, 0.880383498, 0.897754167, 0.9107194579, 0.9207666492, 0.928781255, 0.9353234159, 0.9407647699, 0.9453615944];
        Assert.Equal(1.0, model.Survival(0));
        for (var t = 1; t <= 12; t++)
        {
            Assert.Equal(survival[t - 1], model.Survival(t), 1e-9);
            Assert.Equal(retention[t - 1], model.RetentionRate(t), 1e-9);
        }

        Assert.Equal(2.964399599, model.DiscountedExpectedResidualLifetime(0, 0.1), 1e-8);
        Assert.Equal(4.103140534, model.DiscountedExpectedResidualLifetime(1, 0.1), 1e-8);
        Assert.Equal(5.894096362, model.DiscountedExpectedResidualLifetime(4, 0.1), 1e-8);

        var high = new ShiftedBetaGeometric(0.6680875686, 3.806089207);
        Assert.Equal(5.414479493, high.DiscountedExpectedResidualLifetime(0, 0.1), 1e-8);
        Assert.Equal(0.3779991773, high.Survival(12), 1e-9);

        // CLV of a new customer = m (1 + DERL(0) / 1.1); in R: 100 * sum(S(0:200000) / 1.1^(0:200000)).
        Assert.Equal(100 * (1 + (2.964399599 / 1.1)), (double)model.CustomerLifetimeValue(new Money(100m, "USD"), 0.1).Amount, 1e-6);
        Assert.Equal(410.3140534, (double)model.ResidualLifetimeValue(new Money(100m, "EUR"), 1, 0.1).Amount, 1e-6);
    }

    [Fact]
    public void DataWithoutAFiniteMaximum_SaysSoInsteadOfReturningNumbers()
    {
        Assert.Contains("Nobody in the cohort churned", Assert.Throws<ModelFitException>(() => ShiftedBetaGeometric.Fit([100, 100, 100])).Message, StringComparison.Ordinal);
        Assert.Contains("first period", Assert.Throws<ModelFitException>(() => ShiftedBetaGeometric.Fit([100, 0, 0])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new double[] { 1000 }, "at least one later count")]
    [InlineData(new double[] { 1000, 900, 950 }, "alive[2] = 950 is more than alive[1] = 900")]
    [InlineData(new double[] { 1000, -1 }, "alive[1] = -1")]
    [InlineData(new double[] { 1000, 900.5 }, "alive[1] = 900.5")]
    [InlineData(new double[] { 0, 0 }, "the cohort is empty")]
    [InlineData(new double[] { 1000, double.NaN }, "alive[1] = NaN")]
    public void BadCounts_AreRefusedNamingTheValue(double[] alive, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => ShiftedBetaGeometric.Fit(alive)).Message, StringComparison.Ordinal);

    [Fact]
    public void BadParameters_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftedBetaGeometric(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftedBetaGeometric(1, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftedBetaGeometric(1, 1).DiscountedExpectedResidualLifetime(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShiftedBetaGeometric(1, 1).Survival(-1));
    }
}
