using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// A playbook experiment's fixed design: the two arms compared, the last day an account could enter, and the follow-up
/// every account gets. The analysis reads it once, when the last account's follow-up has ended
/// (<see cref="ReadableOn"/>): a fixed horizon, so that looking early cannot inflate the error rates.
/// </summary>
public sealed record ExperimentDesign
{
    /// <summary>The experiment's name (the playbook, or the playbook and the variants).</summary>
    public required string Name { get; init; }

    /// <summary>The last start date of an account in the experiment, inclusive; accounts started later are not in it.</summary>
    public required LocalDate EnrolmentEnds { get; init; }

    /// <summary>Each account's follow-up in days from its start, 1 or more: churn is counted within it, revenue and health read at its end.</summary>
    public required int HorizonDays { get; init; }

    /// <summary>The arm that got the playbook (or variant A); "treated" by default.</summary>
    public string TreatmentArm { get; init; } = "treated";

    /// <summary>The arm compared with it: the holdout (or variant B); "held out" by default.</summary>
    public string ControlArm { get; init; } = "held out";

    /// <summary>The intervals' level, strictly between 0 and 1; 0.95 by default (so the tests' level is 0.05).</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>The power the minimum detectable effects are computed for, strictly between 0 and 1; 0.8 by default.</summary>
    public double TargetPower { get; init; } = 0.8;

    /// <summary>The renewal-rate lift whose power is reported, in proportion (0.05 = five points); 0.05 by default.</summary>
    public double RenewalRateLift { get; init; } = 0.05;

    /// <summary>The hazard ratio of churn whose power is reported, above 0 and not 1; 0.8 by default.</summary>
    public double HazardRatio { get; init; } = 0.8;

    /// <summary>The health-score change (points) whose power is reported, not 0; 5 by default.</summary>
    public double HealthChange { get; init; } = 5;

    /// <summary>The net-revenue-retention lift whose power is reported, in proportion; 0.05 by default.</summary>
    public double NetRevenueRetentionLift { get; init; } = 0.05;

    /// <summary>The first day the experiment can be read: the enrolment's end plus the horizon.</summary>
    public LocalDate ReadableOn => EnrolmentEnds.PlusDays(HorizonDays);
}

/// <summary>One account in an experiment: its arm, its start, and what happened within its follow-up.</summary>
/// <param name="Account">The account.</param>
/// <param name="Arm">Its arm (the design's treatment or control arm).</param>
/// <param name="Started">The day its run started (held out or not).</param>
public sealed record ExperimentSubject(AccountId Account, string Arm, LocalDate Started)
{
    /// <summary>Its stratum (segment, tier, color) when the assignment was stratified: the analysis then compares within strata.</summary>
    public string? Stratum { get; init; }

    /// <summary>Whether its renewal, when one fell within the follow-up, renewed; null when none did.</summary>
    public bool? Renewed { get; init; }

    /// <summary>The day it churned, if it did (a churn after the follow-up counts as none).</summary>
    public LocalDate? ChurnedOn { get; init; }

    /// <summary>Its health score at the start, when it had one.</summary>
    public double? HealthAtStart { get; init; }

    /// <summary>Its health score at the end of the follow-up, when it had one.</summary>
    public double? HealthAtHorizon { get; init; }

    /// <summary>Its recurring revenue at the start (in one currency across the experiment).</summary>
    public decimal? RevenueAtStart { get; init; }

    /// <summary>Its recurring revenue at the end of the follow-up (zero when it churned).</summary>
    public decimal? RevenueAtHorizon { get; init; }
}

