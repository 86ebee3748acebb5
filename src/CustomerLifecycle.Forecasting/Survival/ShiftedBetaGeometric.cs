namespace CustomerLifecycle.Forecasting;

/// <summary>
/// The shifted-beta-geometric (sBG) model of contractual retention (Fader &amp; Hardie 2007): each customer churns at
/// the end of a period with a constant probability θ, and θ varies across customers as Beta(α, β). Retention rises
/// over time because the customers most likely to churn leave first. Fit it from the number of customers alive at the
/// start of each period of one cohort, then project survival, retention, expected residual lifetime and lifetime value.
/// </summary>
/// <remarks>
/// P(T = t) = B(α + 1, β + t − 1) / B(α, β); S(t) = B(α, β + t) / B(α, β); the retention rate r(t) = S(t)/S(t − 1) =
/// (β + t − 1)/(α + β + t − 1). Sources: P. S. Fader and B. G. S. Hardie, "How to project customer retention",
/// Journal of Interactive Marketing 21(1), 2007; and "Customer-base valuation in a contractual setting: the perils of
/// ignoring heterogeneity", Marketing Science 29(1), 2010 (discounted expected residual lifetime). Immutable.
/// </remarks>
public sealed class ShiftedBetaGeometric
{
    /// <summary>Creates a model from known parameters.</summary>
    /// <param name="alpha">α, finite and positive.</param>
    /// <param name="beta">β, finite and positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite and positive.</exception>
    public ShiftedBetaGeometric(double alpha, double beta)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The sBG parameter alpha must be finite and positive.");
        }

        if (!(beta > 0) || !double.IsFinite(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The sBG parameter beta must be finite and positive.");
        }

        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>α of the Beta distribution of churn probabilities.</summary>
    public double Alpha { get; }

    /// <summary>β of the Beta distribution of churn probabilities.</summary>
    public double Beta { get; }

    /// <summary>The mean churn probability per period, α/(α + β).</summary>
    public double MeanChurnProbability => Alpha / (Alpha + Beta);

    /// <summary>
    /// Fits α and β by maximum likelihood from one cohort's customers alive at the start of each period: element 0
    /// is the cohort's size, element t the number still customers after t renewal opportunities.
    /// </summary>
    /// <param name="alive">Two or more non-increasing whole counts, the first positive.</param>
    /// <returns>The fit, with the log-likelihood.</returns>
    /// <exception cref="ArgumentException">The counts are too few, rise, are negative, not whole, or start at zero.</exception>
    /// <exception cref="ModelFitException">The likelihood has no finite maximum (for example nobody churned, or everybody did at once), or the search did not converge.</exception>
    public static ShiftedBetaGeometricFit Fit(IReadOnlyList<double> alive)
    {
        ArgumentNullException.ThrowIfNull(alive);
        Validate(alive);
        var churned = 0.0;
        for (var t = 1; t < alive.Count; t++)
        {
            churned += alive[t - 1] - alive[t];
        }

        if (churned == 0)
        {
            throw new ModelFitException("Nobody in the cohort churned, so the churn probabilities have no finite estimate (beta runs to infinity); the sBG model cannot be fitted to these counts.");
        }

        if (alive[^1] == 0 && alive[1] == 0)
        {
            throw new ModelFitException("Everybody churned in the first period, so the churn probabilities have no finite estimate (alpha runs to infinity); the sBG model cannot be fitted to these counts.");
        }

        var (logAlpha, logBeta, logLikelihood) = NelderMead(p => -LogLikelihood(Math.Exp(p[0]), Math.Exp(p[1]), alive));
        if (Math.Abs(logAlpha) > 25 || Math.Abs(logBeta) > 25 || !double.IsFinite(logLikelihood))
        {
            throw new ModelFitException($"The sBG likelihood has no finite maximum for these counts (the search reached alpha = {Math.Exp(logAlpha):G4}, beta = {Math.Exp(logBeta):G4}); no parameters are returned.");
        }

        return new ShiftedBetaGeometricFit(new ShiftedBetaGeometric(Math.Exp(logAlpha), Math.Exp(logBeta)), -logLikelihood, alive.Count - 1);
    }

    /// <summary>The log-likelihood of a cohort's alive counts under given parameters.</summary>
    /// <param name="alpha">α.</param>
    /// <param name="beta">β.</param>
    /// <param name="alive">The counts, as for <see cref="Fit"/>.</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(double alpha, double beta, IReadOnlyList<double> alive)
    {
        ArgumentNullException.ThrowIfNull(alive);
        double probability = alpha / (alpha + beta), survival = 1 - probability, sum = 0;
        for (var t = 1; t < alive.Count; t++)
        {
            if (t > 1)
            {
                probability *= (beta + t - 2) / (alpha + beta + t - 1);
                survival -= probability;
            }

            var lost = alive[t - 1] - alive[t];
            if (lost > 0)
            {
                sum += lost * Math.Log(probability);
            }
        }

        return alive[^1] > 0 ? sum + (alive[^1] * Math.Log(survival)) : sum;
    }

    /// <summary>S(t): the share of a new cohort still customers after <paramref name="period"/> renewal opportunities.</summary>
    /// <param name="period">0 or more; S(0) = 1.</param>
    /// <returns>The survival, 0–1, non-increasing in the period.</returns>
    public double Survival(int period)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(period);

        // B(α, β + t) / B(α, β) = Π_{i=0}^{t-1} (β + i)/(α + β + i), as logs to stay accurate far out.
        return Math.Exp(LogGamma(Beta + period) - LogGamma(Beta) + LogGamma(Alpha + Beta) - LogGamma(Alpha + Beta + period));
    }

    /// <summary>r(t) = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1): the share of customers alive after t − 1 periods who renew at t.</summary>
    /// <param name="period">1 or more.</param>
    /// <returns>The retention rate, rising with the period.</returns>
    public double RetentionRate(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        return (Beta + period - 1) / (Alpha + Beta + period - 1);
    }

    /// <summary>
    /// The discounted expected residual lifetime (Fader &amp; Hardie 2010) of a customer who has renewed
    /// <paramref name="renewals"/> times: the expected number of further renewals, each discounted by its distance from
    /// the next one, <c>Σ_{t=n+1}^∞ S(t)/S(n) / (1 + d)^(t − n − 1)</c> = <c>r(n+1) · ₂F₁(1, β + n + 1; α + β + n + 1; 1/(1 + d))</c>.
    /// </summary>
    /// <param name="renewals">Renewals made so far (0 for a customer just acquired).</param>
    /// <param name="discountRate">The discount rate per period, positive and finite (0.1 = 10 %).</param>
    /// <returns>The residual lifetime in periods.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative number of renewals, or a discount rate that is not positive and finite.</exception>
    public double DiscountedExpectedResidualLifetime(int renewals, double discountRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(renewals);
        if (!(discountRate > 0) || !double.IsFinite(discountRate))
        {
            throw new ArgumentOutOfRangeException(nameof(discountRate), discountRate, "The discount rate must be positive and finite; without discounting the expected lifetime can be infinite.");
        }

        var n = renewals;
        return RetentionRate(n + 1) * Hypergeometric2F1WithOne(Beta + n + 1, Alpha + Beta + n + 1, 1 / (1 + discountRate));
    }

    /// <summary>
    /// The expected residual value of a customer who has renewed <paramref name="renewals"/> times:
    /// <paramref name="marginPerPeriod"/> × <see cref="DiscountedExpectedResidualLifetime"/>.
    /// </summary>
    /// <param name="marginPerPeriod">The net cash flow per renewal.</param>
    /// <param name="renewals">Renewals made so far.</param>
    /// <param name="discountRate">The discount rate per period.</param>
    /// <returns>The value, in the margin's currency.</returns>
    public Money ResidualLifetimeValue(Money marginPerPeriod, int renewals, double discountRate) =>
        marginPerPeriod * (decimal)DiscountedExpectedResidualLifetime(renewals, discountRate);

    /// <summary>
    /// The expected lifetime value of a customer about to be acquired: the first period's margin plus the discounted
    /// renewals, <c>m · Σ_{t=0}^∞ S(t)/(1 + d)^t</c> = <c>m · (1 + DERL(0)/(1 + d))</c>.
    /// </summary>
    /// <param name="marginPerPeriod">The net cash flow per period.</param>
    /// <param name="discountRate">The discount rate per period.</param>
    /// <returns>The value, in the margin's currency.</returns>
    public Money CustomerLifetimeValue(Money marginPerPeriod, double discountRate) =>
        marginPerPeriod * (decimal)(1 + (DiscountedExpectedResidualLifetime(0, discountRate) / (1 + discountRate)));

    // ₂F₁(1, b; c; z) = Σ_k (b)_k/(c)_k z^k for 0 < z < 1 and c > b > 0: terms are positive and fall geometrically.
    private static double Hypergeometric2F1WithOne(double b, double c, double z)
    {
        double term = 1, sum = 1;
        for (var k = 0; k < 10_000_000; k++)
        {
            term *= (b + k) / (c + k) * z;
            sum += term;
            if (term < 1e-16 * sum)
            {
                return sum;
            }
        }

        throw new ModelFitException($"The residual-lifetime series did not converge for a discount factor of {z}; use a larger discount rate.");
    }

    private static void Validate(IReadOnlyList<double> alive)
    {
        if (alive.Count < 2)
        {
            throw new ArgumentException($"The sBG fit needs the cohort's size and at least one later count; got {alive.Count} count(s).", nameof(alive));
        }

        for (var t = 0; t < alive.Count; t++)
        {
            var count = alive[t];
            if (!(count >= 0) || !double.IsFinite(count) || count != Math.Floor(count))
            {
                throw new ArgumentException($"alive[{t}] = {count}: survivor counts must be whole numbers, zero or more.", nameof(alive));
            }

            if (t > 0 && count > alive[t - 1])
            {
                throw new ArgumentException($"alive[{t}] = {count} is more than alive[{t - 1}] = {alive[t - 1]}: survivor counts cannot rise.", nameof(alive));
            }
        }

        if (alive[0] == 0)
        {
            throw new ArgumentException("alive[0] = 0: the cohort is empty.", nameof(alive));
        }
    }

    /// <summary>Nelder–Mead on (log α, log β) from several starts; the best converged minimum wins.</summary>
    private static (double LogAlpha, double LogBeta, double Minimum) NelderMead(Func<double[], double> f)
    {
        (double, double, double)? best = null;
        foreach (var start in new[] { (0.0, 0.0), (-1.0, 1.0), (1.0, 2.0) })
        {
            var simplex = new[] { new[] { start.Item1, start.Item2 }, new[] { start.Item1 + 0.5, start.Item2 }, new[] { start.Item1, start.Item2 + 0.5 } };
            var values = simplex.Select(f).ToArray();
            var converged = false;
            for (var iteration = 0; iteration < 20_000; iteration++)
            {
                Array.Sort(values, simplex);
                if (Math.Abs(values[2] - values[0]) <= 1e-13 * (1 + Math.Abs(values[0]))
                    && Math.Max(Distance(simplex[0], simplex[1]), Distance(simplex[0], simplex[2])) < 1e-10)
                {
                    converged = true;
                    break;
                }

                var centroid = new[] { (simplex[0][0] + simplex[1][0]) / 2, (simplex[0][1] + simplex[1][1]) / 2 };
                var reflected = Move(centroid, simplex[2], -1);
                var fr = f(reflected);
                if (fr < values[0])
                {
                    var expanded = Move(centroid, simplex[2], -2);
                    var fe = f(expanded);
                    (simplex[2], values[2]) = fe < fr ? (expanded, fe) : (reflected, fr);
                }
                else if (fr < values[1])
                {
                    (simplex[2], values[2]) = (reflected, fr);
                }
                else
                {
                    var contracted = fr < values[2] ? Move(centroid, reflected, 0.5) : Move(centroid, simplex[2], 0.5);
                    var fc = f(contracted);
                    if (fc < Math.Min(fr, values[2]))
                    {
                        (simplex[2], values[2]) = (contracted, fc);
                    }
                    else
                    {
                        for (var i = 1; i < 3; i++)
                        {
                            simplex[i] = Move(simplex[0], simplex[i], 0.5);
                            values[i] = f(simplex[i]);
                        }
                    }
                }

                if (Math.Abs(simplex[0][0]) > 30 || Math.Abs(simplex[0][1]) > 30)
                {
                    break;
                }
            }

            if (converged && (best is null || values[0] < best.Value.Item3))
            {
                best = (simplex[0][0], simplex[0][1], values[0]);
            }
        }

        return best ?? throw new ModelFitException("The sBG maximum-likelihood search did not converge from any starting point; no parameters are returned.");

        static double Distance(double[] a, double[] b) => Math.Max(Math.Abs(a[0] - b[0]), Math.Abs(a[1] - b[1]));

        // from + t·(to − from): t = −1 reflects, −2 expands, 0.5 contracts.
        static double[] Move(double[] from, double[] to, double t) => [from[0] + (t * (to[0] - from[0])), from[1] + (t * (to[1] - from[1]))];
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, n = 9; relative error about 1e-15).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        double[] g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        x -= 1;
        var a = g[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++)
        {
            a += g[i] / (x + i);
        }

        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(a);
    }
}

/// <summary>A maximum-likelihood sBG fit.</summary>
/// <param name="Model">The fitted model.</param>
/// <param name="LogLikelihood">The maximised log-likelihood.</param>
/// <param name="Periods">The number of periods of data fitted.</param>
public sealed record ShiftedBetaGeometricFit(ShiftedBetaGeometric Model, double LogLikelihood, int Periods);

/// <summary>A statistical model that cannot be fitted to the data given: the message says why. No numbers are returned.</summary>
public sealed class ModelFitException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelFitException()
        : this("The model cannot be fitted to these data.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the model cannot be fitted.</param>
    public ModelFitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the model cannot be fitted.</param>
    /// <param name="innerException">The cause.</param>
    public ModelFitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
