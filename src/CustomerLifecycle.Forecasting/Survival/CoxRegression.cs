using System.Globalization;

namespace CustomerLifecycle.Forecasting;

/// <summary>How tied event times enter the Cox partial likelihood.</summary>
public enum CoxTies
{
    /// <summary>Efron's approximation: close to the exact likelihood, R's <c>coxph</c> default.</summary>
    Efron = 0,

    /// <summary>Breslow's approximation: every tied event against the full risk set; biased towards zero with many ties.</summary>
    Breslow = 1,
}

/// <summary>The function of time against which the proportional-hazards test looks for a trend in each covariate's effect.</summary>
public enum CoxTimeTransform
{
    /// <summary>1 − the pooled Kaplan–Meier survival just before the time: R's <c>cox.zph</c> default, robust to outlying times.</summary>
    KaplanMeier = 0,

    /// <summary>The time itself.</summary>
    Identity = 1,

    /// <summary>The time's rank among all subjects' times (ties averaged).</summary>
    Rank = 2,

    /// <summary>The time's logarithm; every time must be above zero.</summary>
    Log = 3,
}

/// <summary>What kept a Cox model from having finite, unique estimates.</summary>
public enum CoxFitProblem
{
    /// <summary>No observation ended with the event: there is nothing to fit.</summary>
    NoEvents = 0,

    /// <summary>A covariate has the same value for every subject: its effect cannot be told from the baseline hazard.</summary>
    ConstantCovariate = 1,

    /// <summary>A covariate is a linear combination of the ones before it (an indicator for every level, say): its effect is not unique.</summary>
    CollinearCovariates = 2,

    /// <summary>
    /// The partial likelihood keeps rising as a coefficient goes to ±infinity (monotone likelihood, for example a
    /// covariate that separates who churned from who did not): the estimate is infinite.
    /// </summary>
    InfiniteCoefficient = 3,

    /// <summary>Newton–Raphson did not converge within the iterations allowed.</summary>
    NotConverged = 4,
}

/// <summary>A covariate of a Cox model: a name and one value per subject, in the order of the observations.</summary>
/// <param name="Name">The covariate's name, as reported.</param>
/// <param name="Values">One finite value per subject.</param>
public sealed record CoxCovariate(string Name, IReadOnlyList<double> Values)
{
    /// <summary>
    /// Indicator covariates for a categorical variable (tier, touch model): one 0/1 column per level other than the
    /// reference, named <c>name=level</c>, in ordinal order of the levels.
    /// </summary>
    /// <param name="name">The variable's name.</param>
    /// <param name="levels">Each subject's level.</param>
    /// <param name="reference">The level the others are compared with; the first in ordinal order when null.</param>
    /// <returns>The indicator columns.</returns>
    /// <exception cref="ArgumentException">A level is null, or the reference is not among the levels, or there is only one level.</exception>
    public static IReadOnlyList<CoxCovariate> Indicators(string name, IReadOnlyList<string> levels, string? reference = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(levels);
        for (var i = 0; i < levels.Count; i++)
        {
            if (levels[i] is null)
            {
                throw new ArgumentException($"Subject {i} has no level of '{name}'.", nameof(levels));
            }
        }

        var distinct = levels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (distinct.Length < 2)
        {
            throw new ArgumentException($"'{name}' needs two or more levels to compare; every subject is '{distinct.FirstOrDefault()}'.", nameof(levels));
        }

        var baseline = reference ?? distinct[0];
        if (!distinct.Contains(baseline, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The reference level '{baseline}' of '{name}' is not among its levels ({string.Join(", ", distinct)}).", nameof(reference));
        }

        return [.. distinct.Where(l => l != baseline).Select(l => new CoxCovariate($"{name}={l}", [.. levels.Select(v => v == l ? 1.0 : 0.0)]))];
    }
}

/// <summary>Options of <see cref="CoxRegression.Fit"/>.</summary>
public sealed record CoxOptions
{
    /// <summary>The default options.</summary>
    public static CoxOptions Default { get; } = new();

    /// <summary>How tied event times are handled; Efron by default, as R.</summary>
    public CoxTies Ties { get; init; } = CoxTies.Efron;

    /// <summary>The level of the hazard ratios' Wald intervals, strictly between 0 and 1; 0.95 by default.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Also computes robust (sandwich) standard errors, from the score residuals: R's <c>coxph(robust = TRUE)</c>.</summary>
    public bool Robust { get; init; }

    /// <summary>The most Newton–Raphson iterations; 30 by default.</summary>
    public int MaxIterations { get; init; } = 30;

    /// <summary>Converged when the log partial likelihood changes by at most this, relatively; 1e-9 by default, as R.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>Also tests the proportional-hazards assumption (<see cref="CoxModel.ProportionalHazards"/>), R's <c>cox.zph</c>.</summary>
    public bool TestProportionalHazards { get; init; }

