using System.Globalization;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// One past renewal decision: the account as it was a lead time before the decision (its signals then, so that the
/// health factors are those a forecast would have seen), the date of the decision, and whether it renewed.
/// </summary>
/// <param name="Before">The account with its signals as they were before the decision (for example 90 days before the renewal date).</param>
/// <param name="Decided">The date of the decision (the renewal date); a back-test splits the history by it.</param>
/// <param name="Renewed">Whether the account renewed.</param>
public sealed record RenewalDecision(Account Before, LocalDate Decided, bool Renewed);

/// <summary>A past renewal decision without the account's signals, for a model whose factors come from the health history.</summary>
/// <param name="Account">The account.</param>
/// <param name="Decided">The date of the decision (the renewal date).</param>
/// <param name="Renewed">Whether the account renewed.</param>
public sealed record RenewalOutcome(AccountId Account, LocalDate Decided, bool Renewed);

/// <summary>
/// Renewal probabilities learnt from the portfolio's own history: a logistic regression of renewed-or-not on every
/// health factor's points (per 10 points) before each past decision. It plugs in where the other
/// <see cref="IRenewalProbabilityModel"/>s do, and scores an upcoming renewal from its account's factors now.
/// </summary>
/// <remarks>
/// <para>
/// A factor enters when it was measured before at least two thirds of the decisions; the decisions that lack any
/// entering factor are left out of the fit (complete cases) and counted in <see cref="DecisionsLeftOut"/>. Both
/// outcomes must be frequent enough for the factors: the rarer outcome must number at least
/// <c>minimumEventsPerCovariate</c> (10 by default, the usual rule for logistic regression) per factor, or the fit is
/// refused with the counts.
/// </para>
/// <para>
/// It has no opinion about a renewal whose account lacks one of the model's factors. It is thread-safe.
/// </para>
/// </remarks>
public sealed class LearntProbabilityModel : IRenewalProbabilityModel
{
    /// <summary>The covariates are factor points divided by this, so a coefficient is per 10 points.</summary>
    public const double PointsPerUnit = 10;

    private readonly HealthScorer _scorer;

    private LearntProbabilityModel(HealthScorer scorer, LogisticRegression fit, IReadOnlyList<string> factors, IReadOnlyList<string> left, int decisions, int renewed, int leftOut, LocalDate latest)
    {
        _scorer = scorer;
        Fit = fit;
        Factors = factors;
        FactorsLeftOut = left;
        Decisions = decisions;
        Renewed = renewed;
        DecisionsLeftOut = leftOut;
        LatestDecision = latest;
    }

    /// <inheritdoc />
    public string Name => "learnt";

    /// <summary>The fitted regression: the intercept, and a coefficient per factor in <see cref="Factors"/>' order, per 10 points.</summary>
    public LogisticRegression Fit { get; }

    /// <summary>The factors the model reads, in the order of the coefficients.</summary>
    public IReadOnlyList<string> Factors { get; }

    /// <summary>Factors some decisions had, left out because they were measured before fewer than two thirds of the decisions.</summary>
    public IReadOnlyList<string> FactorsLeftOut { get; }

    /// <summary>The decisions the model was fitted on.</summary>
    public int Decisions { get; }

    /// <summary>How many of them renewed.</summary>
    public int Renewed { get; }

    /// <summary>How many of them churned.</summary>
    public int Churned => Decisions - Renewed;

    /// <summary>Decisions of the history left out of the fit because one of the factors was not measured before them.</summary>
    public int DecisionsLeftOut { get; }

    /// <summary>The latest decision fitted on: a back-test scores only decisions after it.</summary>
    public LocalDate LatestDecision { get; }

