namespace CustomerLifecycle.Forecasting;

/// <summary>Numerical helpers shared by the models.</summary>
internal static class Statistics
{
    /// <summary>The standard normal quantile (Acklam's rational approximation, refined by Newton steps on <see cref="NormalCdf"/>).</summary>
    public static double NormalQuantile(double p)
    {
        if (!(p is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A normal quantile needs a probability strictly between 0 and 1.");
        }

        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double Low = 0.02425;
        double x;
        if (p < Low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            x = Horner(c, q) / ((Horner(d, q) * q) + 1);
        }
        else if (p <= 1 - Low)
        {
            var q = p - 0.5;
            var r = q * q;
            x = Horner(a, r) * q / ((Horner(b, r) * r) + 1);
        }
        else
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            x = -Horner(c, q) / ((Horner(d, q) * q) + 1);
        }

        // Two Newton steps on an accurate normal CDF take Acklam's 1e-9 start to full double precision.
        for (var step = 0; step < 2; step++)
        {
            var density = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
            x -= (NormalCdf(x) - p) / density;
        }

        return x;
    }

    private static double Horner(double[] coefficients, double x)
    {
        var result = 0.0;
        foreach (var c in coefficients)
        {
            result = (result * x) + c;
        }

        return result;
    }

    /// <summary>The standard normal CDF: a Taylor series near zero, a continued fraction in the tails (no cancellation).</summary>
    public static double NormalCdf(double x)
    {
        var density = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
        if (Math.Abs(x) <= 3)
        {
            // Φ(x) = 1/2 + φ(x) Σ x^(2k+1) / (2k+1)!!
            double term = x, sum = x;
            for (var k = 1; k < 200 && Math.Abs(term) > 1e-17 * Math.Abs(sum); k++)
            {
                term *= x * x / ((2 * k) + 1);
                sum += term;
            }

            return 0.5 + (density * sum);
        }

        // Q(z) = φ(z) / (z + 1/(z + 2/(z + 3/(z + ...)))), evaluated from the bottom up.
        var z = Math.Abs(x);
        var fraction = z;
        for (var k = 120; k >= 1; k--)
        {
            fraction = z + (k / fraction);
        }

        var tail = density / fraction;
        return x > 0 ? 1 - tail : tail;
    }

    /// <summary>
    /// The upper tail of the chi-square distribution, <c>P(X ≥ x)</c> with <paramref name="degreesOfFreedom"/> degrees of
    /// freedom: the regularized upper incomplete gamma function Q(k/2, x/2), by its series below a + 1 and its continued
    /// fraction above (Numerical Recipes §6.2), to about 1e-14 relative; as R's <c>pchisq(x, df, lower.tail = FALSE)</c>.
    /// </summary>
    public static double ChiSquareSurvival(double x, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        return x <= 0 ? 1 : UpperIncompleteGamma(degreesOfFreedom / 2.0, x / 2);
    }

    // Q(a, x) for a > 0, x > 0.
    private static double UpperIncompleteGamma(double a, double x)
    {
        var logPrefix = (a * Math.Log(x)) - x - LogGamma(a);
        if (x < a + 1)
        {
            // P(a, x) = e^(−x) x^a / Γ(a + 1) · Σ x^n / ((a + 1)…(a + n)); Q = 1 − P.
            double sum = 1 / a, term = sum;
            for (var n = 1; n < 10_000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-17)
                {
                    break;
                }
            }

            return 1 - (sum * Math.Exp(logPrefix));
        }

        // Lentz's continued fraction for Q(a, x).
        const double Tiny = 1e-300;
        double b = x + 1 - a, c = 1 / Tiny, d = 1 / b, h = d;
        for (var i = 1; i < 10_000; i++)
        {
            b += 2;
            var delta = Lentz(-i * (i - a), b, ref c, ref d);
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(logPrefix) * h;
    }

    /// <summary>
    /// The two-sided tail of Student's t distribution, <c>P(|T| ≥ |t|)</c> with <paramref name="degreesOfFreedom"/>
    /// (not necessarily whole, as Welch's) degrees of freedom: the regularized incomplete beta function
    /// I(ν / (ν + t²); ν/2, 1/2); as R's <c>2 * pt(-abs(t), df)</c>.
    /// </summary>
    public static double StudentTwoSided(double t, double degreesOfFreedom)
    {
        if (double.IsNaN(t) || !(degreesOfFreedom > 0))
        {
            return double.NaN;
        }

        return double.IsInfinity(t) ? 0 : RegularizedBeta(degreesOfFreedom / (degreesOfFreedom + (t * t)), degreesOfFreedom / 2, 0.5);
    }

    /// <summary>The quantile of Student's t distribution, <c>P(T ≤ q) = p</c>: R's <c>qt(p, df)</c>, by bisection on <see cref="StudentTwoSided"/> to about 1e-12.</summary>
    public static double StudentQuantile(double p, double degreesOfFreedom)
    {
        if (!(p is > 0 and < 1) || !(degreesOfFreedom > 0))
        {
            return double.NaN;
        }

        if (p == 0.5)
        {
            return 0;
        }

        // Upper tail 1 − p (or p) = two-sided / 2; search the magnitude.
        var tail = 2 * Math.Min(p, 1 - p);
        double low = 0, high = 1;
        while (StudentTwoSided(high, degreesOfFreedom) > tail)
        {
            high *= 2;
        }

        for (var i = 0; i < 200 && high - low > 1e-13 * high; i++)
        {
            var mid = (low + high) / 2;
            if (StudentTwoSided(mid, degreesOfFreedom) > tail)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        var q = (low + high) / 2;
        return p < 0.5 ? -q : q;
    }

    // I_x(a, b), by its continued fraction (Numerical Recipes §6.4), using the symmetry for x above (a + 1) / (a + b + 2).
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var logPrefix = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logPrefix) * BetaFraction(x, a, b) / a
            : 1 - (Math.Exp(logPrefix) * BetaFraction(1 - x, b, a) / b);
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - (qab * x / qap);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        var h = d;
        for (var m = 1; m < 10_000; m++)
        {
            var m2 = 2 * m;
            h *= Lentz(m * (b - m) * x / ((qam + m2) * (a + m2)), 1, ref c, ref d);
            var delta = Lentz(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), 1, ref c, ref d);
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return h;
    }

    // One step of Lentz's method for a continued fraction b₀ + a₁/(b₁ + a₂/(b₂ + …)): the factor the step multiplies
    // the value by, with C and D kept away from zero.
    private static double Lentz(double an, double bn, ref double c, ref double d)
    {
        const double Tiny = 1e-300;
        d = (an * d) + bn;
        d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
        c = bn + (an / c);
        c = Math.Abs(c) < Tiny ? Tiny : c;
        return c * d;
    }

    /// <summary>log Γ(x) for x &gt; 0: the Lanczos approximation (g = 7, n = 9), about 1e-15 relative.</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5)
        {
            // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        double[] g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++)
        {
            sum += g[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }
}