    /// <summary>The function of time that test uses; the Kaplan–Meier transform by default, as R.</summary>
    public CoxTimeTransform TimeTransform { get; init; } = CoxTimeTransform.KaplanMeier;
}

/// <summary>
/// What drives churn, and by how much: the Cox proportional-hazards model of time to churn against covariates (health
/// factor points, seats, tier or touch model as indicators), fitted by Newton–Raphson on the partial likelihood,
/// matching R's <c>survival::coxph</c>.
/// </summary>
/// <remarks>
/// The hazard of subject i is <c>h₀(t)·exp(xᵢᵀβ)</c>: each covariate multiplies the hazard by <c>exp(β)</c> per unit,
/// whatever the baseline <c>h₀</c>, which is left unspecified. The estimates maximize the partial likelihood (Efron's or
/// Breslow's for ties); standard errors come from the inverse information, intervals and p-values from the Wald
/// statistic. Assumes proportional hazards (each ratio constant over time) and independent censoring. Covariates are
/// centred on their means while fitting, as R does. O(n log n + n·p²) per iteration, O(n·p) memory.
/// </remarks>
public static class CoxRegression
{
    /// <summary>Fits a model.</summary>
    /// <param name="observations">Each subject's observation.</param>
    /// <param name="covariates">One or more covariates, each with a value per subject in the order of the observations.</param>
    /// <param name="options">The options; <see cref="CoxOptions.Default"/> when null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">No covariate, two with one name, a column of the wrong length, or a value that is not finite (named with its subject).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="CoxFitException">The data have no finite, unique estimates (see <see cref="CoxFitProblem"/>); no numbers are given for them.</exception>
    public static CoxModel Fit(IReadOnlyList<SurvivalObservation> observations, IReadOnlyList<CoxCovariate> covariates, CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(covariates);
        options ??= CoxOptions.Default;
        Check(options);
        var n = observations.Count;
        var p = covariates.Count;
        if (p == 0)
        {
            throw new ArgumentException("A Cox model needs at least one covariate.", nameof(covariates));
        }

        var names = new string[p];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < p; j++)
        {
            var c = covariates[j] ?? throw new ArgumentException($"Covariate {j} is null.", nameof(covariates));
            if (string.IsNullOrWhiteSpace(c.Name) || !seen.Add(c.Name))
            {
                throw new ArgumentException(string.IsNullOrWhiteSpace(c.Name) ? $"Covariate {j} has no name." : $"Two covariates are named '{c.Name}'.", nameof(covariates));
            }

            if (c.Values is null || c.Values.Count != n)
            {
                throw new ArgumentException($"Covariate '{c.Name}' has {c.Values?.Count ?? 0} values for {n} observations.", nameof(covariates));
            }

            names[j] = c.Name;
        }

        // Centred covariates, row-major.
        var means = new double[p];
        var x = new double[n * p];
        for (var j = 0; j < p; j++)
        {
            var values = covariates[j].Values;
            double sum = 0, first = n > 0 ? values[0] : 0;
            var constant = true;
            for (var i = 0; i < n; i++)
            {
                var v = values[i];
                if (!double.IsFinite(v))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Covariate '{names[j]}' of subject {i} is {v}; a covariate must be finite (a missing value has no place in the model: leave the subject out, or impute it)."), nameof(covariates));
                }

                sum += v;
                constant &= v == first;
            }

            if (constant && n > 0)
            {
                throw new CoxFitException(CoxFitProblem.ConstantCovariate, [names[j]], string.Create(CultureInfo.InvariantCulture, $"Covariate '{names[j]}' is {first} for every subject: its effect cannot be told from the baseline hazard. Leave it out."));
            }

            means[j] = n == 0 ? 0 : sum / n;
            for (var i = 0; i < n; i++)
            {
                x[(i * p) + j] = values[i] - means[j];
            }
        }

        var time = new double[n];
        var status = new bool[n];
        var events = 0;
        for (var i = 0; i < n; i++)
        {
            time[i] = observations[i].Time;
            status[i] = observations[i].Churned;
            events += status[i] ? 1 : 0;
        }

        if (options is { TestProportionalHazards: true, TimeTransform: CoxTimeTransform.Log } && Array.FindIndex(time, t => t <= 0) is var zero and >= 0)
        {
            throw new ArgumentException($"The proportional-hazards test's log transform needs times above zero; subject {zero} has time {time[zero]}. Use another CoxOptions.TimeTransform.", nameof(observations));
        }

        if (events == 0)
        {
            throw new CoxFitException(CoxFitProblem.NoEvents, [], $"None of the {n} observations ended with the event: a Cox model has nothing to fit.");
        }

