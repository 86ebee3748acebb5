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

/// <summary>Options of <see cref="CoxRegression.Fit(CoxData, CoxOptions?)"/>.</summary>
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
/// The data of a Cox model beyond one row per subject: entry times (start–stop or counting-process rows, so that a
/// covariate such as a health score can change over an account's life), case weights, strata and clusters.
/// </summary>
/// <remarks>
/// Row i is at risk over <c>(Entries[i], Observations[i].Time]</c>; an account whose score changed twice is three rows,
/// each with the score it had then, only the last of which can end with the event. Each stratum has its own baseline
/// hazard (R's <c>strata()</c>); the coefficients are shared. Rows with one cluster id are one unit for the robust
/// variance (R's <c>cluster()</c>): give an account's rows its id.
/// </remarks>
public sealed record CoxData
{
    /// <summary>Creates the data.</summary>
    /// <param name="observations">Each row's exit time and whether it ended with the event.</param>
    /// <param name="covariates">One or more covariates, each with a value per row in the order of the observations.</param>
    public CoxData(IReadOnlyList<SurvivalObservation> observations, IReadOnlyList<CoxCovariate> covariates)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(covariates);
        Observations = observations;
        Covariates = covariates;
    }

    /// <summary>Each row's exit time and whether it ended with the event.</summary>
    public IReadOnlyList<SurvivalObservation> Observations { get; }

    /// <summary>The covariates, each with a value per row.</summary>
    public IReadOnlyList<CoxCovariate> Covariates { get; }

    /// <summary>
    /// Each row's entry time, finite and below its exit time: the row is at risk after it (R's
    /// <c>Surv(start, stop, event)</c>). When null, every row is at risk from time zero.
    /// </summary>
    public IReadOnlyList<double>? Entries { get; init; }

    /// <summary>
    /// Each row's case weight, finite and above zero (R's <c>weights</c>): a row of weight 2 counts as two identical rows
    /// in the likelihood. Null for weight one. R turns on the robust variance by itself for weights; this library
    /// does so only when <see cref="CoxOptions.Robust"/> is set or <see cref="Clusters"/> are given.
    /// </summary>
    public IReadOnlyList<double>? Weights { get; init; }

    /// <summary>Each row's stratum (R's <c>strata()</c>), or null for one stratum. Strata are ordered ordinally.</summary>
    public IReadOnlyList<string>? Strata { get; init; }

    /// <summary>
    /// Each row's offset (R's <c>offset()</c>): a known term added to its log hazard with coefficient 1, finite; null
    /// for none. A model fitted with offsets predicts a subject's curve only with the subject's offset.
    /// </summary>
    public IReadOnlyList<double>? Offsets { get; init; }

    /// <summary>
    /// Each row's cluster (R's <c>cluster()</c>), or null for every row its own. Clusters only enter the robust
    /// variance, so giving them turns it on, as in R.
    /// </summary>
    public IReadOnlyList<string>? Clusters { get; init; }
}

/// <summary>
/// What drives churn, and by how much: the Cox proportional-hazards model of time to churn against covariates (health
/// factor points, seats, tier or touch model as indicators), fitted by Newton–Raphson on the partial likelihood,
/// matching R's <c>survival::coxph</c>, with start–stop rows, case weights, strata and clusters (<see cref="CoxData"/>).
/// </summary>
/// <remarks>
/// The hazard of subject i is <c>h₀(t)·exp(xᵢᵀβ)</c>: each covariate multiplies the hazard by <c>exp(β)</c> per unit,
/// whatever the baseline <c>h₀</c>, which is left unspecified (one per stratum). The estimates maximize the partial
/// likelihood (Efron's or Breslow's for ties); standard errors come from the inverse information, intervals and
/// p-values from the Wald statistic. Assumes proportional hazards (each ratio constant over time) and independent
/// censoring. Covariates are centred on their (weighted) means while fitting, as R does. O(n log n + n·p²) per
/// iteration, O(n·p) memory.
/// </remarks>
public static class CoxRegression
{
    /// <summary>Fits a model to one row per subject.</summary>
    /// <param name="observations">Each subject's observation.</param>
    /// <param name="covariates">One or more covariates, each with a value per subject in the order of the observations.</param>
    /// <param name="options">The options; <see cref="CoxOptions.Default"/> when null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">No covariate, two with one name, a column of the wrong length, or a value that is not finite (named with its subject).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="CoxFitException">The data have no finite, unique estimates (see <see cref="CoxFitProblem"/>); no numbers are given for them.</exception>
    public static CoxModel Fit(IReadOnlyList<SurvivalObservation> observations, IReadOnlyList<CoxCovariate> covariates, CoxOptions? options = null) =>
        Fit(new CoxData(observations, covariates), options);

