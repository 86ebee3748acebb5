namespace CustomerLifecycle.Testing;

/// <summary>
/// The 300-case data set of <c>tests/CustomerLifecycle.HealthScoring.Tests/Calibration/reference/calibration.R</c>,
/// built with the same integer arithmetic, so that C# and R read the same numbers: two predictors from 0 to 100 and an
/// outcome drawn from a logistic model in them. Tests compare fits on it with R 4.2.2's <c>glm</c>.
/// </summary>
public static class CalibrationReferenceData
{
    /// <summary>The cases, in R's row order.</summary>
    public static IEnumerable<(int Index, double X1, double X2, bool Renewed)> Cases()
    {
        for (var i = 0; i < 300; i++)
        {
            double x1 = i * 37 % 101;
            double x2 = ((i * 53) + 17) % 97;
            var u = ((((i * 7919) + 13) % 1000) + 0.5) / 1000;
            var eta = -4 + (0.05 * x1) + (0.03 * x2);
            yield return (i, x1, x2, u < 1 / (1 + Math.Exp(-eta)));
        }
    }
}