        // Latest time first, so each risk set is everyone seen so far.
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => time[b].CompareTo(time[a]));
        var fit = new Fitter(x, time, status, order, n, p, options.Ties);

        var beta = new double[p];
        var u = new double[p];
        var information = new double[p * p];
        var nullLogLik = fit.Evaluate(beta, u, information);
        var factor = (double[])information.Clone();
        var tolerance = Math.Pow(options.Tolerance, 0.75);
        var singular = SymmetricMatrix.Cholesky(factor, p, tolerance);

        // The pivots are measured against the diagonal, which rounding leaves a little above zero for a covariate that
        // is constant among everyone at risk at every event: measure the diagonal itself against the covariate's
        // variance, so that the refusal does not depend on the covariate's unit or zero.
        for (var j = 0; j < p && singular < 0; j++)
        {
            double squares = 0;
            for (var i = 0; i < n; i++)
            {
                squares += x[(i * p) + j] * x[(i * p) + j];
            }

            if (!(information[(j * p) + j] > tolerance * squares / n))
            {
                singular = j;
            }
        }

        if (singular >= 0)
        {
            throw new CoxFitException(CoxFitProblem.CollinearCovariates, [.. names.Take(singular + 1)], $"Covariate '{names[singular]}' is a linear combination of {(singular == 1 ? $"'{names[0]}'" : $"the covariates before it ({string.Join(", ", names.Take(singular).Select(c => $"'{c}'"))})")} among the subjects at risk: its effect is not unique. Leave it out (with indicators, leave out one level).");
        }

        var score = SymmetricMatrix.QuadraticFormOfInverse(factor, p, u);

        // Newton–Raphson with step halving, as R's coxph.
        var logLik = nullLogLik;
        var step = (double[])u.Clone();
        SymmetricMatrix.Solve(factor, p, step);
        var candidate = new double[p];
        var iterations = 0;
        var converged = false;
        for (var halvings = 0; iterations < options.MaxIterations;)
        {
            iterations++;
            for (var j = 0; j < p; j++)
            {
                candidate[j] = beta[j] + step[j];
            }

            var newLogLik = fit.Evaluate(candidate, u, information);
            if (!double.IsFinite(newLogLik) || newLogLik < logLik)
            {
                // Overshot: halve the step and try again.
                if (++halvings > 30)
                {
                    break;
                }

                for (var j = 0; j < p; j++)
                {
                    step[j] /= 2;
                }

                continue;
            }

            halvings = 0;
            var change = Math.Abs(1 - (logLik / newLogLik));
            Array.Copy(candidate, beta, p);
            logLik = newLogLik;
            Array.Copy(information, factor, p * p);
            singular = SymmetricMatrix.Cholesky(factor, p, tolerance);
            if (singular >= 0)
            {
                // The information vanished along a coefficient running off to infinity.
                throw Infinite(names, [names[singular]]);
            }

            if (change <= options.Tolerance)
            {
                converged = true;
                break;
            }

            Array.Copy(u, step, p);
            SymmetricMatrix.Solve(factor, p, step);
        }

        // R's check for a coefficient that is really infinite: the next Newton step is still large against it. When the
        // iterations ran out, the same check names the coefficients still moving.
        var variance = SymmetricMatrix.Inverse(factor, p);
        var infinite = new List<string>();
        for (var j = 0; j < p; j++)
        {
            var next = 0.0;
            for (var k = 0; k < p; k++)
            {
                next += u[k] * variance[(k * p) + j];
            }

            next = Math.Abs(next);
            if (next > options.Tolerance && next > Math.Sqrt(options.Tolerance) * Math.Abs(beta[j]))
            {
                infinite.Add(names[j]);
            }
        }

        if (!converged)
        {
            throw new CoxFitException(CoxFitProblem.NotConverged, infinite, $"Newton–Raphson did not converge in {options.MaxIterations} iterations (the log partial likelihood still changed by more than {options.Tolerance} relatively){(infinite.Count > 0 ? $"; still moving: {string.Join(", ", infinite.Select(c => $"'{c}'"))}, whose coefficients may be infinite" : string.Empty)}. Raise CoxOptions.MaxIterations, or leave such covariates out.");
        }

        if (infinite.Count > 0)
        {
            throw Infinite(names, infinite);
        }

        double[]? robust = null;
        if (options.Robust)
        {
            robust = fit.RobustVariance(beta, variance);
        }

        var proportional = options.TestProportionalHazards ? fit.ProportionalHazards(beta, TimeFunction([.. observations], time, status, options.TimeTransform), names, options.TimeTransform) : null;

        var z = Statistics.NormalQuantile(1 - ((1 - options.ConfidenceLevel) / 2));
        var coefficients = new CoxCoefficient[p];
        for (var j = 0; j < p; j++)
        {
            var se = Math.Sqrt(variance[(j * p) + j]);
            var wald = beta[j] / se;
            double? robustSe = robust is null ? null : Math.Sqrt(robust[(j * p) + j]);
            double? robustZ = beta[j] / robustSe;
            coefficients[j] = new CoxCoefficient(
                names[j],
                beta[j],
                se,
                Math.Exp(beta[j]),
                Math.Exp(beta[j] - (z * se)),
                Math.Exp(beta[j] + (z * se)),
                wald,
                2 * Statistics.NormalCdf(-Math.Abs(wald)),
                robustSe)
            {
                RobustZ = robustZ,
                RobustPValue = robustZ is { } rz ? 2 * Statistics.NormalCdf(-Math.Abs(rz)) : null,
                RobustLower = robustSe is { } rl ? Math.Exp(beta[j] - (z * rl)) : null,
                RobustUpper = robustSe is { } ru ? Math.Exp(beta[j] + (z * ru)) : null,
            };
        }

        var waldStatistic = WaldStatistic(beta, information, p);
        ChiSquareTest? robustWald = null;
        if (robust is not null)
        {
            var robustFactor = (double[])robust.Clone();
            if (SymmetricMatrix.Cholesky(robustFactor, p, 1e-12) < 0)
            {
                var statistic = SymmetricMatrix.QuadraticFormOfInverse(robustFactor, p, beta);
                robustWald = new ChiSquareTest(statistic, p, Statistics.ChiSquareSurvival(statistic, p));
            }
        }

        return new CoxModel(
            coefficients,
            variance,
            robust,
            means,
            n,
            events,
            options.Ties,
            options.ConfidenceLevel,
            nullLogLik,
            logLik,
            new ChiSquareTest(2 * (logLik - nullLogLik), p, Statistics.ChiSquareSurvival(2 * (logLik - nullLogLik), p)),
            new ChiSquareTest(waldStatistic, p, Statistics.ChiSquareSurvival(waldStatistic, p)),
            robustWald,
            new ChiSquareTest(score, p, Statistics.ChiSquareSurvival(score, p)),
            fit.Concordance(beta),
            iterations,
            proportional,
            fit.BaselineHazard(beta));
    }

    // g(t) for each subject, centred on its mean over the events (R's cox.zph).
    private static double[] TimeFunction(SurvivalObservation[] observations, double[] time, bool[] status, CoxTimeTransform transform)
    {
        var n = time.Length;
        var g = new double[n];
        switch (transform)
        {
            case CoxTimeTransform.Identity:
                Array.Copy(time, g, n);
                break;
            case CoxTimeTransform.Log:
                for (var i = 0; i < n; i++)
                {
                    g[i] = Math.Log(time[i]);
                }

                break;
            case CoxTimeTransform.Rank:
                var sorted = (double[])time.Clone();
                Array.Sort(sorted);
                for (var i = 0; i < n; i++)
                {
                    // The average of the ranks the time's ties share: (first + last) / 2, counting from 1.
                    var first = LowerBound(sorted, time[i]) + 1;
                    var last = LowerBound(sorted, Math.BitIncrement(time[i]));
                    g[i] = (first + last) / 2.0;
                }

                break;
            default:
                // 1 − S(t−), with S the pooled Kaplan–Meier curve: its value just before t.
                var curve = KaplanMeier.Fit(observations);
                for (var i = 0; i < n; i++)
                {
                    g[i] = 1 - curve.SurvivalAt(Math.BitDecrement(time[i]));
                }

                break;
        }

        double sum = 0;
        var events = 0;
        for (var i = 0; i < n; i++)
        {
            if (status[i])
            {
                sum += g[i];
                events++;
            }
        }

        var mean = sum / events;
        for (var i = 0; i < n; i++)
        {
            g[i] -= mean;
        }

        return g;

        static int LowerBound(double[] values, double x)
        {
            int low = 0, high = values.Length;
            while (low < high)
            {
                var mid = (low + high) / 2;
                if (values[mid] < x)
                {
                    low = mid + 1;
                }
                else
                {
                    high = mid;
                }
            }

            return low;
        }
    }

    private static double WaldStatistic(double[] beta, double[] information, int p)
    {
        // βᵀ I β: the information is the inverse of the variance.
        var sum = 0.0;
        for (var a = 0; a < p; a++)
        {
            for (var b = 0; b < p; b++)
            {
                sum += beta[a] * information[(a * p) + b] * beta[b];
            }
        }

        return sum;
    }

    private static CoxFitException Infinite(string[] names, IReadOnlyList<string> infinite) =>
        new(CoxFitProblem.InfiniteCoefficient, infinite, $"The coefficient of {string.Join(", ", infinite.Select(c => $"'{c}'"))} is infinite: the partial likelihood keeps rising as it grows (a covariate that separates who churned from who did not, or a level with no churn). Leave it out, merge sparse levels, or use more data.");

    private static void Check(CoxOptions options)
    {
        if (options.Ties is not (CoxTies.Efron or CoxTies.Breslow))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Ties, "CoxOptions.Ties is Efron or Breslow.");
        }

        if (!(options.ConfidenceLevel is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ConfidenceLevel, "CoxOptions.ConfidenceLevel is strictly between 0 and 1.");
        }

        if (options.MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxIterations, "CoxOptions.MaxIterations is 1 or more.");
        }

        if (!(options.Tolerance is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Tolerance, "CoxOptions.Tolerance is strictly between 0 and 1.");
        }

        if (options.TimeTransform is not (CoxTimeTransform.KaplanMeier or CoxTimeTransform.Identity or CoxTimeTransform.Rank or CoxTimeTransform.Log))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TimeTransform, "CoxOptions.TimeTransform is KaplanMeier, Identity, Rank or Log.");
        }
    }

    /// <summary>The partial likelihood, its gradient and information, and what is computed from them, over fixed data.</summary>
    private sealed class Fitter(double[] x, double[] time, bool[] status, int[] order, int n, int p, CoxTies ties)
    {
        private readonly double[] _risk = new double[n];
        private readonly double[] _eta = new double[n];
        private readonly double[] _s1 = new double[p];
        private readonly double[] _s2 = new double[p * p];
        private readonly double[] _d1 = new double[p];
        private readonly double[] _d2 = new double[p * p];
        private readonly double[] _mean = new double[p];

        /// <summary>
        /// The log partial likelihood at <paramref name="beta"/>; its gradient into <paramref name="u"/>, its information
        /// into <paramref name="information"/>. With <paramref name="g"/> (a function of each subject's time), also what
        /// the proportional-hazards test needs of the terms β·g(t): their score into <paramref name="gScore"/>, and the
        /// information's blocks Σ g·T into <paramref name="gCross"/> and Σ g²·T into <paramref name="gSquare"/>, where T is
        /// each event's term of the information.
        /// </summary>
        public double Evaluate(double[] beta, double[] u, double[] information, double[]? g = null, double[]? gScore = null, double[]? gCross = null, double[]? gSquare = null)
        {
            Risk(beta);
            Array.Clear(u);
            Array.Clear(information);
            Array.Clear(_s1);
            Array.Clear(_s2);
            if (g is not null)
            {
                Array.Clear(gScore!);
                Array.Clear(gCross!);
                Array.Clear(gSquare!);
            }

            double s0 = 0, logLik = 0;
            for (var i = 0; i < n;)
            {
                var t = time[order[i]];
                var gt = g is null ? 0 : g[order[i]];
                double d0 = 0;
                var deaths = 0;
                Array.Clear(_d1);
                Array.Clear(_d2);
                var j = i;
                for (; j < n && time[order[j]] == t; j++)
                {
                    var s = order[j];
                    var r = _risk[s];
                    var row = x.AsSpan(s * p, p);
                    s0 += r;
                    Accumulate(row, r, _s1, _s2);
                    if (status[s])
                    {
                        deaths++;
                        d0 += r;
                        Accumulate(row, r, _d1, _d2);
                        logLik += _eta[s];
                        for (var a = 0; a < p; a++)
                        {
                            u[a] += row[a];
                        }

                        if (g is not null)
                        {
                            for (var a = 0; a < p; a++)
                            {
                                gScore![a] += gt * row[a];
                            }
                        }
                    }
                }

                for (var k = 0; k < deaths; k++)
                {
                    // Efron: the k-th of d tied events sees the risk set less k/d of the tied events' weight.
                    var f = ties == CoxTies.Efron ? (double)k / deaths : 0;
                    var denominator = s0 - (f * d0);
                    logLik -= Math.Log(denominator);
                    for (var a = 0; a < p; a++)
                    {
                        _mean[a] = (_s1[a] - (f * _d1[a])) / denominator;
                        u[a] -= _mean[a];
                        if (g is not null)
                        {
                            gScore![a] -= gt * _mean[a];
                        }
                    }

                    for (var a = 0; a < p; a++)
                    {
                        for (var b = 0; b <= a; b++)
                        {
                            var term = ((_s2[(a * p) + b] - (f * _d2[(a * p) + b])) / denominator) - (_mean[a] * _mean[b]);
                            information[(a * p) + b] += term;
                            if (g is not null)
                            {
                                gCross![(a * p) + b] += gt * term;
                                gSquare![(a * p) + b] += gt * gt * term;
                            }
                        }
                    }
                }

                i = j;
            }

            Mirror(information);
            if (g is not null)
            {
                Mirror(gCross!);
                Mirror(gSquare!);
            }

            return logLik;
        }

        // Copies a symmetric p × p matrix's lower triangle into its upper one.
        private void Mirror(double[] matrix)
        {
            for (var a = 0; a < p; a++)
            {
                for (var b = a + 1; b < p; b++)
                {
                    matrix[(a * p) + b] = matrix[(b * p) + a];
                }
            }
        }

        /// <summary>
        /// The robust variance <c>V (Σ Lᵢ Lᵢᵀ) V</c> from each subject's score residual Lᵢ (its share of the gradient,
        /// R's <c>residuals(fit, "score")</c>), with V the model-based variance: R's <c>coxph(robust = TRUE)</c> without clusters.
        /// </summary>
        public double[] RobustVariance(double[] beta, double[] variance)
        {
            Risk(beta);

            // Per event time, latest first: Σₖ hₖ and Σₖ hₖ x̄ₖ (everyone at risk at full weight), the events' mean
            // x̄ (1/d Σₖ x̄ₖ), and the part the tied events do not take (Σₖ (k/d) hₖ and Σₖ (k/d) hₖ x̄ₖ).
            var times = new List<(double Time, double H, double[] G, double[] Mean, double CorrectionH, double[] CorrectionG)>();
            double s0 = 0;
            Array.Clear(_s1);
            for (var i = 0; i < n;)
            {
                var t = time[order[i]];
                double d0 = 0;
                var deaths = 0;
                Array.Clear(_d1);
                var j = i;
                for (; j < n && time[order[j]] == t; j++)
                {
                    var s = order[j];
                    var r = _risk[s];
                    s0 += r;
                    for (var a = 0; a < p; a++)
                    {
                        _s1[a] += r * x[(s * p) + a];
                    }

                    if (status[s])
                    {
                        deaths++;
                        d0 += r;
                        for (var a = 0; a < p; a++)
                        {
                            _d1[a] += r * x[(s * p) + a];
                        }
                    }
                }

                if (deaths > 0)
                {
                    double h = 0, ch = 0;
                    double[] g = new double[p], mean = new double[p], cg = new double[p];
                    for (var k = 0; k < deaths; k++)
                    {
                        var f = ties == CoxTies.Efron ? (double)k / deaths : 0;
                        var denominator = s0 - (f * d0);
                        h += 1 / denominator;
                        ch += f / denominator;
                        for (var a = 0; a < p; a++)
                        {
                            var xbar = (_s1[a] - (f * _d1[a])) / denominator;
                            g[a] += xbar / denominator;
                            cg[a] += f * xbar / denominator;
                            mean[a] += xbar / deaths;
                        }
                    }

                    times.Add((t, h, g, mean, ch, cg));
                }

                i = j;
            }

            // Cumulated from the earliest time: each subject's at-risk part over every event time up to its own.
            times.Reverse();
            var cumulativeH = new double[times.Count];
            var cumulativeG = new double[times.Count * p];
            for (var m = 0; m < times.Count; m++)
            {
                cumulativeH[m] = (m > 0 ? cumulativeH[m - 1] : 0) + times[m].H;
                for (var a = 0; a < p; a++)
                {
                    cumulativeG[(m * p) + a] = (m > 0 ? cumulativeG[((m - 1) * p) + a] : 0) + times[m].G[a];
                }
            }

            var meat = new double[p * p];
            var residual = new double[p];
            var eventTimes = times.Select(e => e.Time).ToArray();
            for (var s = 0; s < n; s++)
            {
                // The last event time at or before this subject's time.
                var m = Array.BinarySearch(eventTimes, time[s]);
                m = m >= 0 ? m : ~m - 1;
                for (var a = 0; a < p; a++)
                {
                    var xa = x[(s * p) + a];
                    residual[a] = m < 0 ? 0 : -_risk[s] * ((xa * cumulativeH[m]) - cumulativeG[(m * p) + a]);
                }

                if (status[s])
                {
                    // Its own event: the event's share, and back the weight a tied event does not carry.
                    var e = times[m];
                    for (var a = 0; a < p; a++)
                    {
                        var xa = x[(s * p) + a];
                        residual[a] += xa - e.Mean[a] + (_risk[s] * ((xa * e.CorrectionH) - e.CorrectionG[a]));
                    }
                }

                for (var a = 0; a < p; a++)
                {
                    for (var b = 0; b < p; b++)
                    {
                        meat[(a * p) + b] += residual[a] * residual[b];
                    }
                }
            }

            // V · meat · V.
            var left = new double[p * p];
            var result = new double[p * p];
            Multiply(variance, meat, left, p);
            Multiply(left, variance, result, p);
            return result;
        }

        /// <summary>
        /// The score test, at the estimates, of adding each covariate times <paramref name="g"/>(t) (a time-varying
        /// effect): R's <c>cox.zph</c>. The score of the added terms, and the information of the model with them, at their
        /// coefficients 0; each covariate's test conditions on every β, the global test on all.
        /// </summary>
        public CoxProportionalHazardsTest ProportionalHazards(double[] beta, double[] g, string[] names, CoxTimeTransform transform)
        {
            var score = new double[p];
            double[] ii = new double[p * p], cross = new double[p * p], square = new double[p * p];
            Evaluate(beta, new double[p], ii, g, score, cross, square);

            // The information of the model with the added terms: [[I, Σ g·T], [Σ g·T, Σ g²·T]].
            var q = 2 * p;
            var information = new double[q * q];
            for (var a = 0; a < p; a++)
            {
                for (var b = 0; b < p; b++)
                {
                    information[(a * q) + b] = ii[(a * p) + b];
                    information[(a * q) + p + b] = cross[(a * p) + b];
                    information[((p + a) * q) + b] = cross[(a * p) + b];
                    information[((p + a) * q) + p + b] = square[(a * p) + b];
                }
            }

            // Each covariate: the model's p coefficients and its own added term; the score is zero but for that term.
            var covariates = new CoxProportionalHazardsTerm[p];
            for (var c = 0; c < p; c++)
            {
                int[] keep = [.. Enumerable.Range(0, p), p + c];
                var u = new double[p + 1];
                u[p] = score[c];
                covariates[c] = new CoxProportionalHazardsTerm(names[c], ScoreTest(information, q, keep, u, 1));
            }

            var all = new double[q];
            Array.Copy(score, 0, all, p, p);
            return new CoxProportionalHazardsTest(covariates, ScoreTest(information, q, [.. Enumerable.Range(0, q)], all, p), transform);
        }

        private static ChiSquareTest ScoreTest(double[] information, int q, int[] keep, double[] u, int df)
        {
            var m = keep.Length;
            var sub = new double[m * m];
            for (var a = 0; a < m; a++)
            {
                for (var b = 0; b < m; b++)
                {
                    sub[(a * m) + b] = information[(keep[a] * q) + keep[b]];
                }
            }

            if (SymmetricMatrix.Cholesky(sub, m, 1e-12) >= 0)
            {
                return new ChiSquareTest(double.NaN, df, double.NaN);
            }

            var statistic = SymmetricMatrix.QuadraticFormOfInverse(sub, m, u);
            return new ChiSquareTest(statistic, df, Statistics.ChiSquareSurvival(statistic, df));
        }

        /// <summary>
        /// Harrell's C for the risk scores xᵀβ, counted as R's <c>concordance</c>: a pair is comparable when the earlier
        /// time is an event (a subject censored at an event's time counts as outliving it); concordant when the earlier
        /// event has the higher risk; tied in risk counts one half.
        /// </summary>
        public CoxConcordance Concordance(double[] beta)
        {
            Risk(beta);

            // Ranks of the risk scores, equal scores one rank.
            var byRisk = Enumerable.Range(0, n).ToArray();
            Array.Sort(byRisk, (a, b) => _eta[a].CompareTo(_eta[b]));
            var rank = new int[n];
            var ranks = 0;
            for (var i = 0; i < n; i++)
            {
                if (i > 0 && _eta[byRisk[i]] != _eta[byRisk[i - 1]])
                {
                    ranks++;
                }

                rank[byRisk[i]] = ranks;
            }

            var tree = new long[ranks + 2];
            long inserted = 0, concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0, tiedBoth = 0;
            var deathsByRank = new Dictionary<int, long>();
            for (var i = 0; i < n;)
            {
                var t = time[order[i]];
                var j = i;
                while (j < n && time[order[j]] == t)
                {
                    j++;
                }

                // Censored at t: they outlive the events at t.
                for (var m = i; m < j; m++)
                {
                    if (!status[order[m]])
                    {
                        Add(tree, rank[order[m]]);
                        inserted++;
                    }
                }

                long deaths = 0;
                for (var m = i; m < j; m++)
                {
                    var s = order[m];
                    if (status[s])
                    {
                        deaths++;
                        var below = Count(tree, rank[s] - 1);
                        var atOrBelow = Count(tree, rank[s]);
                        concordant += below;
                        tiedRisk += atOrBelow - below;
                        discordant += inserted - atOrBelow;
                    }
                }

                // Pairs of events at the same time: tied in risk too (R's tied.xy), or not (R's tied.y).
                deathsByRank.Clear();
                for (var m = i; m < j; m++)
                {
                    if (status[order[m]])
                    {
                        deathsByRank[rank[order[m]]] = deathsByRank.GetValueOrDefault(rank[order[m]]) + 1;
                    }
                }

                var both = deathsByRank.Values.Sum(c => c * (c - 1) / 2);
                tiedBoth += both;
                tiedTime += (deaths * (deaths - 1) / 2) - both;
                for (var m = i; m < j; m++)
                {
                    if (status[order[m]])
                    {
                        Add(tree, rank[order[m]]);
                        inserted++;
                    }
                }

                i = j;
            }

            var comparable = concordant + discordant + tiedRisk;
            return new CoxConcordance(concordant, discordant, tiedRisk, tiedTime, comparable == 0 ? double.NaN : (concordant + (tiedRisk / 2.0)) / comparable) { TiedTimeAndRisk = tiedBoth };
        }

        /// <summary>
        /// The baseline cumulative hazard at the covariates' means, at each event time: Breslow's estimator, or with
        /// Efron's ties its correction (R's <c>survfit.coxph</c> with <c>ctype</c> following the fit's ties).
        /// </summary>
        public (double[] Times, double[] Cumulative) BaselineHazard(double[] beta)
        {
            Risk(beta);

            // The order runs from the latest time down, so the risk set grows as it goes.
            var times = new List<double>();
            var increments = new List<double>();
            var atRisk = 0.0;
            for (var i = 0; i < n;)
            {
                var t = time[order[i]];
                var j = i;
                var deaths = 0;
                var deathRisk = 0.0;
                for (; j < n && time[order[j]] == t; j++)
                {
                    var s = order[j];
                    atRisk += _risk[s];
                    if (status[s])
                    {
                        deaths++;
                        deathRisk += _risk[s];
                    }
                }

                if (deaths > 0)
                {
                    var increment = 0.0;
                    if (ties == CoxTies.Breslow)
                    {
                        increment = deaths / atRisk;
                    }
                    else
                    {
                        for (var k = 0; k < deaths; k++)
                        {
                            increment += 1 / (atRisk - (k * deathRisk / deaths));
                        }
                    }

                    times.Add(t);
                    increments.Add(increment);
                }

                i = j;
            }

            times.Reverse();
            increments.Reverse();
            var cumulative = new double[increments.Count];
            var sum = 0.0;
            for (var k = 0; k < cumulative.Length; k++)
            {
                sum += increments[k];
                cumulative[k] = sum;
            }

            return ([.. times], cumulative);
        }

        private static void Add(long[] tree, int rank)
        {
            for (var i = rank + 1; i < tree.Length; i += i & -i)
            {
                tree[i]++;
            }
        }

        // How many inserted have a rank at most <paramref name="rank"/>.
        private static long Count(long[] tree, int rank)
        {
            long sum = 0;
            for (var i = rank + 1; i > 0; i -= i & -i)
            {
                sum += tree[i];
            }

            return sum;
        }

        private static void Multiply(double[] a, double[] b, double[] result, int p)
        {
            for (var i = 0; i < p; i++)
            {
                for (var j = 0; j < p; j++)
                {
                    var sum = 0.0;
                    for (var k = 0; k < p; k++)
                    {
                        sum += a[(i * p) + k] * b[(k * p) + j];
                    }

                    result[(i * p) + j] = sum;
                }
            }
        }

        private void Risk(double[] beta)
        {
            for (var i = 0; i < n; i++)
            {
                var eta = 0.0;
                for (var a = 0; a < p; a++)
                {
                    eta += x[(i * p) + a] * beta[a];
                }

                _eta[i] = eta;
                _risk[i] = Math.Exp(eta);
            }
        }

        private void Accumulate(ReadOnlySpan<double> row, double r, double[] s1, double[] s2)
        {
            for (var a = 0; a < p; a++)
            {
                var ra = r * row[a];
                s1[a] += ra;
                for (var b = 0; b <= a; b++)
                {
                    s2[(a * p) + b] += ra * row[b];
                }
            }
        }
    }
}

