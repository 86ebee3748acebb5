using System.Globalization;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The questions after the health colors, on the portfolio's history: what drives churn (a Cox model of time to churn
/// against each health factor's points), do the touch models retain differently (the log-rank test), and where revenue
/// came from and went (monthly movements and cohorts, from a ledger built from each account's start, churn and ARR).
/// </summary>
internal sealed record SampleStatistics(
    IReadOnlyList<CoxCoefficient> Drivers,
    string? DriversProblem,
    IReadOnlyList<string> FactorsLeftOut,
    int AccountsModelled,
    double? Concordance,
    CoxProportionalHazardsTest? ProportionalHazards,
    LogRankResult<string> TouchModels,
    IReadOnlyList<MonthlyRevenueMovements> Movements,
    IReadOnlyList<RevenueCohort> Cohorts,
    RenewalModelComparison? RenewalModels,
    string? RenewalModelsProblem)
{
    public static SampleStatistics Compute(IReadOnlyList<PortfolioRow> rows, HealthScorer scorer, IReadOnlyList<(string TouchModel, SurvivalObservation Observation)> touch, LocalDate today)
    {
        // Each account's factor points as scored on its file's signals (a churned account's, its last), per 10 points;
        // a factor missing for some account has no place in the model, so it is left out and named.
        var subjects = rows.Where(r => r.Account.CustomerSince is not null).ToArray();
        var observations = subjects.Select(r => SurvivalObservation.FromDates(r.Account.CustomerSince!.Value, r.ChurnedOn, today)).ToArray();
        var points = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (var i = 0; i < subjects.Length; i++)
        {
            foreach (var factor in scorer.Explain(SampleInputs.ToAccount(subjects[i])).Factors)
            {
                (points.TryGetValue(factor.Factor, out var column) ? column : points[factor.Factor] = Enumerable.Repeat(double.NaN, subjects.Length).ToArray())[i] = factor.Points ?? double.NaN;
            }
        }

        // Factors missing for over a third of the accounts (csat, say, where half never answered) are left out; the
        // model is fitted on the accounts with every other factor scored (complete cases, as R's na.omit).
        var leftOut = points.Where(p => p.Value.Count(double.IsNaN) * 3 > subjects.Length).Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        var kept = points.Where(p => !leftOut.Contains(p.Key)).ToArray();
        var complete = Enumerable.Range(0, subjects.Length).Where(i => kept.All(p => !double.IsNaN(p.Value[i]))).ToArray();
        IReadOnlyList<CoxCoefficient> drivers = [];
        string? problem = null;
        double? concordance = null;
        CoxProportionalHazardsTest? proportional = null;
        try
        {
            var model = CoxRegression.Fit([.. complete.Select(i => observations[i])], [.. kept.Select(p => new CoxCovariate(p.Key, [.. complete.Select(i => p.Value[i] / 10)]))], new CoxOptions { TestProportionalHazards = true });
            drivers = model.Coefficients;
            concordance = model.Concordance.Value;
            proportional = model.ProportionalHazards;
        }
        catch (CoxFitException e)
        {
            problem = e.Message;
        }

        // The ledger: each account new at its start with its contract's ARR, churned with it on its churn date.
        var ledger = new List<RevenueMovement>();
        foreach (var row in subjects.Where(r => r.Account.Contract is { AnnualRecurringRevenue.Amount: > 0 }))
        {
            var arr = row.Account.Contract!.AnnualRecurringRevenue;
            ledger.Add(new RevenueMovement(row.Account.Id, row.Account.CustomerSince!.Value, RevenueMovementKind.New, arr));
            if (row.ChurnedOn is { } churned)
            {
                ledger.Add(new RevenueMovement(row.Account.Id, churned, RevenueMovementKind.Churn, arr));
            }
        }

        // The renewal decisions the file holds: each churn (not renewed, on its churn date), and each contract that
        // began after the customer's start (renewed, on that date). The file keeps one set of signals per account (a
        // churned account's last), so every decision reads them as the signals before it; a real history keeps them as
        // they were (the usage state of that day, the health history). Fitted on the decisions before six months ago,
        // scored on those since: never on the same renewals.
        var decisions = new List<RenewalDecision>();
        foreach (var row in subjects)
        {
            var account = SampleInputs.ToAccount(row);
            if (row.Account.Contract is { } contract && contract.Start > row.Account.CustomerSince!.Value && contract.Start <= today && contract.Start != row.ChurnedOn)
            {
                decisions.Add(new RenewalDecision(account, contract.Start, Renewed: true));
            }

            if (row.ChurnedOn is { } churnedOn)
            {
                decisions.Add(new RenewalDecision(account, churnedOn, Renewed: false));
            }
        }

        RenewalModelComparison? renewalModels = null;
        string? renewalProblem = null;
        try
        {
            renewalModels = RenewalModelBacktest.Compare(decisions, today.PlusMonths(-6), scorer, [HealthBandProbabilityModel.Default]);
        }
        catch (Exception e) when (e is ModelFitException or ArgumentException)
        {
            renewalProblem = e.Message;
        }

        var month = today.ToYearMonth();
        return new SampleStatistics(
            drivers,
            problem,
            leftOut,
            complete.Length,
            concordance,
            proportional,
            LogRankTest.Compare(touch),
            RevenueMovements.ByMonth(ledger, month.PlusMonths(-5), month),
            [.. RevenueMovements.Cohorts(ledger, month).Where(c => c.Start >= month.PlusMonths(-11))],
            renewalModels,
            renewalProblem);
    }

    /// <summary>Each model's line of the back-test: "learnt Brier 0.123 AUC 0.81" (the dashboard's rows repeat it).</summary>
    internal static string ModelLine(RenewalModelScore model) => model.Common is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"{model.Model,-14}Brier {s.BrierScore:0.000}  AUC {(s.Auc is { } auc ? auc.ToString("0.00", CultureInfo.InvariantCulture) : "none")}")
        : $"{model.Model,-14}no opinion on any of them";

    /// <summary>Which model won the back-test, and by how much.</summary>
    internal string? Verdict()
    {
        if (RenewalModels?.Best is not { Common: { } best } winner)
        {
            return null;
        }

        var others = RenewalModels.Models.Where(m => m != winner && m.Common is not null).ToArray();
        if (others.Length == 0)
        {
            return null;
        }

        var runnerUp = others.MinBy(m => m.Common!.BrierScore)!;
        var lower = 1 - (best.BrierScore / runnerUp.Common!.BrierScore);
        var verdict = string.Create(CultureInfo.InvariantCulture, $"the {winner.Model} model wins: its Brier score is {lower:P0} lower than the {runnerUp.Model} model's on the same {RenewalModels.CommonDecisions:N0} renewals");
        var ranker = RenewalModels.Models.Where(m => m.Common?.Auc is not null).MaxBy(m => m.Common!.Auc!.Value);
        return ranker is not null && ranker != winner && best.Auc is { } winnerAuc
            ? verdict + string.Create(CultureInfo.InvariantCulture, $", though the {ranker.Model} model ranks them better (AUC {ranker.Common!.Auc:0.00} against {winnerAuc:0.00})")
            : verdict;
    }

    /// <summary>The log-rank line, under the retention curves.</summary>
    public void WriteLogRank(TextWriter w)
    {
        var t = TouchModels.Test;
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   Do they differ? Log-rank test: chi-square {t.Statistic:0.00} on {t.DegreesOfFreedom} df, p = {t.PValue:0.000}{(t.PValue < 0.05 ? " (a real difference)" : " (no difference beyond chance)")}"));
    }

    /// <summary>The report's section 6.</summary>
    public void Write(TextWriter w)
    {
        w.WriteLine("6. Statistics    what drives churn: a Cox model of time to churn against each health factor's points,");
        w.WriteLine($"                 hazard ratio per 10 points on {AccountsModelled:N0} accounts with every factor scored{(Concordance is { } c ? string.Create(CultureInfo.InvariantCulture, $", concordance {c:0.00}") : string.Empty)}:");
        if (DriversProblem is { } problem)
        {
            w.WriteLine($"                 not fitted: {problem}");
        }

        foreach (var d in Drivers.OrderBy(d => d.HazardRatio))
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"                 {d.Name,-24}{d.HazardRatio,6:0.00}  ({d.Lower:0.00} to {d.Upper:0.00})  p {(d.PValue < 0.001 ? "< 0.001" : d.PValue.ToString("0.000", CultureInfo.InvariantCulture))}"));
        }

        if (FactorsLeftOut.Count > 0)
        {
            w.WriteLine($"                 left out, missing for over a third of the accounts: {string.Join(", ", FactorsLeftOut)}");
        }

        if (ProportionalHazards is { } ph)
        {
            // The assumption behind a single ratio per factor: is any factor's effect drifting with the account's age?
            var drifting = ph.Covariates.Where(c => c.Test.PValue < 0.05).Select(c => c.Name).ToArray();
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"                 proportional hazards (cox.zph): global p = {ph.Global.PValue:0.000}; {(drifting.Length == 0 ? "no factor's effect drifts with time" : $"drifting with time: {string.Join(", ", drifting)}")}"));
        }

        w.WriteLine();
        if (RenewalModels is { } models)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   Renewal models, back-tested: learnt on the {models.Learnt.Decisions:N0} decisions before {models.Split:uuuu-MM-dd} ({models.Learnt.Factors.Count} factors), scored on the {models.CommonDecisions:N0} since that every model could score:"));
            foreach (var model in models.Models)
            {
                w.WriteLine($"   {ModelLine(model)}");
            }

            if (Verdict() is { } verdict)
            {
                w.WriteLine($"   So {verdict}.");
            }

            // A learnt model is calibrated to the renewal rate of the years it learnt from: say when that moved.
            var learnt = models.Learnt;
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   The learnt model saw {(double)learnt.Renewed / learnt.Decisions:P0} of its decisions renew; {models.Models[0].Common?.RenewalRate ?? double.NaN:P0} of those since renewed."));

            w.WriteLine("   (The file keeps one set of signals per account, so each past decision reads them; a real history keeps them as they were before each decision.)");
        }
        else
        {
            w.WriteLine($"   Renewal models not back-tested: {RenewalModelsProblem}");
        }

        w.WriteLine();
        w.WriteLine("   Revenue movements by month (ARR: new and churn, from each account's start and churn dates; quick ratio = gained / lost):");
        foreach (var m in Movements.Where(m => m.Opening.Amount > 0 || m.Closing.Amount > 0))
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {m.Month:uuuu-MM} {m.Currency.Code}  opening {m.Opening.Amount,14:N0}  new {m.New.Amount,12:N0}  churn {m.Churn.Amount,12:N0}  closing {m.Closing.Amount,14:N0}  quick ratio {QuickRatio(m.QuickRatio)}"));
        }
    }

    /// <summary>The quick ratio as a reader wants it: "none" when nothing moved (not NaN), "∞" when nothing was lost.</summary>
    internal static string QuickRatio(double ratio) =>
        double.IsNaN(ratio) ? "none (nothing gained or lost)" : double.IsPositiveInfinity(ratio) ? "∞ (nothing lost)" : ratio.ToString("0.00", CultureInfo.InvariantCulture);
}
