namespace CustomerLifecycle.Forecasting;

/// <summary>How the log-rank test weighs the event times.</summary>
public enum LogRankWeighting
{
    /// <summary>Every event time alike: the log-rank (Mantel–Haenszel) test. R's <c>survdiff(rho = 0)</c>.</summary>
    LogRank = 0,

    /// <summary>
    /// Each event time by the pooled Kaplan–Meier survival just before it: the Peto–Peto modification of the
    /// Gehan–Wilcoxon test, which gives early differences more weight. R's <c>survdiff(rho = 1)</c>.
    /// </summary>
    PetoPeto = 1,
}

/// <summary>
/// Do two or more groups retain differently? The log-rank test of equal survival curves (and its Peto–Peto weighting),
/// optionally stratified, matching R's <c>survival::survdiff</c>.
/// </summary>
/// <remarks>
/// At each event time t, with n at risk and d events in all, group g (n_g at risk, d_g events) expects
/// <c>d·n_g/n</c> events; with weights w(t), <c>O_g = Σ w·d_g</c>, <c>E_g = Σ w·d·n_g/n</c> and
/// <c>V_gh = Σ w²·d(n − d)/(n(n − 1))·n_g(δ_gh − n_h/n)</c>. The statistic <c>(O − E)ᵀ V⁻ (O − E)</c> is chi-square with
/// one degree of freedom fewer than the groups that had anyone at risk at an event (fewer still for a group whose
/// difference has no variance, where R's <c>survdiff</c> stops on a singular matrix). A stratified test sums O, E and V
/// over the strata, each stratum with its own risk sets (and its own pooled curve for the Peto–Peto weights).
/// Assumes censoring unrelated to the group; the test has most power when the hazards are proportional.
/// O(n log n) time.
/// </remarks>
public static class LogRankTest
{
    /// <summary>Compares the survival of groups.</summary>
    /// <typeparam name="TGroup">The group's key, for example a touch model or a cohort.</typeparam>
    /// <param name="observations">Each subject's group and observation.</param>
    /// <param name="weighting">The weights; the log-rank test by default.</param>
    /// <returns>The test, with each group's observed and expected events.</returns>
    /// <exception cref="ArgumentException">Fewer than two groups, a null group, no event at all, or no variance (everyone at risk churned at each event time).</exception>
    public static LogRankResult<TGroup> Compare<TGroup>(IEnumerable<(TGroup Group, SurvivalObservation Observation)> observations, LogRankWeighting weighting = LogRankWeighting.LogRank)
        where TGroup : notnull
    {
        ArgumentNullException.ThrowIfNull(observations);
        return CompareStratified(observations.Select(o => (o.Group, 0, o.Observation)), weighting);
    }

    /// <summary>Compares the survival of groups within strata (for example groups by touch model, within each tier).</summary>
    /// <typeparam name="TGroup">The group's key.</typeparam>
    /// <typeparam name="TStratum">The stratum's key.</typeparam>
    /// <param name="observations">Each subject's group, stratum and observation.</param>
    /// <param name="weighting">The weights; the log-rank test by default.</param>
    /// <returns>The test, with each group's observed and expected events summed over the strata.</returns>
    /// <exception cref="ArgumentException">Fewer than two groups, a null group or stratum, no event at all, or no variance (everyone at risk churned at each event time).</exception>
    public static LogRankResult<TGroup> CompareStratified<TGroup, TStratum>(IEnumerable<(TGroup Group, TStratum Stratum, SurvivalObservation Observation)> observations, LogRankWeighting weighting = LogRankWeighting.LogRank)
        where TGroup : notnull
        where TStratum : notnull
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (weighting is not (LogRankWeighting.LogRank or LogRankWeighting.PetoPeto))
        {
            throw new ArgumentOutOfRangeException(nameof(weighting), weighting, "The weighting is LogRank or PetoPeto.");
        }

        // Groups in order of first appearance; subjects by stratum.
        var groups = new Dictionary<TGroup, int>();
        var strata = new Dictionary<TStratum, List<(double Time, bool Event, int Group)>>();
        var row = 0;
        foreach (var (group, stratum, observation) in observations)
        {
            if (group is null)
            {
                throw new ArgumentException($"Observation {row} has no group.", nameof(observations));
            }

            if (stratum is null)
            {
                throw new ArgumentException($"Observation {row} has no stratum.", nameof(observations));
            }

            if (!groups.TryGetValue(group, out var g))
            {
                groups[group] = g = groups.Count;
            }

            (strata.TryGetValue(stratum, out var list) ? list : strata[stratum] = []).Add((observation.Time, observation.Churned, g));
            row++;
        }

        var k = groups.Count;
        if (k < 2)
        {
            throw new ArgumentException($"The log-rank test compares two or more groups; the observations hold {(k == 0 ? "none" : $"one ('{groups.Keys.First()}')")}.", nameof(observations));
        }