/// <summary>One covariate's estimate in a <see cref="CoxModel"/>.</summary>
/// <param name="Name">The covariate.</param>
/// <param name="Coefficient">β: the log hazard ratio per unit.</param>
/// <param name="StandardError">β's standard error, from the inverse information.</param>
/// <param name="HazardRatio">exp(β): how many times the hazard (the churn rate at any time) is multiplied per unit.</param>
/// <param name="Lower">The hazard ratio's lower Wald confidence limit, <c>exp(β − z·se)</c>.</param>
/// <param name="Upper">The hazard ratio's upper Wald confidence limit.</param>
/// <param name="Z">The Wald statistic β / se.</param>
/// <param name="PValue">The two-sided p-value of β = 0.</param>
/// <param name="RobustStandardError">The robust (sandwich) standard error, when asked for.</param>
/// <remarks>
/// <see cref="Z"/>, <see cref="PValue"/>, <see cref="Lower"/> and <see cref="Upper"/> always use the model-based
/// standard error. With <see cref="CoxOptions.Robust"/> the robust ones are <see cref="RobustZ"/>,
/// <see cref="RobustPValue"/>, <see cref="RobustLower"/> and <see cref="RobustUpper"/>: those are what R's
/// <c>summary(coxph(..., robust = TRUE))</c> prints as <c>z</c>, <c>Pr(&gt;|z|)</c> and the confidence limits, because
/// R switches to the robust variance when it has one.
/// </remarks>
public sealed record CoxCoefficient(string Name, double Coefficient, double StandardError, double HazardRatio, double Lower, double Upper, double Z, double PValue, double? RobustStandardError)
{
    /// <summary>β / robust standard error, when robust errors were asked for: R's <c>z</c> column with <c>robust = TRUE</c>.</summary>
    public double? RobustZ { get; init; }

