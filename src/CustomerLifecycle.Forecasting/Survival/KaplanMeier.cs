namespace CustomerLifecycle.Forecasting;

/// <summary>How a confidence interval of the survival curve is built from Greenwood's variance.</summary>
public enum ConfidenceIntervalTransform
{
    /// <summary>On log S(t): <c>exp(log S ± z·σ)</c>, capped at 1. R's <c>survfit</c> default.</summary>
    Log = 0,

    /// <summary>On log(−log S(t)): <c>S^exp(±z·σ/log S)</c>; stays within 0–1 without capping.</summary>
    LogLog = 1,

    /// <summary>On S(t) itself: <c>S ± z·σ·S</c>, clipped to 0–1.</summary>
    Plain = 2,
}

/// <summary>
/// The Kaplan–Meier product-limit estimator of a survival (retention) curve, with censoring, at-risk and event counts,
/// Greenwood standard errors, confidence intervals and the median, matching R's <c>survival::survfit</c>.
/// </summary>
/// <remarks>
/// At each distinct time t: <c>S(t) = Π (1 − dᵢ/nᵢ)</c> over times up to t, with nᵢ at risk and dᵢ events;
/// Greenwood: <c>Var S(t) = S(t)² Σ dᵢ/(nᵢ(nᵢ − dᵢ))</c>. Subjects censored at a time are at risk at that time
/// (events are counted before censoring, as is conventional). Fitting sorts a copy of the observations:
/// O(n log n) time, O(n) memory, and a result of one point per distinct time.
/// </remarks>
public static class KaplanMeier
{
    /// <summary>Fits a curve.</summary>
    /// <param name="observations">One or more observations.</param>
    /// <param name="confidenceLevel">The interval's level, strictly between 0 and 1; default 0.95.</param>
    /// <param name="transform">How the interval is built; default <see cref="ConfidenceIntervalTransform.Log"/>, as R.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentException">There are no observations (an empty cohort has no curve).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The level is not strictly between 0 and 1, or the transform is unknown.</exception>
    public static KaplanMeierCurve Fit(ReadOnlySpan<SurvivalObservation> observations, double confidenceLevel = 0.95, ConfidenceIntervalTransform transform = ConfidenceIntervalTransform.Log)
    {
        if (observations.IsEmpty)
        {
            throw new ArgumentException("A Kaplan–Meier curve needs at least one observation; this cohort is empty.", nameof(observations));
        }

        if (!(confidenceLevel is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "The confidence level must be strictly between 0 and 1, for example 0.95.");
        }

        if (!Enum.IsDefined(transform))
        {
            throw new ArgumentOutOfRangeException(nameof(transform), transform, "Unknown confidence interval transform.");
        }

        var times = new double[observations.Length];
        var events = new byte[observations.Length];
        var eventCount = 0;
        for (var i = 0; i < observations.Length; i++)
        {
            // default(SurvivalObservation) is time 0, censored: valid.
            times[i] = observations[i].Time;
            events[i] = observations[i].Churned ? (byte)1 : (byte)0;
            eventCount += events[i];
        }

        Array.Sort(times, events);
        var z = Statistics.NormalQuantile(0.5 + (confidenceLevel / 2));
        var points = new List<KaplanMeierPoint>();
        int atRisk = times.Length, index = 0;
        double survival = 1, greenwood = 0;
        while (index < times.Length)
        {
            var time = times[index];
            int deaths = 0, censored = 0;
            while (index < times.Length && times[index] == time)
            {
                if (events[index] == 1)
                {
                    deaths++;
                }
                else
                {
                    censored++;
                }

                index++;
            }

            if (deaths > 0)
            {
                survival *= 1.0 - ((double)deaths / atRisk);
                greenwood = deaths == atRisk ? double.PositiveInfinity : greenwood + ((double)deaths / ((double)atRisk * (atRisk - deaths)));
            }

            var logSe = Math.Sqrt(greenwood);
            var (lower, upper) = Interval(survival, logSe, z, transform);
            points.Add(new KaplanMeierPoint(time, atRisk, deaths, censored, survival, double.IsPositiveInfinity(logSe) ? null : survival * logSe, lower, upper));
            atRisk -= deaths + censored;
        }

        return new KaplanMeierCurve(points, times.Length, eventCount, confidenceLevel, transform);
    }

