using System.Globalization;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.Playbooks;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// "Did it work?" for the playbook the sample runs as an experiment (churn-save, a fifth of its accounts held out, by
/// tier): today's runs by arm, and the analysis on the portfolio's history. The history had no playbook, so the
/// analysis is an A/A check: the accounts customers 270 days ago, put in the arms the experiment's hash gives them and
/// followed for 180 days, where every interval should include no effect. It shows how a result reads, and what the
/// portfolio's size can detect.
/// </summary>
internal sealed record SampleExperiment(string Playbook, PlaybookExperiment Experiment, int HeldOutToday, int TreatedToday, ExperimentResult? History, string? Problem)
{
    /// <summary>The follow-up of the A/A check, in days.</summary>
    public const int HorizonDays = 180;

    /// <summary>Today's arms and the A/A check.</summary>
    /// <param name="rows">The portfolio.</param>
    /// <param name="playbook">The playbook with the experiment.</param>
    /// <param name="runs">Its runs triggered today (a rerun of the day finds them in the store).</param>
    /// <param name="today">Today.</param>
    /// <returns>The experiment's figures.</returns>
    public static SampleExperiment Compute(IReadOnlyList<PortfolioRow> rows, Playbook playbook, IReadOnlyList<PlaybookRun> runs, LocalDate today)
    {
        var experiment = playbook.Experiment ?? throw new ArgumentException($"Playbook '{playbook.Id}' runs no experiment.", nameof(playbook));
        var start = today.PlusDays(-(HorizonDays + 90));
        var end = start.PlusDays(HorizonDays);
        var subjects = new List<ExperimentSubject>();
        foreach (var row in rows)
        {
            // A customer on the start day: it started before and had not churned.
            if (row.Account.CustomerSince is not { } since || since > start || row.ChurnedOn <= start)
            {
                continue;
            }

            // Its renewal decision within the follow-up, as the back-test reads them: a contract begun after the
            // customer's start (renewed), or the churn (not).
            bool? renewed = null;
            if (row.ChurnedOn is { } churned && churned <= end)
            {
                renewed = false;
            }
            else if (row.Account.Contract is { } contract && contract.Start > since && contract.Start > start && contract.Start <= end)
            {
                renewed = true;
            }

            var arr = row.Account.Contract?.AnnualRecurringRevenue.Amount;
            subjects.Add(new ExperimentSubject(row.Account.Id, experiment.ArmFor(playbook.Id, row.Account.Id), start)
            {
                Stratum = experiment.Strata == ExperimentStrata.Tier ? row.Account.Tier ?? "(no tier)" : null,
                Renewed = renewed,
                ChurnedOn = row.ChurnedOn,
                RevenueAtStart = arr,
                RevenueAtHorizon = arr is null ? null : row.ChurnedOn <= end ? 0m : arr,
            });
        }

        var design = new ExperimentDesign { Name = $"{playbook.Id} (A/A on the history)", EnrolmentEnds = start, HorizonDays = HorizonDays, TreatmentArm = PlaybookExperiment.Treated, ControlArm = PlaybookExperiment.HeldOut };
        var (heldOut, treated) = (runs.Count(r => r.Arm == PlaybookExperiment.HeldOut), runs.Count(r => r.Arm == PlaybookExperiment.Treated));
        try
        {
            return new SampleExperiment(playbook.Id, experiment, heldOut, treated, ExperimentAnalysis.Analyze(design, subjects, today), null);
        }
        catch (ArgumentException e)
        {
            return new SampleExperiment(playbook.Id, experiment, heldOut, treated, null, e.Message);
        }
    }

    /// <summary>The estimates the report and the dashboard show, in order.</summary>
    public IEnumerable<EffectEstimate> Estimates() =>
        History is null ? [] : new[] { History.RenewalRate, History.TimeToChurn, History.NetRevenueRetention }.OfType<EffectEstimate>();

    /// <summary>One estimate's line: "renewal rate  0.812 vs 0.800: +0.012 (−0.050 to +0.074), p 0.71; detectable 0.085".</summary>
    public static string Line(EffectEstimate e) => e.Measure == ExperimentAnalysis.ChurnMeasure
        ? string.Create(CultureInfo.InvariantCulture, $"{e.Measure,-24}churned {e.Treatment:P1} vs {e.Control:P1}: hazard ratio {e.Effect:0.00} ({e.Lower:0.00} to {e.Upper:0.00}), p {e.PValue:0.00}; detectable {e.MinimumDetectableEffect:0.00}")
        : string.Create(CultureInfo.InvariantCulture, $"{e.Measure,-24}{e.Treatment:0.000} vs {e.Control:0.000}: {e.Effect:+0.000;-0.000} ({e.Lower:+0.000;-0.000} to {e.Upper:+0.000;-0.000}), p {e.PValue:0.00}; detectable {e.MinimumDetectableEffect:0.000}");

    /// <summary>The report's lines, under the playbooks.</summary>
    public void Write(TextWriter w)
    {
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   Experiment: {Playbook} holds out {Experiment.HoldoutShare:P0} of its accounts (salt '{Experiment.Salt}', by {Experiment.Strata}); of today's runs {HeldOutToday:N0} held out (no tasks), {TreatedToday:N0} treated."));
        if (History is not { } result)
        {
            w.WriteLine($"   Did it work? Not analyzed: {Problem}");
            return;
        }

        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   Did it work? An A/A check on the history (no playbook ran, so every interval should include no effect): the {result.TreatmentSubjects + result.ControlSubjects:N0} customers of {result.Design.EnrolmentEnds:uuuu-MM-dd} in the arms the hash gives them, {result.TreatmentSubjects:N0} treated and {result.ControlSubjects:N0} held out, followed {HorizonDays} days:"));
        foreach (var e in Estimates())
        {
            w.WriteLine($"   {Line(e)}{(e.Significant ? "  (interval excludes no effect)" : string.Empty)}");
        }
    }
}