    /// <summary>The two-sided p-value of β = 0 from <see cref="RobustZ"/>: R's <c>Pr(&gt;|z|)</c> with <c>robust = TRUE</c>.</summary>
    public double? RobustPValue { get; init; }

    /// <summary>The hazard ratio's lower confidence limit from the robust standard error, <c>exp(β − z·robust se)</c>.</summary>
    public double? RobustLower { get; init; }

    /// <summary>The hazard ratio's upper confidence limit from the robust standard error.</summary>
    public double? RobustUpper { get; init; }
}

/// <summary>A point of a predicted survival curve.</summary>
/// <param name="Time">An event time of the fitted data.</param>
/// <param name="CumulativeHazard">The subject's cumulative hazard up to and including it.</param>
/// <param name="Survival">exp(−cumulative hazard): the probability of lasting past it.</param>
public readonly record struct CoxSurvivalPoint(double Time, double CumulativeHazard, double Survival);

/// <summary>Harrell's concordance of a model's risk scores with the observed times.</summary>
/// <param name="Concordant">Comparable pairs where the subject that churned first had the higher risk.</param>
/// <param name="Discordant">Comparable pairs where it had the lower risk.</param>
/// <param name="TiedRisk">Comparable pairs with equal risk (each counts one half): R's <c>tied.x</c>.</param>
/// <param name="TiedTime">Pairs that churned at the same time with different risks (not comparable): R's <c>tied.y</c>. Pairs tied in both are <see cref="TiedTimeAndRisk"/>.</param>
/// <param name="Value">C: (concordant + tied / 2) / comparable; 0.5 is chance, 1 a perfect ranking.</param>
public readonly record struct CoxConcordance(long Concordant, long Discordant, long TiedRisk, long TiedTime, double Value)
{
    /// <summary>Pairs that churned at the same time with equal risks (not comparable): R's <c>tied.xy</c>.</summary>
    public long TiedTimeAndRisk { get; init; }
}