    /// <summary>Fits the model on past renewal decisions.</summary>
    /// <param name="history">The decisions, each with the account as it was before it.</param>
    /// <param name="scorer">The scorer whose factors are read, before each decision and for each renewal to estimate.</param>
    /// <param name="minimumEventsPerCovariate">The least number of the rarer outcome per factor, 1 or more; 10 by default.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">The history is empty, or holds an account twice for one date.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumEventsPerCovariate"/> is below 1.</exception>
    /// <exception cref="ModelFitException">
    /// No factor is measured often enough, only one outcome occurs, too few of the rarer outcome for the factors (the
    /// message gives the counts), or the fit does not converge (a factor that separates renewals from churns is named).
    /// </exception>
    public static LearntProbabilityModel FitHistory(IEnumerable<RenewalDecision> history, HealthScorer scorer, int minimumEventsPerCovariate = 10)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumEventsPerCovariate, 1);
        var decisions = history.ToArray();
        var points = new Dictionary<string, double>[decisions.Length];
        for (var i = 0; i < decisions.Length; i++)
        {
            var d = decisions[i] ?? throw new ArgumentException($"history[{i}] is null.", nameof(history));
            points[i] = PointsOf(scorer, d.Before);
        }

        return FitPoints([.. decisions.Select(d => new RenewalOutcome(d.Before.Id, d.Decided, d.Renewed))], points, scorer, minimumEventsPerCovariate, nameof(history));
    }

    /// <summary>
    /// Fits the model on past renewal outcomes with each account's health factors read from the health history a fixed
    /// lead time before the decision: the factor points of its latest record on or before <c>decided − leadTime</c>,
    /// as the pipeline wrote them (records written without factor readings, or none at all, leave the decision out,
    /// counted in <see cref="DecisionsLeftOut"/>). Use the lead time at which forecasts are read (90 days, say), so the
    /// model learns from what a forecast would have seen.
    /// </summary>
    /// <param name="outcomes">The past decisions: account, date, renewed or not.</param>
    /// <param name="history">The health history the pipeline keeps.</param>
    /// <param name="leadTime">How long before each decision the factors are read; zero or more.</param>
    /// <param name="scorer">The scorer whose factors are read for each renewal to estimate (its factors' names are the history's).</param>
    /// <param name="minimumEventsPerCovariate">The least number of the rarer outcome per factor, 1 or more; 10 by default.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ArgumentException">No outcome, an account twice for one date, or a negative lead time.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumEventsPerCovariate"/> is below 1.</exception>
    /// <exception cref="ModelFitException">As for <see cref="FitHistory"/>.</exception>
    public static async ValueTask<LearntProbabilityModel> FitHistoryAsync(IEnumerable<RenewalOutcome> outcomes, IHealthHistoryStore history, Period leadTime, HealthScorer scorer, int minimumEventsPerCovariate = 10, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(leadTime);
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumEventsPerCovariate, 1);
        var decisions = outcomes.ToArray();
        var probe = new LocalDate(2000, 1, 1);
        if (probe.Minus(leadTime) > probe)
        {
            throw new ArgumentException($"The lead time {leadTime} is negative; the factors must be read before the decision.", nameof(leadTime));
        }

        for (var i = 0; i < decisions.Length; i++)
        {
            _ = decisions[i] ?? throw new ArgumentException($"outcomes[{i}] is null.", nameof(outcomes));
        }

        var points = new Dictionary<string, double>[decisions.Length];
        foreach (var group in Enumerable.Range(0, decisions.Length).GroupBy(i => decisions[i].Decided.Minus(leadTime)))
        {
            var accounts = group.Select(i => decisions[i].Account).Distinct().ToArray();
            var records = await history.LatestAsync(group.Key, accounts, cancellationToken).ConfigureAwait(false);
            foreach (var i in group)
            {
                var read = new Dictionary<string, double>(StringComparer.Ordinal);
                if (records.TryGetValue(decisions[i].Account, out var record))
                {
                    foreach (var f in record.Factors)
                    {
                        if (f.Points is { } p && double.IsFinite(p))
                        {
                            read[f.Factor] = p;
                        }
                    }
                }

                points[i] = read;
            }
        }

        return FitPoints(decisions, points, scorer, minimumEventsPerCovariate, nameof(outcomes));
    }

    private static LearntProbabilityModel FitPoints(RenewalOutcome[] decisions, Dictionary<string, double>[] points, HealthScorer scorer, int minimumEventsPerCovariate, string parameter)
    {
        if (decisions.Length == 0)
        {
            throw new ArgumentException("A renewal model needs past decisions; the history is empty.", parameter);
        }

        var seen = new HashSet<(AccountId, LocalDate)>();
        for (var i = 0; i < decisions.Length; i++)
        {
            if (!seen.Add((decisions[i].Account, decisions[i].Decided)))
            {
                throw new ArgumentException($"{parameter}[{i}]: account '{decisions[i].Account}' has two decisions on {decisions[i].Decided.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture)}.", parameter);
            }
        }

        // Factors measured before at least two thirds of the decisions, in first-seen order.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var p in points)
        {
            foreach (var factor in p.Keys)
            {
                if (counts.TryGetValue(factor, out var n))
                {
                    counts[factor] = n + 1;
                }
                else
                {
                    counts[factor] = 1;
                    order.Add(factor);
                }
            }
        }

        var factors = order.Where(f => counts[f] * 3 >= decisions.Length * 2).ToArray();
        var left = order.Where(f => counts[f] * 3 < decisions.Length * 2).ToArray();
        if (factors.Length == 0)
        {
            throw new ModelFitException($"No health factor was measured before at least two thirds of the {decisions.Length} decisions ({Describe(counts)}); nothing to learn from.");
        }

        var rows = new List<double[]>();
        var outcomes = new List<bool>();
        var latest = LocalDate.MinIsoValue;
        for (var i = 0; i < decisions.Length; i++)
        {
            if (factors.All(points[i].ContainsKey))
            {
                rows.Add([.. factors.Select(f => points[i][f] / PointsPerUnit)]);
                outcomes.Add(decisions[i].Renewed);
                latest = LocalDate.Max(latest, decisions[i].Decided);
            }
        }

        var renewed = outcomes.Count(o => o);
        var churned = outcomes.Count - renewed;
        var rarer = Math.Min(renewed, churned);
        if (rarer == 0)
        {
            throw new ModelFitException($"Of the {outcomes.Count} decisions with every factor measured, {renewed} renewed and {churned} churned: a model needs both outcomes.");
        }

        if (rarer < minimumEventsPerCovariate * factors.Length)
        {
            throw new ModelFitException(
                $"Too few decisions for {factors.Length} factors ({string.Join(", ", factors)}): of {outcomes.Count} decisions with every factor measured, {renewed} renewed and {churned} churned, " +
                $"and the rarer outcome needs {minimumEventsPerCovariate} cases per factor ({minimumEventsPerCovariate * factors.Length}). " +
                $"That many decisions support {rarer / minimumEventsPerCovariate} factor(s): score with fewer factors, or wait for more renewals.");
        }

        try
        {
            var fit = LogisticRegression.Fit(rows, outcomes);
            return new LearntProbabilityModel(scorer, fit, factors, left, outcomes.Count, renewed, decisions.Length - outcomes.Count, latest);
        }
        catch (InvalidOperationException e)
        {
            var separating = factors.Where((_, k) => Separates(rows, outcomes, k)).ToArray();
            throw new ModelFitException(
                separating.Length > 0
                    ? $"The fit does not converge: {string.Join(", ", separating.Select(f => $"'{f}'"))} separates the renewals from the churns (every renewal on one side of a value, every churn on the other), so its coefficient is infinite. Leave it out, or use more history."
                    : "The fit does not converge: " + e.Message,
                e);
        }
    }

    /// <inheritdoc />
    public bool TryEstimate(RenewalCase renewal, out double probability)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        return TryEstimate(renewal.Account, out probability);
    }

    /// <summary>The probability that an account renews, from its factors now; false when one of the model's factors is not measured.</summary>
    /// <param name="account">The account.</param>
    /// <param name="probability">The probability, 0–1.</param>
    /// <returns>Whether the model has an opinion.</returns>
    public bool TryEstimate(Account account, out double probability)
    {
        ArgumentNullException.ThrowIfNull(account);
        var points = PointsOf(_scorer, account);
        var x = new double[Factors.Count];
        for (var k = 0; k < x.Length; k++)
        {
            if (!points.TryGetValue(Factors[k], out var value))
            {
                probability = 0;
                return false;
            }

            x[k] = value / PointsPerUnit;
        }

        probability = 1 / (1 + Math.Exp(-Fit.LinearPredictor(x)));
        return true;
    }

    private static Dictionary<string, double> PointsOf(HealthScorer scorer, Account account)
    {
        var points = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var f in scorer.Explain(account).Factors)
        {
            if (f.Status == FactorStatus.Measured && f.Points is { } p && double.IsFinite(p))
            {
                points[f.Factor] = p;
            }
        }

        return points;
    }

    /// <summary>Whether one covariate alone puts every renewal at or above every churn, or at or below.</summary>
    private static bool Separates(List<double[]> rows, List<bool> outcomes, int k)
    {
        var (minRenewed, maxRenewed, minChurned, maxChurned) = (double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity);
        for (var i = 0; i < rows.Count; i++)
        {
            var v = rows[i][k];
            if (outcomes[i])
            {
                (minRenewed, maxRenewed) = (Math.Min(minRenewed, v), Math.Max(maxRenewed, v));
            }
            else
            {
                (minChurned, maxChurned) = (Math.Min(minChurned, v), Math.Max(maxChurned, v));
            }
        }

        return minRenewed >= maxChurned || maxRenewed <= minChurned;
    }

    private static string Describe(Dictionary<string, int> counts) =>
        counts.Count == 0 ? "no factor was measured at all" : string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
}