    /// <summary>Fits a model to start–stop rows, weighted, stratified or clustered.</summary>
    /// <param name="data">The rows and their covariates.</param>
    /// <param name="options">The options; <see cref="CoxOptions.Default"/> when null.</param>
    /// <returns>The fitted model.</returns>
    /// <exception cref="ArgumentException">No covariate, two with one name, a column of the wrong length, a value that is not finite, an entry not before its exit, a weight not above zero, or a missing stratum or cluster (each named with its row).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="CoxFitException">The data have no finite, unique estimates (see <see cref="CoxFitProblem"/>); no numbers are given for them.</exception>
    public static CoxModel Fit(CoxData data, CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= CoxOptions.Default;
        Check(options);
        var observations = data.Observations;
        var covariates = data.Covariates;
        var n = observations.Count;
        var p = covariates.Count;
        if (p == 0)
        {
            throw new ArgumentException("A Cox model needs at least one covariate.", nameof(data));
        }

        var names = new string[p];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < p; j++)
        {
            var c = covariates[j] ?? throw new ArgumentException($"Covariate {j} is null.", nameof(data));
            if (string.IsNullOrWhiteSpace(c.Name) || !seen.Add(c.Name))
            {
                throw new ArgumentException(string.IsNullOrWhiteSpace(c.Name) ? $"Covariate {j} has no name." : $"Two covariates are named '{c.Name}'.", nameof(data));
            }

            if (c.Values is null || c.Values.Count != n)
            {
                throw new ArgumentException($"Covariate '{c.Name}' has {c.Values?.Count ?? 0} values for {n} observations.", nameof(data));
            }

            names[j] = c.Name;
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

        var entry = Column(data.Entries, n, "Entries");
        for (var i = 0; entry is not null && i < n; i++)
        {
            if (!(double.IsFinite(entry[i]) && entry[i] < time[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Row {i} enters at {entry[i]} and leaves at {time[i]}; an entry time must be finite and before the exit time."), nameof(data));
            }
        }

        var weight = Column(data.Weights, n, "Weights");
        var totalWeight = weight?.Sum() ?? n;
        for (var i = 0; weight is not null && i < n; i++)
        {
            if (!(double.IsFinite(weight[i]) && weight[i] > 0))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Row {i} has weight {weight[i]}; a case weight must be finite and above zero (leave the row out instead of weighting it zero)."), nameof(data));
            }
        }

        var offset = Column(data.Offsets, n, "Offsets");
        for (var i = 0; offset is not null && i < n; i++)
        {
            if (!double.IsFinite(offset[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Row {i} has offset {offset[i]}; an offset must be finite."), nameof(data));
            }
        }

        var (stratum, strata) = Levels(data.Strata, n, "Strata", "stratum");
        var (cluster, clusters) = Levels(data.Clusters, n, "Clusters", "cluster");

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
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Covariate '{names[j]}' of subject {i} is {v}; a covariate must be finite (a missing value has no place in the model: leave the subject out, or impute it)."), nameof(data));
                }

                sum += (weight?[i] ?? 1) * v;
                constant &= v == first;
            }

            if (constant && n > 0)
            {
                throw new CoxFitException(CoxFitProblem.ConstantCovariate, [names[j]], string.Create(CultureInfo.InvariantCulture, $"Covariate '{names[j]}' is {first} for every subject: its effect cannot be told from the baseline hazard. Leave it out."));
            }

            means[j] = n == 0 ? 0 : sum / totalWeight;
            for (var i = 0; i < n; i++)
            {
                x[(i * p) + j] = values[i] - means[j];
            }
        }

        if (options is { TestProportionalHazards: true, TimeTransform: CoxTimeTransform.Log } && Array.FindIndex(time, t => t <= 0) is var zero and >= 0)
        {
            throw new ArgumentException($"The proportional-hazards test's log transform needs times above zero; subject {zero} has time {time[zero]}. Use another CoxOptions.TimeTransform.", nameof(data));
        }

        if (events == 0)
        {
            throw new CoxFitException(CoxFitProblem.NoEvents, [], $"None of the {n} observations ended with the event: a Cox model has nothing to fit.");
        }

        var fit = new CoxFitter(x, [.. covariates.Select(c => c.Values)], entry, time, status, weight, offset, stratum ?? new int[n], strata?.Length ?? 1, n, p, options.Ties);

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

        var table = fit.EventTable(beta);
        double[]? robust = null;
        ChiSquareTest? robustScore = null;
        if (options.Robust || cluster is not null)
        {
            // V (Σ over clusters of the weighted score residuals' outer products) V: R's coxph(robust = TRUE), or
            // cluster(); and R's robust score test, the same middle at β = 0 against the score there.
            var residuals = new double[n * p];
            fit.Residuals(beta, table, null, residuals);
            var meat = fit.Meat(residuals, cluster, clusters?.Length ?? 0, out _);
            robust = Multiply(Multiply(variance, meat, p), variance, p);
            var origin = new double[p];
            fit.Residuals(origin, fit.EventTable(origin), null, residuals);
            var originMeat = fit.Meat(residuals, cluster, clusters?.Length ?? 0, out var originScore);
            if (SymmetricMatrix.Cholesky(originMeat, p, 1e-12) < 0)
            {
                var statistic = SymmetricMatrix.QuadraticFormOfInverse(originMeat, p, originScore);
                robustScore = new ChiSquareTest(statistic, p, Statistics.ChiSquareSurvival(statistic, p));
            }
        }

        var proportional = options.TestProportionalHazards ? fit.ProportionalHazards(beta, TimeFunction(fit, options.TimeTransform), names, options.TimeTransform) : null;

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

        return new CoxModel(coefficients, variance, robust, means, n, events, options.Ties, options.ConfidenceLevel, strata ?? [], fit, table, beta)
        {
            NullLogLikelihood = nullLogLik,
            LogLikelihood = logLik,
            LikelihoodRatio = new ChiSquareTest(2 * (logLik - nullLogLik), p, Statistics.ChiSquareSurvival(2 * (logLik - nullLogLik), p)),
            Wald = new ChiSquareTest(waldStatistic, p, Statistics.ChiSquareSurvival(waldStatistic, p)),
            RobustWald = robustWald,
            RobustScore = robustScore,
            Score = new ChiSquareTest(score, p, Statistics.ChiSquareSurvival(score, p)),
            Concordance = fit.Concordance(beta, cluster, clusters?.Length ?? 0),
            Iterations = iterations,
            ProportionalHazards = proportional,
            Clusters = clusters?.Length,
        };
    }