/// <summary>A fitted Cox proportional-hazards model (<see cref="CoxRegression.Fit"/>).</summary>
public sealed class CoxModel
{
    private readonly double[] _variance;
    private readonly double[]? _robust;
    private readonly double[] _means;
    private readonly double[] _baselineTimes;
    private readonly double[] _baselineHazard;

    internal CoxModel(
        IReadOnlyList<CoxCoefficient> coefficients,
        double[] variance,
        double[]? robust,
        double[] means,
        int subjects,
        int events,
        CoxTies ties,
        double confidenceLevel,
        double nullLogLikelihood,
        double logLikelihood,
        ChiSquareTest likelihoodRatio,
        ChiSquareTest wald,
        ChiSquareTest? robustWald,
        ChiSquareTest score,
        CoxConcordance concordance,
        int iterations,
        CoxProportionalHazardsTest? proportionalHazards,
        (double[] Times, double[] Cumulative) baseline)
    {
        _baselineTimes = baseline.Times;
        _baselineHazard = baseline.Cumulative;
        Coefficients = coefficients;
        _variance = variance;
        _robust = robust;
        _means = means;
        Subjects = subjects;
        Events = events;
        Ties = ties;
        ConfidenceLevel = confidenceLevel;
        NullLogLikelihood = nullLogLikelihood;
        LogLikelihood = logLikelihood;
        LikelihoodRatio = likelihoodRatio;
        Wald = wald;
        RobustWald = robustWald;
        Score = score;
        Concordance = concordance;
        Iterations = iterations;
        ProportionalHazards = proportionalHazards;
    }