/// <summary>One outcome's comparison of the two arms.</summary>
/// <param name="Measure">What is compared.</param>
/// <param name="Treatment">The treatment arm's value (a rate, a mean change, a retention).</param>
/// <param name="Control">The control arm's value.</param>
/// <param name="TreatmentSubjects">The treatment arm's accounts with this outcome.</param>
/// <param name="ControlSubjects">The control arm's accounts with this outcome.</param>
/// <param name="Effect">The effect: treatment − control, or for churn the hazard ratio.</param>
/// <param name="Lower">The effect's lower confidence limit.</param>
/// <param name="Upper">The effect's upper confidence limit.</param>
/// <param name="PValue">The two-sided p-value of no effect.</param>
/// <param name="MinimumDetectableEffect">The smallest effect these sample sizes detect at the design's level and power (for a renewal rate a lift on the control arm's rate; for churn a hazard ratio below 1); NaN when none would.</param>
/// <param name="PowerAgainst">The effect whose power is reported: the design's lift (or hazard ratio).</param>
/// <param name="Power">The chance these sample sizes detect <paramref name="PowerAgainst"/> at the design's level.</param>
public sealed record EffectEstimate(string Measure, double Treatment, double Control, int TreatmentSubjects, int ControlSubjects, double Effect, double Lower, double Upper, double PValue, double MinimumDetectableEffect, double PowerAgainst, double Power)
{
    /// <summary>The chi-square test beside the estimate: R's <c>prop.test</c> for renewal rates, the (stratified) log-rank test for churn.</summary>
    public ChiSquareTest? Test { get; init; }

    /// <summary>Whether the interval excludes no effect (0, or a hazard ratio of 1).</summary>
    public bool Significant => Measure == ExperimentAnalysis.ChurnMeasure ? Lower > 1 || Upper < 1 : Lower > 0 || Upper < 0;
}

/// <summary>What an experiment found (<see cref="ExperimentAnalysis.Analyze"/>).</summary>
/// <param name="Design">The design.</param>
/// <param name="TreatmentSubjects">Accounts in the treatment arm.</param>
/// <param name="ControlSubjects">Accounts in the control arm.</param>
/// <param name="RenewalRate">Renewed ÷ renewals decided within the follow-up, R's <c>prop.test</c> (with its continuity correction); null when an arm had none.</param>
/// <param name="TimeToChurn">The hazard ratio of churn within the follow-up (Cox, with the strata), with the (stratified) log-rank test; null without churn.</param>
/// <param name="HealthChange">The mean change of the health score over the follow-up, Welch's t; null when an arm has fewer than two.</param>
/// <param name="NetRevenueRetention">Revenue at the horizon ÷ revenue at the start, per arm; null when an arm has fewer than two paying accounts.</param>
/// <param name="Notes">What was left out and why: accounts of other arms or started after the enrolment, outcomes missing.</param>
public sealed record ExperimentResult(ExperimentDesign Design, int TreatmentSubjects, int ControlSubjects, EffectEstimate? RenewalRate, EffectEstimate? TimeToChurn, EffectEstimate? HealthChange, EffectEstimate? NetRevenueRetention, IReadOnlyList<string> Notes);

/// <summary>How many accounts an experiment needs (<see cref="ExperimentAnalysis.Plan"/>), for the design's level and power.</summary>
/// <param name="RenewalsForLift">Renewals decided within the follow-up, both arms together, to detect the design's renewal-rate lift.</param>
/// <param name="ChurnEventsForHazardRatio">Churns within the follow-up, both arms together, to detect the design's hazard ratio (Schoenfeld 1983).</param>
/// <param name="AccountsForHazardRatio">The accounts that many churns take at the baseline churn share (the treated arm's share lowered by the hazard ratio).</param>
public sealed record ExperimentPlan(int RenewalsForLift, int ChurnEventsForHazardRatio, int AccountsForHazardRatio);

/// <summary>
/// Did the playbook work? Compares the accounts that got it with those held out (or one variant with another) on
/// renewal rate, time to churn, health change and net revenue retention, each with an interval, a p-value, the
/// minimum detectable effect at the sample sizes and the power against the design's effect of interest.
/// </summary>
/// <remarks>
/// The design is a fixed horizon: the analysis refuses to read the experiment before
/// <see cref="ExperimentDesign.ReadableOn"/>, when every account's follow-up is complete, and then reads it once. A
/// test read repeatedly as data arrive and stopped at the first p below 0.05 rejects a true null far more often than
/// 5 % of the time; a fixed horizon keeps the error rate at its nominal level with the ordinary tests (which R checks
/// here), where always-valid intervals would be wider at the end for the right to look early. Assignment must be
/// random (<c>PlaybookHoldout</c> in CustomerLifecycle.Playbooks): only then is a difference the playbook's effect.
/// </remarks>
public static class ExperimentAnalysis
{
    /// <summary><see cref="EffectEstimate.Measure"/> of <see cref="ExperimentResult.RenewalRate"/>.</summary>
    public const string RenewalRateMeasure = "renewal rate";