    /// <summary>Fits one curve per cohort or segment.</summary>
    /// <typeparam name="TKey">The cohort key, for example a segment name or a start quarter.</typeparam>
    /// <param name="observations">Observations with their cohort.</param>
    /// <param name="confidenceLevel">The interval's level; default 0.95.</param>
    /// <param name="transform">How the interval is built.</param>
    /// <returns>A curve per cohort present in the data.</returns>
    public static IReadOnlyDictionary<TKey, KaplanMeierCurve> FitByGroup<TKey>(IEnumerable<(TKey Group, SurvivalObservation Observation)> observations, double confidenceLevel = 0.95, ConfidenceIntervalTransform transform = ConfidenceIntervalTransform.Log)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(observations);
        return observations
            .GroupBy(o => o.Group)
            .ToDictionary(g => g.Key, g => Fit(g.Select(o => o.Observation).ToArray(), confidenceLevel, transform));
    }

    private static (double? Lower, double? Upper) Interval(double s, double logSe, double z, ConfidenceIntervalTransform transform)
    {
        if (s == 0 || double.IsPositiveInfinity(logSe))
        {
            return (null, null);
        }

        if (logSe == 0)
        {
            return (s, s);
        }

        switch (transform)
        {
            case ConfidenceIntervalTransform.Log:
                return (Math.Exp(Math.Log(s) - (z * logSe)), Math.Min(1, Math.Exp(Math.Log(s) + (z * logSe))));
            case ConfidenceIntervalTransform.LogLog:
                if (s == 1)
                {
                    return (1, 1);
                }

                var spread = z * logSe / Math.Log(s);
                return (Math.Pow(s, Math.Exp(-spread)), Math.Pow(s, Math.Exp(spread)));
            default:
                return (Math.Max(0, s - (z * logSe * s)), Math.Min(1, s + (z * logSe * s)));
        }
    }
}

/// <summary>One step of a Kaplan–Meier curve, at a distinct observed time.</summary>
/// <param name="Time">The time.</param>
/// <param name="AtRisk">Subjects still observed just before it.</param>
/// <param name="Events">Events (churns) at it.</param>
/// <param name="Censored">Subjects censored at it.</param>
/// <param name="Survival">The estimate S(t), 0–1.</param>
/// <param name="StandardError">Greenwood's standard error of S(t); null once every subject at risk has had the event.</param>
/// <param name="Lower">The lower confidence bound; null where undefined (S = 0).</param>
/// <param name="Upper">The upper confidence bound; null where undefined.</param>
public sealed record KaplanMeierPoint(double Time, int AtRisk, int Events, int Censored, double Survival, double? StandardError, double? Lower, double? Upper);

/// <summary>A fitted Kaplan–Meier curve. Immutable.</summary>
public sealed class KaplanMeierCurve
{
    private readonly List<KaplanMeierPoint> _points;

    internal KaplanMeierCurve(List<KaplanMeierPoint> points, int subjects, int events, double confidenceLevel, ConfidenceIntervalTransform transform)
    {
        _points = points;
        Subjects = subjects;
        Events = events;
        ConfidenceLevel = confidenceLevel;
        Transform = transform;
        Median = Quantile(p => p.Survival);
        MedianLower = Quantile(p => p.Lower);
        MedianUpper = Quantile(p => p.Upper);
    }

    /// <summary>The number of subjects.</summary>
    public int Subjects { get; }

    /// <summary>The number of events (churns).</summary>
    public int Events { get; }

    /// <summary>The confidence level of the intervals.</summary>
    public double ConfidenceLevel { get; }

    /// <summary>How the intervals were built.</summary>
    public ConfidenceIntervalTransform Transform { get; }

    /// <summary>The curve, one point per distinct time, in time order.</summary>
    public IReadOnlyList<KaplanMeierPoint> Points => _points;

    /// <summary>The median survival time: the first time S(t) falls below one half (midway to the next time when it equals one half exactly, as R); null when it never does.</summary>
    public double? Median { get; }

    /// <summary>The lower confidence bound of the median, from the lower curve; null when that never falls to one half.</summary>
    public double? MedianLower { get; }

    /// <summary>The upper confidence bound of the median, from the upper curve; null when that never falls to one half.</summary>
    public double? MedianUpper { get; }

    /// <summary>S(t) at any time: 1 before the first time, a step function after it.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The estimate.</returns>
    public double SurvivalAt(double time)
    {
        int low = 0, high = _points.Count - 1, found = -1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_points[mid].Time <= time)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return found < 0 ? 1 : _points[found].Survival;
    }

    private double? Quantile(Func<KaplanMeierPoint, double?> curve)
    {
        const double Half = 0.5;
        const double Tolerance = 1e-12;
        for (var i = 0; i < _points.Count; i++)
        {
            if (curve(_points[i]) is not { } value)
            {
                // Undefined bounds come only where S = 0, so the curve has fallen below one half.
                return _points[i].Survival == 0 ? _points[i].Time : null;
            }

            if (Math.Abs(value - Half) < Tolerance)
            {
                var next = _points.FindIndex(i + 1, p => curve(p) is not { } v || v < Half - Tolerance);
                return next < 0 ? _points[i].Time : (_points[i].Time + _points[next].Time) / 2;
            }

            if (value < Half)
            {
                return _points[i].Time;
            }
        }

        return null;
    }
}