    /// <summary>The estimates, in the order of the covariates.</summary>
    public IReadOnlyList<CoxCoefficient> Coefficients { get; }

    /// <summary>The subjects fitted.</summary>
    public int Subjects { get; }

    /// <summary>Their events.</summary>
    public int Events { get; }

    /// <summary>How ties were handled.</summary>
    public CoxTies Ties { get; }

    /// <summary>The level of the hazard ratios' intervals.</summary>
    public double ConfidenceLevel { get; }

    /// <summary>The log partial likelihood with every β = 0.</summary>
    public double NullLogLikelihood { get; }

    /// <summary>The log partial likelihood at the estimates.</summary>
    public double LogLikelihood { get; }

    /// <summary>The likelihood-ratio test of every β = 0: 2 (log L − log L₀), chi-square with one degree per covariate.</summary>
    public ChiSquareTest LikelihoodRatio { get; }

    /// <summary>The Wald test of every β = 0: βᵀ I β, with the model-based information.</summary>
    public ChiSquareTest Wald { get; }

    /// <summary>The Wald test with the robust variance, when it was asked for.</summary>
    public ChiSquareTest? RobustWald { get; }

    /// <summary>The score (log-rank) test of every β = 0.</summary>
    public ChiSquareTest Score { get; }

    /// <summary>Harrell's C of the risk scores.</summary>
    public CoxConcordance Concordance { get; }

