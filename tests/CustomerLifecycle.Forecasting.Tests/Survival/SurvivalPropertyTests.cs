using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// Invariants of the Cox model and the log-rank test over random data (many ties, zero times, all censored, one
/// subject, covariates from −1e6 to 1e6): what a fit answers must not depend on the order of the rows, on where a
/// covariate's zero is, or on its unit; and a fit that cannot answer says why, the same way each time.
/// </summary>
public sealed class SurvivalPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static readonly Gen<(SurvivalObservation[] Observations, double[][] Covariates, int[] Groups, int[] Permutation, double Shift, double Scale)> Data =
        from n in Gen.Frequency((1, Gen.Choose(1, 4)), (4, Gen.Choose(5, 120)))
        from p in Gen.Choose(1, 3)
        from times in Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(0, 6)), (1, Gen.Choose(0, 1000))), n)
        from events in Gen.ArrayOf(Gen.Frequency((2, Gen.Constant(true)), (1, Gen.Constant(false))), n)
        from columns in Gen.ArrayOf(Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(-3, 3).Select(i => (double)i)), (1, Gen.Choose(-1000, 1000).Select(i => i / 7.0)), (1, Gen.Elements(-1e6, 0.0, 1e6))), n), p)
        from groups in Gen.ArrayOf(Gen.Choose(0, 2), n)
        from keys in Gen.ArrayOf(Gen.Choose(0, int.MaxValue), n)
        from shift in Gen.Elements(-1000.0, 0.5, 1e5)
        from scale in Gen.Elements(0.01, 3.0, -2.0)
        select (
            Enumerable.Range(0, n).Select(i => new SurvivalObservation(times[i], events[i])).ToArray(),
            columns,
            groups,
            Enumerable.Range(0, n).OrderBy(i => keys[i]).ThenBy(i => i).ToArray(),
            shift,
            scale);

    private static bool Near(double a, double b, double tolerance) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    // Whether two subjects with different covariates have risk scores within rounding of each other.
    private static bool NearTies(double[][] columns, CoxModel model)
    {
        var n = columns[0].Length;
        var scores = Enumerable.Range(0, n).Select(i => columns.Select((c, j) => c[i] * model.Coefficients[j].Coefficient).Sum()).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var k = i + 1; k < n; k++)
            {
                var differ = columns.Any(c => c[i] != c[k]);
                if (differ && Math.Abs(scores[i] - scores[k]) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(scores[i]), Math.Abs(scores[k]))))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Edge(object outcome) => outcome is CoxFitProblem.InfiniteCoefficient or CoxFitProblem.NotConverged;

    private static object Outcome(Func<CoxModel> fit)
    {
        try
        {
            return fit();
        }
        catch (CoxFitException e)
        {
            return e.Problem;
        }
    }

    [Fact]
    public void ACoxFit_DoesNotDependOnRowOrder_OnWhereZeroIs_OrOnTheUnit()
    {
        Prop.ForAll(Data.ToArbitrary(), d =>
        {
            var covariates = d.Covariates.Select((c, j) => new CoxCovariate($"x{j}", c)).ToArray();
            var shuffled = covariates.Select(c => c with { Values = [.. d.Permutation.Select(i => c.Values[i])] }).ToArray();
            var moved = covariates.Select(c => c with { Values = [.. c.Values.Select(v => (v * d.Scale) + d.Shift)] }).ToArray();
            var original = Outcome(() => CoxRegression.Fit(d.Observations, covariates));
            var reordered = Outcome(() => CoxRegression.Fit([.. d.Permutation.Select(i => d.Observations[i])], shuffled));
            var rescaled = Outcome(() => CoxRegression.Fit(d.Observations, moved));
            if (original is not CoxModel model)
            {
                // A problem is a problem of the data, whatever their order; a rescaled covariate may cross the
                // numerical limits differently only towards an infinite coefficient or non-convergence.
                // A problem of the data is the same whatever the rows' order and the covariates' zero and unit; only
                // at the edge of an infinite coefficient may rounding tip a fit either way.
                Assert.True(
                    (Equals(original, reordered) && Equals(original, rescaled)) || Edge(original) || Edge(reordered) || Edge(rescaled),
                    $"n {d.Observations.Length}, p {d.Covariates.Length}: {original}, reordered {reordered}, rescaled ({d.Scale}, {d.Shift}) {rescaled}");
                return true;
            }

            if (reordered is not CoxModel same || rescaled is not CoxModel unit)
            {
                Assert.True(Edge(reordered) || Edge(rescaled), $"n {d.Observations.Length}, p {d.Covariates.Length}: a model, reordered {reordered}, rescaled ({d.Scale}, {d.Shift}) {rescaled}");
                return true;
            }

            for (var j = 0; j < model.Coefficients.Count; j++)
            {
                var (c, r, u) = (model.Coefficients[j], same.Coefficients[j], unit.Coefficients[j]);
                Assert.True(Near(c.Coefficient, r.Coefficient, 1e-7) && Near(c.StandardError, r.StandardError, 1e-6), $"reordered rows: β {c.Coefficient:R} / {r.Coefficient:R}, se {c.StandardError:R} / {r.StandardError:R}");
                Assert.True(Near(c.Coefficient, u.Coefficient * d.Scale, 1e-5) && Near(c.Z, u.Z * Math.Sign(d.Scale), 1e-5), $"scaled by {d.Scale} and shifted by {d.Shift}: β {c.Coefficient:R} / {u.Coefficient * d.Scale:R}, z {c.Z:R} / {u.Z:R}");
            }

            Assert.True(Near(model.LogLikelihood, same.LogLikelihood, 1e-9) && Near(model.LogLikelihood, unit.LogLikelihood, 1e-7), $"log-likelihoods {model.LogLikelihood:R}, {same.LogLikelihood:R}, {unit.LogLikelihood:R}");
            // The pairs compared, and those tied in time, never depend on the order. Which pairs tie in risk does when two
            // subjects' risk scores are equal in exact arithmetic (x₁β₁ + x₂β₂ on different rows) and the estimates,
            // fitted in another order, differ in their last digits: then a pair may tie in one fit and not the other.
            var (c1, c2) = (model.Concordance, same.Concordance);
            Assert.Equal(c1.Concordant + c1.Discordant + c1.TiedRisk, c2.Concordant + c2.Discordant + c2.TiedRisk);
            Assert.Equal(c1.TiedTime + c1.TiedTimeAndRisk, c2.TiedTime + c2.TiedTimeAndRisk);
            if (!NearTies(d.Covariates, model))
            {
                Assert.Equal(c1 with { StandardError = 0 }, c2 with { StandardError = 0 });
                Assert.True(Near(c1.StandardError, c2.StandardError, 1e-9) || (double.IsNaN(c1.StandardError) && double.IsNaN(c2.StandardError)), $"concordance standard errors {c1.StandardError:R}, {c2.StandardError:R}");
            }
            Assert.True(model.LikelihoodRatio.Statistic >= -1e-9, $"likelihood-ratio statistic {model.LikelihoodRatio.Statistic:R}");
            return true;
        }).Check(Runs);
    }

    [Fact]
    public void ALogRankTest_DoesNotDependOnRowOrder_AndCountsEveryEvent()
    {
        Prop.ForAll(Data.ToArbitrary(), d =>
        {
            var rows = d.Groups.Zip(d.Observations).Select(x => (Group: x.First, Observation: x.Second)).ToArray();
            if (rows.Select(r => r.Group).Distinct().Count() < 2 || !rows.Any(r => r.Observation.Churned))
            {
                return Record.Exception(() => LogRankTest.Compare(rows)) is ArgumentException;
            }

            if (Record.Exception(() => LogRankTest.Compare(rows)) is ArgumentException refused)
            {
                // Only when no difference has any variance: everyone at risk churned at every event time.
                Assert.Contains("cannot be compared", refused.Message, StringComparison.Ordinal);
                return true;
            }

            var result = LogRankTest.Compare(rows);
            var reordered = LogRankTest.Compare(d.Permutation.Select(i => rows[i]));
            var test = result.Test;
            return Near(test.Statistic, reordered.Test.Statistic, 1e-9)
                && test.Statistic >= -1e-9 && test.PValue is >= 0 and <= 1
                && Math.Abs(result.Groups.Sum(g => g.Observed) - rows.Count(r => r.Observation.Churned)) < 1e-9
                && Math.Abs(result.Groups.Sum(g => g.Observed - g.Expected)) < 1e-9
                && result.Groups.All(g => reordered.Groups.Single(h => h.Key == g.Key) is var h && Near(g.Expected, h.Expected, 1e-9));
        }).Check(Runs);
    }
}
