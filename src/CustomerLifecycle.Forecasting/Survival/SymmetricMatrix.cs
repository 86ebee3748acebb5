namespace CustomerLifecycle.Forecasting;

/// <summary>
/// Dense symmetric positive-definite systems for the survival models: a Cholesky factorization that reports the first
/// column that is (nearly) a combination of the ones before it, instead of dividing by a tiny pivot.
/// </summary>
internal static class SymmetricMatrix
{
    /// <summary>
    /// Factors <paramref name="a"/> (row-major, <paramref name="n"/> × <paramref name="n"/>) in place into its lower Cholesky
    /// factor L (A = L Lᵀ). Returns −1, or the index of the first column whose pivot is at most
    /// <paramref name="tolerance"/> times its diagonal entry (the column lies in the span of the earlier ones).
    /// </summary>
    public static int Cholesky(Span<double> a, int n, double tolerance)
    {
        for (var j = 0; j < n; j++)
        {
            var diagonal = a[(j * n) + j];
            var pivot = diagonal;
            for (var k = 0; k < j; k++)
            {
                pivot -= a[(j * n) + k] * a[(j * n) + k];
            }

            if (!(pivot > tolerance * Math.Abs(diagonal)) || !(pivot > 0))
            {
                return j;
            }

            var root = Math.Sqrt(pivot);
            a[(j * n) + j] = root;
            for (var i = j + 1; i < n; i++)
            {
                var sum = a[(i * n) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= a[(i * n) + k] * a[(j * n) + k];
                }

                a[(i * n) + j] = sum / root;
            }
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                a[(i * n) + j] = 0;
            }
        }

        return -1;
    }

    /// <summary>Solves L Lᵀ x = b in place, given the factor from <see cref="Cholesky"/>.</summary>
    public static void Solve(ReadOnlySpan<double> factor, int n, Span<double> b)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= factor[(i * n) + k] * b[k];
            }

            b[i] = sum / factor[(i * n) + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= factor[(k * n) + i] * b[k];
            }

            b[i] = sum / factor[(i * n) + i];
        }
    }

    /// <summary>The inverse of L Lᵀ, row-major, given the factor from <see cref="Cholesky"/>.</summary>
    public static double[] Inverse(ReadOnlySpan<double> factor, int n)
    {
        var inverse = new double[n * n];
        var column = new double[n];
        for (var j = 0; j < n; j++)
        {
            Array.Clear(column);
            column[j] = 1;
            Solve(factor, n, column);
            for (var i = 0; i < n; i++)
            {
                inverse[(i * n) + j] = column[i];
            }
        }

        return inverse;
    }

    /// <summary>xᵀ A⁻¹ x, given A's factor.</summary>
    public static double QuadraticFormOfInverse(ReadOnlySpan<double> factor, int n, ReadOnlySpan<double> x)
    {
        var solved = x.ToArray();
        Solve(factor, n, solved);
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += x[i] * solved[i];
        }

        return sum;
    }
}