    /// <summary>The Newton–Raphson iterations taken.</summary>
    public int Iterations { get; }

    /// <summary>The proportional-hazards test, when it was asked for (<see cref="CoxOptions.TestProportionalHazards"/>).</summary>
    public CoxProportionalHazardsTest? ProportionalHazards { get; }

    /// <summary>The covariates' means (the risk scores are centred on them, as R's).</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>An entry of the model-based covariance matrix of the estimates.</summary>
    /// <param name="row">A covariate's index.</param>
    /// <param name="column">A covariate's index.</param>
    /// <returns>The covariance.</returns>
    public double Covariance(int row, int column) => _variance[Index(row, column)];

    /// <summary>An entry of the robust covariance matrix, when it was asked for (<see cref="CoxOptions.Robust"/>).</summary>
    /// <param name="row">A covariate's index.</param>
    /// <param name="column">A covariate's index.</param>
    /// <returns>The covariance.</returns>
    /// <exception cref="InvalidOperationException">The model was fitted without robust errors.</exception>
    public double RobustCovariance(int row, int column) =>
        (_robust ?? throw new InvalidOperationException("The model was fitted without robust standard errors; fit it with CoxOptions.Robust = true."))[Index(row, column)];

    /// <summary>A subject's hazard relative to a subject at the covariates' means: exp((x − x̄)ᵀβ), R's <c>predict(type = "risk")</c>.</summary>
    /// <param name="covariates">The subject's covariates, in the model's order.</param>
    /// <returns>The relative hazard.</returns>
    /// <exception cref="ArgumentException">The number of values differs from the covariates'.</exception>
    public double RelativeHazard(ReadOnlySpan<double> covariates)
    {
        if (covariates.Length != Coefficients.Count)
        {
            throw new ArgumentException($"The model has {Coefficients.Count} covariates; {covariates.Length} values were given.", nameof(covariates));
        }

        var eta = 0.0;
        for (var j = 0; j < covariates.Length; j++)
        {
            eta += (covariates[j] - _means[j]) * Coefficients[j].Coefficient;
        }

        return Math.Exp(eta);
    }

    /// <summary>
    /// The predicted survival curve of a subject with the given covariates: at each event time, the cumulative hazard
    /// H(t | x) = H₀(t) · exp((x − x̄)ᵀβ) and the survival exp(−H), R's <c>survfit(fit, newdata)</c> (its default
    /// <c>stype = 2</c>, the baseline hazard Breslow's or, with Efron's ties, Efron's). Confidence limits are not
    /// computed yet.
    /// </summary>
    /// <param name="covariates">The subject's covariates, in the model's order.</param>
    /// <returns>One point per distinct event time, in time order.</returns>
    /// <exception cref="ArgumentException">The number of values differs from the covariates', or one is not finite.</exception>
    public IReadOnlyList<CoxSurvivalPoint> PredictSurvival(ReadOnlySpan<double> covariates)
    {
        foreach (var value in covariates)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"A covariate value is {value}; covariates must be finite.", nameof(covariates));
            }
        }

        var relative = RelativeHazard(covariates);
        var curve = new CoxSurvivalPoint[_baselineTimes.Length];
        for (var k = 0; k < curve.Length; k++)
        {
            var h = _baselineHazard[k] * relative;
            curve[k] = new CoxSurvivalPoint(_baselineTimes[k], h, Math.Exp(-h));
        }

        return curve;
    }

    private int Index(int row, int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Coefficients.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Coefficients.Count);
        return (row * Coefficients.Count) + column;
    }
}

/// <summary>The data have no finite, unique Cox estimates; no numbers are given for them.</summary>
public sealed class CoxFitException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problem">What went wrong.</param>
    /// <param name="covariates">The covariates involved.</param>
    /// <param name="message">What went wrong, naming them, and what to do.</param>
    public CoxFitException(CoxFitProblem problem, IReadOnlyList<string> covariates, string message)
        : base(message)
    {
        Problem = problem;
        Covariates = covariates ?? [];
    }

    /// <summary>What went wrong.</summary>
    public CoxFitProblem Problem { get; }

    /// <summary>The covariates involved (none for <see cref="CoxFitProblem.NoEvents"/>; for <see cref="CoxFitProblem.NotConverged"/>, those still moving).</summary>
    public IReadOnlyList<string> Covariates { get; }
}

/// <summary>
/// Does each covariate's effect stay constant over time? The score test of a time-varying term <c>β·g(t)</c> for each
/// covariate and for all at once (R's <c>cox.zph</c> with <c>terms = FALSE</c>): a small p-value says the hazard ratio
/// drifts with time, so the model's single ratio averages over it.
/// </summary>
/// <param name="Covariates">One test per covariate, one degree of freedom each.</param>
/// <param name="Global">The test of all at once, one degree of freedom per covariate.</param>
/// <param name="Transform">The function of time used.</param>
public sealed record CoxProportionalHazardsTest(IReadOnlyList<CoxProportionalHazardsTerm> Covariates, ChiSquareTest Global, CoxTimeTransform Transform);

/// <summary>One covariate's proportional-hazards test.</summary>
/// <param name="Name">The covariate.</param>
/// <param name="Test">The test (statistic and p-value NaN when its information is singular).</param>
public sealed record CoxProportionalHazardsTerm(string Name, ChiSquareTest Test);