        var subjects = new int[k];
        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k * k];
        var atRisk = new double[k];
        var deaths = new double[k];
        foreach (var subjectsOfStratum in strata.Values)
        {
            subjectsOfStratum.Sort((a, b) => a.Time.CompareTo(b.Time));
            Array.Clear(atRisk);
            foreach (var s in subjectsOfStratum)
            {
                atRisk[s.Group]++;
                subjects[s.Group]++;
            }

            double n = subjectsOfStratum.Count, survival = 1;
            for (var i = 0; i < subjectsOfStratum.Count;)
            {
                // One distinct time: its events by group, then everyone observed at it leaves the risk set.
                var time = subjectsOfStratum[i].Time;
                var j = i;
                Array.Clear(deaths);
                double d = 0, leaving = 0;
                for (; j < subjectsOfStratum.Count && subjectsOfStratum[j].Time == time; j++)
                {
                    leaving++;
                    if (subjectsOfStratum[j].Event)
                    {
                        deaths[subjectsOfStratum[j].Group]++;
                        d++;
                    }
                }

                if (d > 0)
                {
                    var w = weighting == LogRankWeighting.PetoPeto ? survival : 1;
                    var kv = n > 1 ? d * (n - d) / (n * (n - 1)) : 0;
                    for (var g = 0; g < k; g++)
                    {
                        observed[g] += w * deaths[g];
                        expected[g] += w * d * atRisk[g] / n;
                        var v = w * w * kv * atRisk[g];
                        for (var h = 0; h < k; h++)
                        {
                            variance[(g * k) + h] += v * ((g == h ? 1 : 0) - (atRisk[h] / n));
                        }
                    }

                    survival *= (n - d) / n;
                }

                for (var m = i; m < j; m++)
                {
                    atRisk[subjectsOfStratum[m].Group]--;
                }

                n -= leaving;
                i = j;
            }
        }

        if (observed.All(o => o == 0) && expected.All(e => e == 0))
        {
            throw new ArgumentException("The log-rank test needs at least one event; no observation churned.", nameof(observations));
        }

        // (O − E)ᵀ V⁻ (O − E) with a generalized inverse: V's rows sum to zero, so the last group with anyone at risk at
        // an event is dropped, and so is any group whose difference has no variance (everyone it had at risk died at
        // once, so O = E for it); the degrees of freedom are the groups kept.
        var used = Enumerable.Range(0, k).Where(g => expected[g] > 0).SkipLast(1).ToList();
        var chiSquare = 0.0;
        while (used.Count > 0)
        {
            var m = used.Count;
            var sub = new double[m * m];
            var difference = new double[m];
            for (var a = 0; a < m; a++)
            {
                difference[a] = observed[used[a]] - expected[used[a]];
                for (var b = 0; b < m; b++)
                {
                    sub[(a * m) + b] = variance[(used[a] * k) + used[b]];
                }
            }

            var dependent = SymmetricMatrix.Cholesky(sub, m, 1e-10);
            if (dependent < 0)
            {
                chiSquare = SymmetricMatrix.QuadraticFormOfInverse(sub, m, difference);
                break;
            }

            used.RemoveAt(dependent);
        }

        var df = used.Count;
        if (df == 0)
        {
            throw new ArgumentException("The groups cannot be compared: at every event time everyone at risk churned, so no difference between the groups has any variance.", nameof(observations));
        }

        var keys = groups.OrderBy(g => g.Value).Select(g => g.Key).ToArray();
        return new LogRankResult<TGroup>(
            [.. Enumerable.Range(0, k).Select(g => new LogRankGroup<TGroup>(keys[g], subjects[g], observed[g], expected[g], variance[(g * k) + g]))],
            new ChiSquareTest(chiSquare, df, Statistics.ChiSquareSurvival(chiSquare, df)),
            weighting,
            strata.Count);
    }
}

/// <summary>A chi-square test's statistic, degrees of freedom and p-value (the upper tail).</summary>
/// <param name="Statistic">The statistic.</param>
/// <param name="DegreesOfFreedom">The degrees of freedom.</param>
/// <param name="PValue">The probability of a statistic at least as large under the null hypothesis.</param>
public readonly record struct ChiSquareTest(double Statistic, int DegreesOfFreedom, double PValue);

/// <summary>One group of a log-rank test.</summary>
/// <typeparam name="TGroup">The group's key.</typeparam>
/// <param name="Key">The group.</param>
/// <param name="Subjects">Its subjects.</param>
/// <param name="Observed">Its events (weighted, for the Peto–Peto test).</param>
/// <param name="Expected">The events expected if every group had the pooled hazard (weighted likewise).</param>
/// <param name="Variance">The variance of Observed − Expected.</param>
public sealed record LogRankGroup<TGroup>(TGroup Key, int Subjects, double Observed, double Expected, double Variance);

/// <summary>The result of <see cref="LogRankTest"/>.</summary>
/// <typeparam name="TGroup">The group's key.</typeparam>
public sealed class LogRankResult<TGroup>
{
    internal LogRankResult(IReadOnlyList<LogRankGroup<TGroup>> groups, ChiSquareTest test, LogRankWeighting weighting, int strata)
    {
        Groups = groups;
        Test = test;
        Weighting = weighting;
        Strata = strata;
    }

    /// <summary>The groups, in order of first appearance.</summary>
    public IReadOnlyList<LogRankGroup<TGroup>> Groups { get; }

    /// <summary>The chi-square test of equal survival in every group.</summary>
    public ChiSquareTest Test { get; }

    /// <summary>The weighting used.</summary>
    public LogRankWeighting Weighting { get; }

    /// <summary>The number of strata (1 unless stratified).</summary>
    public int Strata { get; }
}