    private static double[]? Column(IReadOnlyList<double>? values, int n, string name)
    {
        if (values is null)
        {
            return null;
        }

        return values.Count == n ? [.. values] : throw new ArgumentException($"CoxData.{name} has {values.Count} values for {n} observations.", "data");
    }

    // Each row's level as an index into the ordinally sorted distinct levels.
    private static (int[]? Index, string[]? Levels) Levels(IReadOnlyList<string>? values, int n, string name, string singular)
    {
        if (values is null)
        {
            return (null, null);
        }

        if (values.Count != n)
        {
            throw new ArgumentException($"CoxData.{name} has {values.Count} values for {n} observations.", "data");
        }

        var missing = values.ToList().FindIndex(v => v is null);
        if (missing >= 0)
        {
            throw new ArgumentException($"Row {missing} has no {singular} in CoxData.{name}.", "data");
        }

        var levels = values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < levels.Length; i++)
        {
            index[levels[i]] = i;
        }

        return ([.. values.Select(v => index[v])], levels);
    }

    // g(t) for each row's exit time, centred on its mean over the events (R's cox.zph).
    private static double[] TimeFunction(CoxFitter fit, CoxTimeTransform transform)
    {
        var n = fit.Observations;
        var time = new double[n];
        for (var i = 0; i < n; i++)
        {
            time[i] = fit.Time(i);
        }

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
                // 1 − S(t−), with S the pooled, unweighted Kaplan–Meier curve of the rows (at risk over (entry, exit]).
                var exits = (double[])time.Clone();
                Array.Sort(exits);
                var entries = new double[n];
                for (var i = 0; i < n; i++)
                {
                    entries[i] = fit.Entry(i);
                }

                Array.Sort(entries);
                var deathTimes = Enumerable.Range(0, n).Where(fit.Status).Select(fit.Time).Order().ToArray();
                var curveTimes = new List<double>();
                var curve = new List<double>();
                var survival = 1.0;
                for (var k = 0; k < deathTimes.Length;)
                {
                    var t = deathTimes[k];
                    var d = 0;
                    for (; k < deathTimes.Length && deathTimes[k] == t; k++)
                    {
                        d++;
                    }

                    // At risk at t: exit at or after t, less entry at or after t.
                    var atRisk = (n - LowerBound(exits, t)) - (n - LowerBound(entries, t));
                    survival *= 1 - ((double)d / atRisk);
                    curveTimes.Add(t);
                    curve.Add(survival);
                }

                var times = curveTimes.ToArray();
                for (var i = 0; i < n; i++)
                {
                    var before = LowerBound(times, time[i]) - 1;
                    g[i] = 1 - (before < 0 ? 1 : curve[before]);
                }

                break;
        }

        double sum = 0;
        var events = 0;
        for (var i = 0; i < n; i++)
        {
            if (fit.Status(i))
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

    internal static double[] Multiply(double[] a, double[] b, int p)
    {
        var result = new double[p * p];
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

        return result;
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
/// <param name="Time">An event time of the fitted data (of the subject's stratum).</param>
/// <param name="CumulativeHazard">The subject's cumulative hazard up to and including it.</param>
/// <param name="Survival">exp(−cumulative hazard): the probability of lasting past it.</param>
public readonly record struct CoxSurvivalPoint(double Time, double CumulativeHazard, double Survival)
{
    /// <summary>The cumulative hazard's standard error, R's <c>survfit.coxph</c> <c>std.err</c> (with the robust variance when the model has one, as R).</summary>
    public double StandardError { get; init; }

    /// <summary>The survival's lower confidence limit at the model's level, <c>S·exp(−z·se)</c> (R's default <c>conf.type = "log"</c>).</summary>
    public double Lower { get; init; }

    /// <summary>The survival's upper confidence limit, <c>S·exp(z·se)</c>, capped at 1 as R caps it (a probability cannot exceed 1).</summary>
    public double Upper { get; init; }
}

/// <summary>Harrell's concordance of a model's risk scores with the observed times; with case weights, a pair counts the product of its weights.</summary>
/// <param name="Concordant">Comparable pairs where the subject that churned first had the higher risk.</param>
/// <param name="Discordant">Comparable pairs where it had the lower risk.</param>
/// <param name="TiedRisk">Comparable pairs with equal risk (each counts one half): R's <c>tied.x</c>.</param>
/// <param name="TiedTime">Pairs that churned at the same time with different risks (not comparable): R's <c>tied.y</c>. Pairs tied in both are <see cref="TiedTimeAndRisk"/>.</param>
/// <param name="Value">C: (concordant + tied / 2) / comparable; 0.5 is chance, 1 a perfect ranking.</param>
public readonly record struct CoxConcordance(double Concordant, double Discordant, double TiedRisk, double TiedTime, double Value)
{
    /// <summary>Pairs that churned at the same time with equal risks (not comparable): R's <c>tied.xy</c>.</summary>
    public double TiedTimeAndRisk { get; init; }

    /// <summary>
    /// C's standard error, R's (the infinitesimal jackknife of <c>concordancefit</c>: each row's weighted influence on
    /// the count, summed within clusters when the model has them); NaN when no pair is comparable.
    /// </summary>
    public double StandardError { get; init; }
}

/// <summary>The residuals of a Cox model (<see cref="CoxModel.Residuals"/>), as R's <c>residuals.coxph</c>.</summary>
public enum CoxResidualKind
{
    /// <summary>Per row: events less the events the model expects over the row's time at risk. One value.</summary>
    Martingale = 0,

    /// <summary>Per row: the martingale residual made symmetric, <c>sign(m)·√(−2(m + δ·log(δ − m)))</c>. One value.</summary>
    Deviance = 1,

    /// <summary>Per row: its share of the score (gradient) at the estimates, one value per covariate; the robust variance is built from them.</summary>
    Score = 2,

    /// <summary>Per event: the covariates less the risk-weighted mean of those at risk then (Efron's: the mean over the tied events' steps), one value per covariate.</summary>
    Schoenfeld = 3,

    /// <summary>Per event: β + events · V · Schoenfeld residual (V the model-based variance): smoothed against time, each estimates the coefficient then.</summary>
    ScaledSchoenfeld = 4,
}

/// <summary>One residual of a Cox model.</summary>
/// <param name="Row">The row of the fitted data it belongs to.</param>
/// <param name="Time">The row's exit time (for Schoenfeld residuals, the event's time).</param>
/// <param name="Values">One value (martingale, deviance) or one per covariate in the model's order.</param>
public sealed record CoxResidual(int Row, double Time, IReadOnlyList<double> Values);

/// <summary>A fitted Cox proportional-hazards model (<see cref="CoxRegression.Fit(CoxData, CoxOptions?)"/>).</summary>
/// <remarks>
/// With a robust variance (<see cref="CoxOptions.Robust"/> or clusters) R's <c>summary</c> switches every z, p-value,
/// interval and the Wald test to it; here the model-based figures stay in <see cref="CoxCoefficient.Z"/>,
/// <see cref="CoxCoefficient.PValue"/>, <see cref="CoxCoefficient.Lower"/>, <see cref="CoxCoefficient.Upper"/> and
/// <see cref="Wald"/>, and the robust ones are beside them: <see cref="CoxCoefficient.RobustZ"/>,
/// <see cref="CoxCoefficient.RobustPValue"/>, <see cref="CoxCoefficient.RobustLower"/>,
/// <see cref="CoxCoefficient.RobustUpper"/>, <see cref="RobustWald"/> and <see cref="RobustScore"/>. The likelihood-ratio
/// and score tests are model-based in both. Predicted curves use the robust variance when there is one, as R's
/// <c>survfit</c> does.
/// </remarks>
public sealed class CoxModel
{
    private readonly double[] _variance;
    private readonly double[]? _robust;
    private readonly double[] _means;
    private readonly string[] _strata;
    private readonly CoxFitter _fit;
    private readonly CoxEventTable _table;
    private readonly double[] _beta;

    internal CoxModel(IReadOnlyList<CoxCoefficient> coefficients, double[] variance, double[]? robust, double[] means, int subjects, int events, CoxTies ties, double confidenceLevel, string[] strata, CoxFitter fit, CoxEventTable table, double[] beta)
    {
        Coefficients = coefficients;
        _variance = variance;
        _robust = robust;
        _means = means;
        _strata = strata;
        _fit = fit;
        _table = table;
        _beta = beta;
        Subjects = subjects;
        Events = events;
        Ties = ties;
        ConfidenceLevel = confidenceLevel;
    }

    /// <summary>The estimates, in the order of the covariates.</summary>
    public IReadOnlyList<CoxCoefficient> Coefficients { get; }

    /// <summary>The rows fitted (R's <c>n</c>): one per subject, or with start–stop data one per interval.</summary>
    public int Subjects { get; }

    /// <summary>The rows that ended with the event (unweighted, R's <c>nevent</c>).</summary>
    public int Events { get; }

    /// <summary>How ties were handled.</summary>
    public CoxTies Ties { get; }

    /// <summary>The level of the hazard ratios' and predicted curves' intervals.</summary>
    public double ConfidenceLevel { get; }

    /// <summary>The strata, in ordinal order; empty when the data had none.</summary>
    public IReadOnlyList<string> Strata => _strata;

    /// <summary>How many clusters the robust variance summed over, when clusters were given.</summary>
    public int? Clusters { get; init; }

    /// <summary>The log partial likelihood with every β = 0.</summary>
    public double NullLogLikelihood { get; init; }

    /// <summary>The log partial likelihood at the estimates.</summary>
    public double LogLikelihood { get; init; }

    /// <summary>The likelihood-ratio test of every β = 0: 2 (log L − log L₀), chi-square with one degree per covariate.</summary>
    public ChiSquareTest LikelihoodRatio { get; init; }

    /// <summary>The Wald test of every β = 0: βᵀ I β, with the model-based information.</summary>
    public ChiSquareTest Wald { get; init; }

    /// <summary>The Wald test with the robust variance, when there is one: what R prints as the Wald test then.</summary>
    public ChiSquareTest? RobustWald { get; init; }

    /// <summary>The robust score test of every β = 0, when there is a robust variance: R's <c>robscore</c>.</summary>
    public ChiSquareTest? RobustScore { get; init; }

    /// <summary>The score (log-rank) test of every β = 0.</summary>
    public ChiSquareTest Score { get; init; }

    /// <summary>Harrell's C of the risk scores.</summary>
    public CoxConcordance Concordance { get; init; }

    /// <summary>The Newton–Raphson iterations taken.</summary>
    public int Iterations { get; init; }

    /// <summary>The proportional-hazards test, when it was asked for (<see cref="CoxOptions.TestProportionalHazards"/>).</summary>
    public CoxProportionalHazardsTest? ProportionalHazards { get; init; }

    /// <summary>The covariates' (weighted) means (the risk scores are centred on them, as R's).</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>An entry of the model-based covariance matrix of the estimates.</summary>
    /// <param name="row">A covariate's index.</param>
    /// <param name="column">A covariate's index.</param>
    /// <returns>The covariance.</returns>
    public double Covariance(int row, int column) => _variance[Index(row, column)];

    /// <summary>An entry of the robust covariance matrix, when there is one (<see cref="CoxOptions.Robust"/> or clusters).</summary>
    /// <param name="row">A covariate's index.</param>
    /// <param name="column">A covariate's index.</param>
    /// <returns>The covariance.</returns>
    /// <exception cref="InvalidOperationException">The model was fitted without robust errors.</exception>
    public double RobustCovariance(int row, int column) =>
        (_robust ?? throw new InvalidOperationException("The model was fitted without robust standard errors; fit it with CoxOptions.Robust = true."))[Index(row, column)];

    /// <summary>A subject's hazard relative to a subject at the covariates' means: exp((x − x̄)ᵀβ), R's <c>predict(type = "risk")</c> (without any offset).</summary>
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

    /// <summary>The predicted survival curve of a subject with the given covariates, in a model without strata.</summary>
    /// <param name="covariates">The subject's covariates, in the model's order.</param>
    /// <returns>One point per distinct event time, in time order.</returns>
    /// <exception cref="ArgumentException">The number of values differs from the covariates', or one is not finite, or the model has strata.</exception>
    public IReadOnlyList<CoxSurvivalPoint> PredictSurvival(ReadOnlySpan<double> covariates) =>
        _strata.Length == 0
            ? PredictSurvival(covariates, 0, null)
            : throw new ArgumentException($"The model has strata ({string.Join(", ", _strata)}), each with its own baseline hazard; name the subject's stratum.", nameof(covariates));

    /// <summary>
    /// The predicted survival curve of a subject of a model fitted with offsets (<see cref="CoxData.Offsets"/>): as
    /// <see cref="PredictSurvival(ReadOnlySpan{double}, string)"/>, with the subject's offset added to its log hazard.
    /// </summary>
    /// <param name="covariates">The subject's covariates, in the model's order.</param>
    /// <param name="stratum">The subject's stratum, or null for a model without strata.</param>
    /// <param name="offset">The subject's offset, finite.</param>
    /// <returns>One point per distinct event time of the stratum, in time order.</returns>
    /// <exception cref="ArgumentException">As for the other overloads, or the offset is not finite.</exception>
    public IReadOnlyList<CoxSurvivalPoint> PredictSurvival(ReadOnlySpan<double> covariates, string? stratum, double offset)
    {
        if (!double.IsFinite(offset))
        {
            throw new ArgumentException($"The offset is {offset}; it must be finite.", nameof(offset));
        }

        return stratum is null
            ? _strata.Length == 0 ? PredictSurvival(covariates, 0, offset) : throw new ArgumentException($"The model has strata ({string.Join(", ", _strata)}), each with its own baseline hazard; name the subject's stratum.", nameof(stratum))
            : PredictSurvival(covariates, StratumIndex(stratum), offset);
    }

    /// <summary>
    /// The predicted survival curve of a subject with the given covariates in a stratum: at each event time of the
    /// stratum, the cumulative hazard H(t | x) = H₀(t) · exp((x − x̄)ᵀβ), the survival exp(−H), and their confidence
    /// limits; R's <c>survfit(fit, newdata)</c> (its default <c>stype = 2</c>: the baseline hazard Breslow's or, with
    /// Efron's ties, Efron's; the variance of H the baseline's plus the coefficients', <c>conf.type = "log"</c>).
    /// </summary>
    /// <param name="covariates">The subject's covariates, in the model's order.</param>
    /// <param name="stratum">The subject's stratum, one of <see cref="Strata"/>.</param>
    /// <returns>One point per distinct event time of the stratum, in time order.</returns>
    /// <exception cref="ArgumentException">The number of values differs from the covariates', or one is not finite, or the stratum is not the model's.</exception>
    public IReadOnlyList<CoxSurvivalPoint> PredictSurvival(ReadOnlySpan<double> covariates, string stratum)
    {
        ArgumentNullException.ThrowIfNull(stratum);
        return PredictSurvival(covariates, StratumIndex(stratum), null);
    }

    /// <summary>The model's residuals of one kind, as R's <c>residuals.coxph</c> (unweighted).</summary>
    /// <param name="kind">Which residuals.</param>
    /// <returns>
    /// Martingale, deviance and score residuals: one per row, in the rows' order. Schoenfeld residuals: one per event, by
    /// stratum, then time, then row, as R orders them.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a <see cref="CoxResidualKind"/>.</exception>
    public IReadOnlyList<CoxResidual> Residuals(CoxResidualKind kind)
    {
        var n = _fit.Observations;
        var p = _fit.Covariates;
        switch (kind)
        {
            case CoxResidualKind.Martingale or CoxResidualKind.Deviance:
                var martingale = new double[n];
                _fit.Residuals(_beta, _table, martingale, null);
                return [.. Enumerable.Range(0, n).Select(i => new CoxResidual(i, _fit.Time(i), [kind == CoxResidualKind.Martingale ? martingale[i] : Deviance(martingale[i], _fit.Status(i))]))];
            case CoxResidualKind.Score:
                var score = new double[n * p];
                _fit.Residuals(_beta, _table, null, score);
                return [.. Enumerable.Range(0, n).Select(i => new CoxResidual(i, _fit.Time(i), score.AsSpan(i * p, p).ToArray()))];
            case CoxResidualKind.Schoenfeld or CoxResidualKind.ScaledSchoenfeld:
                var events = Enumerable.Range(0, n).Where(_fit.Status).OrderBy(_fit.Stratum).ThenBy(_fit.Time).ThenBy(i => i).ToArray();
                var residuals = new CoxResidual[events.Length];
                for (var e = 0; e < events.Length; e++)
                {
                    var row = events[e];
                    var own = _table[_table.Last(_fit.Stratum(row), _fit.Time(row))];
                    var values = new double[p];
                    for (var a = 0; a < p; a++)
                    {
                        values[a] = _fit.Centred(row, a) - own.EventMean[a];
                    }

                    if (kind == CoxResidualKind.ScaledSchoenfeld)
                    {
                        // R: β + events · V · r, with the model-based V.
                        var scaled = new double[p];
                        for (var a = 0; a < p; a++)
                        {
                            var sum = 0.0;
                            for (var b = 0; b < p; b++)
                            {
                                sum += values[b] * _variance[(b * p) + a];
                            }

                            scaled[a] = _beta[a] + (Events * sum);
                        }

                        values = scaled;
                    }

                    residuals[e] = new CoxResidual(row, _fit.Time(row), values);
                }

                return residuals;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "The residuals are Martingale, Deviance, Score, Schoenfeld or ScaledSchoenfeld.");
        }

        static double Deviance(double m, bool dead) =>
            Math.Sign(m) * Math.Sqrt(-2 * (m + (dead ? Math.Log(1 - m) : 0)));
    }

    private int StratumIndex(string stratum)
    {
        var index = Array.IndexOf(_strata, stratum);
        return index >= 0
            ? index
            : throw new ArgumentException(_strata.Length == 0 ? $"The model has no strata; '{stratum}' is not one." : $"'{stratum}' is not a stratum of the model ({string.Join(", ", _strata)}).", nameof(stratum));
    }

    private IReadOnlyList<CoxSurvivalPoint> PredictSurvival(ReadOnlySpan<double> covariates, int stratum, double? offset)
    {
        if (offset is null && _fit.HasOffsets)
        {
            throw new ArgumentException("The model was fitted with offsets; give the subject's offset (PredictSurvival(covariates, stratum, offset)).", nameof(covariates));
        }

        foreach (var value in covariates)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"A covariate value is {value}; covariates must be finite.", nameof(covariates));
            }
        }

        var relative = RelativeHazard(covariates) * Math.Exp(offset ?? 0);
        var p = Coefficients.Count;
        var v = _robust ?? _variance;
        var z = Statistics.NormalQuantile(1 - ((1 - ConfidenceLevel) / 2));
        var centred = new double[p];
        for (var a = 0; a < p; a++)
        {
            centred[a] = covariates[a] - _means[a];
        }

        var d = new double[p];
        var curve = new CoxSurvivalPoint[_table.End(stratum) - _table.First(stratum)];
        for (var k = 0; k < curve.Length; k++)
        {
            var m = _table.First(stratum) + k;
            var baseline = _table.CumulativeHazard(stratum, m);
            var h = baseline * relative;
            var survival = Math.Exp(-h);

            // Var H(t | x) = (Σ w̄/D² + dᵀ V d) · exp(2η), d = H₀(t)·x − Σ w̄ x̄/D: the baseline's error and the coefficients'.
            for (var a = 0; a < p; a++)
            {
                d[a] = (baseline * centred[a]) - _table.CumulativeMean(stratum, m, a);
            }

            var quadratic = 0.0;
            for (var a = 0; a < p; a++)
            {
                for (var b = 0; b < p; b++)
                {
                    quadratic += d[a] * v[(a * p) + b] * d[b];
                }
            }

            var se = Math.Sqrt(_table.CumulativeVariance(stratum, m) + quadratic) * relative;
            curve[k] = new CoxSurvivalPoint(_table.Time(m), h, survival)
            {
                StandardError = se,
                Lower = survival * Math.Exp(-z * se),
                Upper = Math.Min(1, survival * Math.Exp(z * se)),
            };
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