    /// <summary><see cref="EffectEstimate.Measure"/> of <see cref="ExperimentResult.TimeToChurn"/>: its effect is a hazard ratio, no effect 1.</summary>
    public const string ChurnMeasure = "hazard ratio of churn";

    /// <summary><see cref="EffectEstimate.Measure"/> of <see cref="ExperimentResult.HealthChange"/>.</summary>
    public const string HealthChangeMeasure = "health change";

    /// <summary><see cref="EffectEstimate.Measure"/> of <see cref="ExperimentResult.NetRevenueRetention"/>.</summary>
    public const string NetRevenueRetentionMeasure = "net revenue retention";

    /// <summary>Analyzes an experiment.</summary>
    /// <param name="design">The design.</param>
    /// <param name="subjects">Its accounts, one each.</param>
    /// <param name="asOf">Today; on or after <see cref="ExperimentDesign.ReadableOn"/>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException">The design is invalid, an account appears twice, a value is out of range, or an arm is empty (each named).</exception>
    /// <exception cref="InvalidOperationException"><paramref name="asOf"/> is before the design's horizon ends: the message says when it can be read.</exception>
    public static ExperimentResult Analyze(ExperimentDesign design, IEnumerable<ExperimentSubject> subjects, LocalDate asOf)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(subjects);
        Check(design);
        if (asOf < design.ReadableOn)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Experiment '{design.Name}' is read once, when every account's {design.HorizonDays}-day follow-up has ended: on {design.ReadableOn:uuuu-MM-dd} or after, not {asOf:uuuu-MM-dd}. Reading it earlier and stopping at a good p-value would inflate its error rate."));
        }

        var notes = new List<string>();
        var seen = new HashSet<AccountId>();
        var treatment = new List<ExperimentSubject>();
        var control = new List<ExperimentSubject>();
        int otherArm = 0, late = 0, index = 0;
        foreach (var s in subjects)
        {
            if (s is null)
            {
                throw new ArgumentException($"subjects[{index}] is null.", nameof(subjects));
            }

            if (!seen.Add(s.Account))
            {
                throw new ArgumentException($"Account '{s.Account}' is in experiment '{design.Name}' twice; an account is one subject (keep its first run).", nameof(subjects));
            }

            Validate(s, index++);
            if (s.Started > design.EnrolmentEnds)
            {
                late++;
            }
            else if (s.Arm == design.TreatmentArm)
            {
                treatment.Add(s);
            }
            else if (s.Arm == design.ControlArm)
            {
                control.Add(s);
            }
            else
            {
                otherArm++;
            }
        }

        if (otherArm > 0)
        {
            notes.Add($"{otherArm} account(s) in arms other than '{design.TreatmentArm}' and '{design.ControlArm}' left out.");
        }

        if (late > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{late} account(s) started after the enrolment ended ({design.EnrolmentEnds:uuuu-MM-dd}) left out."));
        }

        if (treatment.Count == 0 || control.Count == 0)
        {
            throw new ArgumentException($"Experiment '{design.Name}' has {treatment.Count} account(s) in '{design.TreatmentArm}' and {control.Count} in '{design.ControlArm}'; both arms need accounts.", nameof(subjects));
        }

        var z = Statistics.NormalQuantile(1 - ((1 - design.ConfidenceLevel) / 2));
        var zPower = Statistics.NormalQuantile(design.TargetPower);
        return new ExperimentResult(
            design,
            treatment.Count,
            control.Count,
            Renewals(design, treatment, control, z, notes),
            Churn(design, treatment, control, z, zPower, notes),
            Health(design, treatment, control, z, zPower, notes),
            Revenue(design, treatment, control, z, zPower, notes),
            notes);
    }

    /// <summary>
    /// How many accounts the design needs before it starts, so that its effects of interest are detected with the
    /// design's power: the enrolment must run until that many have entered, and the experiment is read a horizon later.
    /// </summary>
    /// <param name="design">The design (its level, power, renewal-rate lift and hazard ratio).</param>
    /// <param name="holdoutShare">The share held out, strictly between 0 and 1.</param>
    /// <param name="baselineRenewalRate">The renewal rate without the playbook, strictly between 0 and 1.</param>
    /// <param name="baselineChurnShare">The share of accounts that churn within the horizon without it, strictly between 0 and 1.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">The design or a rate is invalid, or the lift takes the rate out of (0, 1).</exception>
    public static ExperimentPlan Plan(ExperimentDesign design, double holdoutShare, double baselineRenewalRate, double baselineChurnShare)
    {
        ArgumentNullException.ThrowIfNull(design);
        Check(design);
        foreach (var (name, value) in new[] { ("holdoutShare", holdoutShare), ("baselineRenewalRate", baselineRenewalRate), ("baselineChurnShare", baselineChurnShare) })
        {
            if (!(value is > 0 and < 1))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} is strictly between 0 and 1; it is {value}."), name);
            }
        }

        var treated = baselineRenewalRate + design.RenewalRateLift;
        if (!(treated is > 0 and < 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A renewal rate of {baselineRenewalRate} lifted by {design.RenewalRateLift} is {treated}, not a rate."), nameof(baselineRenewalRate));
        }

        var z = Statistics.NormalQuantile(1 - ((1 - design.ConfidenceLevel) / 2));
        var zPower = Statistics.NormalQuantile(design.TargetPower);
        var q = 1 - holdoutShare;

        // The smallest total N whose arms (qN treated, (1 − q)N held out) reach the power: the power formula of the
        // analysis, as R's power.prop.test for equal arms.
        double PowerAt(double n) => RenewalPower(design.RenewalRateLift, baselineRenewalRate, q * n, (1 - q) * n, z);

        double low = 2, high = 4;
        while (PowerAt(high) < design.TargetPower)
        {
            high *= 2;
        }

        while (high - low > 1e-6)
        {
            var mid = (low + high) / 2;
            (low, high) = PowerAt(mid) < design.TargetPower ? (mid, high) : (low, mid);
        }

        var events = Math.Pow(z + zPower, 2) / (q * (1 - q) * Math.Pow(Math.Log(design.HazardRatio), 2));
        var treatedChurn = 1 - Math.Pow(1 - baselineChurnShare, design.HazardRatio);
        var churnShare = (q * treatedChurn) + ((1 - q) * baselineChurnShare);
        return new ExperimentPlan((int)Math.Ceiling(high), (int)Math.Ceiling(events), (int)Math.Ceiling(Math.Ceiling(events) / churnShare));
    }

    // R's prop.test(c(x1, x2), c(n1, n2)): the chi-square with Yates's correction, and the interval of p1 − p2 widened
    // by it (and kept within −1 and 1, as R keeps it).
    private static EffectEstimate? Renewals(ExperimentDesign design, List<ExperimentSubject> treatment, List<ExperimentSubject> control, double z, List<string> notes)
    {
        var (n1, x1) = (treatment.Count(s => s.Renewed.HasValue), treatment.Count(s => s.Renewed == true));
        var (n2, x2) = (control.Count(s => s.Renewed.HasValue), control.Count(s => s.Renewed == true));
        if (n1 == 0 || n2 == 0)
        {
            notes.Add($"No renewal rate: {n1} renewal(s) decided in '{design.TreatmentArm}' and {n2} in '{design.ControlArm}' within the follow-up.");
            return null;
        }

        double p1 = (double)x1 / n1, p2 = (double)x2 / n2, pooled = (double)(x1 + x2) / (n1 + n2);
        var delta = p1 - p2;
        var inverse = (1.0 / n1) + (1.0 / n2);
        var yates = Math.Min(0.5, Math.Abs(delta) / inverse);
        var width = (z * Math.Sqrt((p1 * (1 - p1) / n1) + (p2 * (1 - p2) / n2))) + (yates * inverse);
        double statistic = 0;
        foreach (var (x, n) in new[] { (x1, n1), (x2, n2) })
        {
            foreach (var (observed, expected) in new[] { (x, n * pooled), (n - x, n * (1 - pooled)) })
            {
                statistic += expected == 0 ? 0 : Math.Pow(Math.Abs(observed - expected) - yates, 2) / expected;
            }
        }

        var test = new ChiSquareTest(statistic, 1, Statistics.ChiSquareSurvival(statistic, 1));

        // The minimum detectable lift is where the power against a lift on the control arm's rate reaches the target
        // (bisection; NaN when no lift up to a 100 % rate reaches it).
        double PowerOf(double lift) => RenewalPower(lift, p2, n1, n2, z);

        var minimum = double.NaN;
        if (PowerOf((1 - p2) * (1 - 1e-9)) >= design.TargetPower)
        {
            double low = 0, high = (1 - p2) * (1 - 1e-9);
            for (var i = 0; i < 100 && high - low > 1e-12; i++)
            {
                var mid = (low + high) / 2;
                (low, high) = PowerOf(mid) >= design.TargetPower ? (low, mid) : (mid, high);
            }

            minimum = high;
        }

        return new EffectEstimate(RenewalRateMeasure, p1, p2, n1, n2, delta, Math.Max(delta - width, -1), Math.Min(delta + width, 1), test.PValue, minimum, design.RenewalRateLift, PowerOf(design.RenewalRateLift))
        {
            Test = test,
        };
    }

    // Churn within the follow-up: Cox on the treatment indicator with the strata, and the (stratified) log-rank test.
    private static EffectEstimate? Churn(ExperimentDesign design, List<ExperimentSubject> treatment, List<ExperimentSubject> control, double z, double zPower, List<string> notes)
    {
        var rows = treatment.Select(s => (Treated: 1.0, Subject: s)).Concat(control.Select(s => (Treated: 0.0, Subject: s))).ToArray();
        var observations = rows.Select(r => Observation(r.Subject, design.HorizonDays)).ToArray();
        var events = observations.Count(o => o.Churned);
        if (events == 0)
        {
            notes.Add($"No hazard ratio: no account churned within {design.HorizonDays} days.");
            return null;
        }

        var stratified = rows.Any(r => r.Subject.Stratum is not null);
        var strata = stratified ? rows.Select(r => r.Subject.Stratum ?? string.Empty).ToArray() : null;
        CoxModel model;
        try
        {
            model = CoxRegression.Fit(new CoxData(observations, [new CoxCovariate("treated", [.. rows.Select(r => r.Treated)])]) { Strata = strata }, new CoxOptions { ConfidenceLevel = design.ConfidenceLevel });
        }
        catch (CoxFitException e)
        {
            notes.Add($"No hazard ratio: {e.Message}");
            return null;
        }

        var logRank = stratified
            ? LogRankTest.CompareStratified(rows.Select((r, i) => (r.Treated, strata![i], observations[i]))).Test
            : LogRankTest.Compare(rows.Select((r, i) => (r.Treated, observations[i]))).Test;
        var c = model.Coefficients[0];

        // Schoenfeld's formula: log HR detectable with D events, a share q treated: (z + z_power) / √(D q (1 − q)).
        var q = (double)treatment.Count / rows.Length;
        var information = events * q * (1 - q);
        var churned1 = observations.Take(treatment.Count).Count(o => o.Churned);
        var churned2 = events - churned1;
        return new EffectEstimate(ChurnMeasure, (double)churned1 / treatment.Count, (double)churned2 / control.Count, treatment.Count, control.Count, c.HazardRatio, c.Lower, c.Upper, c.PValue, Math.Exp(-(z + zPower) / Math.Sqrt(information)), design.HazardRatio, Power(Math.Abs(Math.Log(design.HazardRatio)) * Math.Sqrt(information), z))
        {
            Test = logRank,
        };
    }

    // Welch's two-sample t on each account's change of score over the follow-up: R's t.test(x, y).
    private static EffectEstimate? Health(ExperimentDesign design, List<ExperimentSubject> treatment, List<ExperimentSubject> control, double z, double zPower, List<string> notes)
    {
        var a = treatment.Where(s => s.HealthAtStart.HasValue && s.HealthAtHorizon.HasValue).Select(s => s.HealthAtHorizon!.Value - s.HealthAtStart!.Value).ToArray();
        var b = control.Where(s => s.HealthAtStart.HasValue && s.HealthAtHorizon.HasValue).Select(s => s.HealthAtHorizon!.Value - s.HealthAtStart!.Value).ToArray();
        if (a.Length < 2 || b.Length < 2)
        {
            notes.Add($"No health change: {a.Length} account(s) scored at both ends in '{design.TreatmentArm}' and {b.Length} in '{design.ControlArm}'; each arm needs two.");
            return null;
        }

        double m1 = a.Average(), m2 = b.Average();
        double v1 = a.Sum(x => (x - m1) * (x - m1)) / (a.Length - 1), v2 = b.Sum(x => (x - m2) * (x - m2)) / (b.Length - 1);
        double s1 = v1 / a.Length, s2 = v2 / b.Length;
        var se = Math.Sqrt(s1 + s2);
        var df = (se * se * se * se) / ((s1 * s1 / (a.Length - 1)) + (s2 * s2 / (b.Length - 1)));
        var t = (m1 - m2) / se;
        var q = Statistics.StudentQuantile(1 - ((1 - design.ConfidenceLevel) / 2), df);
        return new EffectEstimate(HealthChangeMeasure, m1, m2, a.Length, b.Length, m1 - m2, m1 - m2 - (q * se), m1 - m2 + (q * se), Statistics.StudentTwoSided(t, df), (z + zPower) * se, design.HealthChange, Power(Math.Abs(design.HealthChange) / se, z));
    }

    // Each arm's net revenue retention Σ revenue at the horizon ÷ Σ revenue at the start (accounts paying at the start),
    // with the ratio estimator's linearized variance (Cochran 1977, §6.3); the difference's interval is normal.
    private static EffectEstimate? Revenue(ExperimentDesign design, List<ExperimentSubject> treatment, List<ExperimentSubject> control, double z, double zPower, List<string> notes)
    {
        static (double Ratio, double Variance, int Count) Ratio(List<ExperimentSubject> arm)
        {
            var paying = arm.Where(s => s.RevenueAtStart > 0 && s.RevenueAtHorizon.HasValue).Select(s => ((double)s.RevenueAtStart!.Value, (double)s.RevenueAtHorizon!.Value)).ToArray();
            if (paying.Length < 2)
            {
                return (double.NaN, double.NaN, paying.Length);
            }

            var ratio = paying.Sum(p => p.Item2) / paying.Sum(p => p.Item1);
            var mean = paying.Average(p => p.Item1);
            var residuals = paying.Sum(p => Math.Pow(p.Item2 - (ratio * p.Item1), 2));
            return (ratio, residuals / (paying.Length * (paying.Length - 1) * mean * mean), paying.Length);
        }

        var (r1, var1, n1) = Ratio(treatment);
        var (r2, var2, n2) = Ratio(control);
        if (n1 < 2 || n2 < 2)
        {
            notes.Add($"No net revenue retention: {n1} paying account(s) with revenue at the horizon in '{design.TreatmentArm}' and {n2} in '{design.ControlArm}'; each arm needs two.");
            return null;
        }

        var se = Math.Sqrt(var1 + var2);
        var delta = r1 - r2;
        var p = se > 0 ? 2 * Statistics.NormalCdf(-Math.Abs(delta / se)) : (delta == 0 ? 1 : 0);
        return new EffectEstimate(NetRevenueRetentionMeasure, r1, r2, n1, n2, delta, delta - (z * se), delta + (z * se), p, (z + zPower) * se, design.NetRevenueRetentionLift, Power(Math.Abs(design.NetRevenueRetentionLift) / se, z));
    }

    // The power against a lift on a renewal rate, with n₁ accounts at baseline + lift and n₂ at the baseline, as R's
    // power.prop.test (which it equals for equal arms): Φ((|Δ| − z √(p̄q̄ (1/n₁ + 1/n₂))) / √(p₁q₁/n₁ + p₂q₂/n₂)), p̄ the
    // arms' rates weighted by their sizes; NaN when the lifted rate is not a rate.
    private static double RenewalPower(double lift, double baseline, double n1, double n2, double z)
    {
        var alternative = baseline + lift;
        var mean = ((n1 * alternative) + (n2 * baseline)) / (n1 + n2);
        return alternative is > 0 and < 1
            ? Statistics.NormalCdf((Math.Abs(lift) - (z * Math.Sqrt(mean * (1 - mean) * ((1 / n1) + (1 / n2))))) / Math.Sqrt((alternative * (1 - alternative) / n1) + (baseline * (1 - baseline) / n2)))
            : double.NaN;
    }

    // The chance a two-sided test at level α rejects when the effect is `standardized` standard errors from zero
    // (the far tail's share neglected, as R's power.prop.test does by default).
    private static double Power(double standardized, double z) => double.IsFinite(standardized) ? Statistics.NormalCdf(standardized - z) : double.NaN;

    private static SurvivalObservation Observation(ExperimentSubject s, int horizon)
    {
        if (s.ChurnedOn is { } churned && Period.DaysBetween(s.Started, churned) <= horizon)
        {
            return new SurvivalObservation(Math.Max(0, Period.DaysBetween(s.Started, churned)), true);
        }

        return new SurvivalObservation(horizon, false);
    }

    private static void Validate(ExperimentSubject s, int index)
    {
        if (s.Arm is null)
        {
            throw new ArgumentException($"subjects[{index}] (account '{s.Account}') has no arm.", "subjects");
        }

        if (s.ChurnedOn < s.Started)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Account '{s.Account}' churned on {s.ChurnedOn:uuuu-MM-dd}, before its start {s.Started:uuuu-MM-dd}; an account that had churned cannot enter."), "subjects");
        }

        foreach (var (name, value) in new[] { ("HealthAtStart", s.HealthAtStart), ("HealthAtHorizon", s.HealthAtHorizon) })
        {
            if (value is { } v && !(v is >= 0 and <= 100))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Account '{s.Account}' has {name} {v}; a health score is 0–100 (leave it null when unknown)."), "subjects");
            }
        }

        foreach (var (name, value) in new[] { ("RevenueAtStart", s.RevenueAtStart), ("RevenueAtHorizon", s.RevenueAtHorizon) })
        {
            if (value < 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Account '{s.Account}' has {name} {value}; revenue is zero or more."), "subjects");
            }
        }
    }

    private static void Check(ExperimentDesign design)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(design.Name, nameof(design));
        void Fail(string rule, object? value) => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Experiment '{design.Name}': {rule}; it is {value}."), nameof(design));
        if (design.HorizonDays < 1)
        {
            Fail("HorizonDays is 1 or more", design.HorizonDays);
        }

        if (string.IsNullOrWhiteSpace(design.TreatmentArm) || string.IsNullOrWhiteSpace(design.ControlArm) || design.TreatmentArm == design.ControlArm)
        {
            Fail("TreatmentArm and ControlArm are two different names", $"'{design.TreatmentArm}' and '{design.ControlArm}'");
        }

        if (!(design.ConfidenceLevel is > 0 and < 1))
        {
            Fail("ConfidenceLevel is strictly between 0 and 1", design.ConfidenceLevel);
        }

        if (!(design.TargetPower is > 0 and < 1))
        {
            Fail("TargetPower is strictly between 0 and 1", design.TargetPower);
        }

        if (!(design.HazardRatio > 0) || design.HazardRatio == 1 || !double.IsFinite(design.HazardRatio))
        {
            Fail("HazardRatio is above 0, finite and not 1", design.HazardRatio);
        }

        foreach (var (name, value) in new[] { ("RenewalRateLift", design.RenewalRateLift), ("HealthChange", design.HealthChange), ("NetRevenueRetentionLift", design.NetRevenueRetentionLift) })
        {
            if (!double.IsFinite(value) || value == 0)
            {
                Fail($"{name} is finite and not 0", value);
            }
        }
    }
}
