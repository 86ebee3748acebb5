namespace CustomerLifecycle.HealthScoring;

/// <summary>A fitted logistic regression: <c>P(y = 1) = 1 / (1 + exp(-(intercept + Σ coefficient·x)))</c>.</summary>
/// <param name="Intercept">The intercept.</param>
/// <param name="Coefficients">One coefficient per predictor.</param>
/// <param name="LogLikelihood">The log-likelihood at the fit.</param>
/// <param name="Iterations">The Newton–Raphson iterations used.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record LogisticRegression(double Intercept, IReadOnlyList<double> Coefficients, double LogLikelihood, int Iterations)
{
    /// <summary>The linear predictor for one case.</summary>
    /// <param name="x">The predictors, one per coefficient.</param>
    public double LinearPredictor(ReadOnlySpan<double> x)
    {
        var eta = Intercept;
        for (var k = 0; k < Coefficients.Count; k++)
        {
            eta += Coefficients[k] * x[k];
        }

        return eta;
    }

    /// <summary>
    /// Fits by maximum likelihood with Newton–Raphson (iteratively reweighted least squares), the method of R's
    /// <c>glm(family = binomial)</c>.
    /// </summary>
    /// <param name="x">The predictors: one row per case, each the same length; finite.</param>
    /// <param name="y">The outcomes.</param>
    /// <param name="maxIterations">The most iterations before giving up.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ArgumentException">The data are empty, ragged, not finite, or have only one outcome.</exception>
    /// <exception cref="InvalidOperationException">The fit did not converge, as when the outcomes are perfectly separated, or the predictors are collinear.</exception>
    public static LogisticRegression Fit(IReadOnlyList<double[]> x, IReadOnlyList<bool> y, int maxIterations = 50)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || x.Count != y.Count)
        {
            throw new ArgumentException($"Logistic regression needs as many outcomes as cases, and at least one case (got {x.Count} cases, {y.Count} outcomes).", nameof(y));
        }

        var p = x[0].Length + 1;
        for (var i = 0; i < x.Count; i++)
        {
            if (x[i].Length != p - 1 || x[i].Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException($"Case {i} has {x[i].Length} predictors or a value that is not finite; every case needs {p - 1} finite predictors.", nameof(x));
            }
        }

        if (y.All(v => v) || y.All(v => !v))
        {
            throw new ArgumentException("Logistic regression needs both outcomes among the cases.", nameof(y));
        }

        var beta = new double[p];
        var previous = double.NegativeInfinity;
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            var hessian = new double[p, p];
            var gradient = new double[p];
            var row = new double[p];
            var logLikelihood = 0.0;
            for (var i = 0; i < x.Count; i++)
            {
                row[0] = 1;
                x[i].CopyTo(row, 1);
                var eta = 0.0;
                for (var k = 0; k < p; k++)
                {
                    eta += beta[k] * row[k];
                }

                var prob = 1 / (1 + Math.Exp(-eta));
                var outcome = y[i] ? 1.0 : 0.0;
                logLikelihood += y[i] ? -Math.Log(1 + Math.Exp(-eta)) : -Math.Log(1 + Math.Exp(eta));
                var w = prob * (1 - prob);
                for (var a = 0; a < p; a++)
                {
                    gradient[a] += (outcome - prob) * row[a];
                    for (var b = 0; b <= a; b++)
                    {
                        hessian[a, b] += w * row[a] * row[b];
                    }
                }
            }

            if (Math.Abs(logLikelihood - previous) < 1e-10 * (Math.Abs(logLikelihood) + 0.1))
            {
                // A likelihood that reaches 1 means every case is fitted with probability 0 or 1: the outcomes are
                // separated and the "estimates" are just where the iteration stopped on its way to infinity.
                if (logLikelihood > -1e-6 * x.Count)
                {
                    break;
                }

                return new LogisticRegression(beta[0], beta[1..], logLikelihood, iteration - 1);
            }

            previous = logLikelihood;
            var step = SolveCholesky(hessian, gradient)
                ?? throw new InvalidOperationException("Logistic regression failed: the predictors are collinear or constant (the information matrix is singular).");
            for (var k = 0; k < p; k++)
            {
                beta[k] += step[k];
            }
        }

        throw new InvalidOperationException($"Logistic regression did not converge in {maxIterations} iterations; the outcomes may be perfectly separated by the predictors, in which case no finite maximum-likelihood fit exists.");
    }

    /// <summary>Solves A·s = b for a symmetric positive-definite A given by its lower triangle; null when A is not positive definite.</summary>
    private static double[]? SolveCholesky(double[,] a, double[] b)
    {
        var n = b.Length;
        var l = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                if (i == j)
                {
                    if (sum <= 1e-12 * Math.Max(1, Math.Abs(a[i, i])))
                    {
                        return null;
                    }

                    l[i, i] = Math.Sqrt(sum);
                }
                else
                {
                    l[i, j] = sum / l[j, j];
                }
            }
        }

        var z = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i, k] * z[k];
            }

            z[i] = sum / l[i, i];
        }

        var s = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = z[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[k, i] * s[k];
            }

            s[i] = sum / l[i, i];
        }

        return s;
    }
}
