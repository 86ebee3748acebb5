using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Hosting;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Storage.Sqlite;
using CustomerLifecycle.Usage;
using CustomerLifecycle.Usage.DuckDb;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// The whole lifecycle on a portfolio, as the daily pipeline of <c>CustomerLifecycle.Hosting</c> runs it (usage → stages
/// → health → segments → playbooks → forecast, each step's results in the SQLite stores), printed for a CSM lead.
/// </summary>
internal sealed class SampleRun(IServiceProvider services, SampleInputs inputs, SampleDatabase database, TextWriter output)
{
    /// <summary>
    /// Runs the date: a first run, or again (a rerun: every step again; the stores replace the day's records, and the
    /// playbook engine creates no run twice). Returns null, having said so, when another process holds the date now.
    /// </summary>
    /// <exception cref="PipelineStepFailedException">A step failed (a refused mass cancellation among them); the run is recorded as failed.</exception>
    public async Task<SampleResult?> RunAsync(int trials, ulong seed, bool allowMassCancellation = false)
    {
        var clock = services.GetRequiredService<BusinessClock>();
        var health = services.GetRequiredService<IHealthHistoryStore>();
        var pipeline = services.GetRequiredService<LifecyclePipeline>();
        var today = clock.Today;
        var rows = inputs.Rows;
        var w = output;
        var watch = Stopwatch.StartNew();

        // What earlier runs stored, for the report's comparisons: the latest health record of each account before today
        // (the previous day), and the accounts per color of the last run (today's own when this is a rerun). At a
        // million accounts each read is a million records: today's are read only when today ran before, and only counted.
        var ran = (await pipeline.RecentRunsAsync(31).ConfigureAwait(false)).FirstOrDefault(r => r.Date == today);
        var previous = await health.LatestAsync(today.PlusDays(-1)).ConfigureAwait(false);
        LocalDate? previousDay = previous.Count == 0 ? null : previous.Values.Max(r => r.Date);
        var (lastRun, lastColors) = ColorsOfTheLastRun(ran is { } earlier && earlier.Completed(PipelineSteps.Health) ? await health.LatestAsync(today).ConfigureAwait(false) : previous);

        (long Accepted, long Refused, string Note)? usage = inputs.SimulatesUsage ? await PrepareUsageAsync(rows, seed, today).ConfigureAwait(false) : null;
        var prepared = watch.Elapsed;
        var result = await pipeline.RunAsync(new PipelineRunRequest { Date = today, Rerun = true, AllowMassCancellation = allowMassCancellation }).ConfigureAwait(false);
        if (result.Outcome != PipelineRunOutcome.Succeeded)
        {
            w.WriteLine(result.Outcome == PipelineRunOutcome.HeldElsewhere
                ? $"Another process is running {today:uuuu-MM-dd} on this database now; nothing was run here (its lease ends {result.Run!.LeaseUntil}; run again once it is done)."
                : $"Another process took {today:uuuu-MM-dd} over (this one's lease expired); it stopped without finishing.");
            return null;
        }

        // The report, once the day ran (a refused run writes nothing on the output stream).
        w.WriteLine($"CustomerLifecycle sample: {rows.Count:N0} accounts as of {today:uuuu-MM-dd}");
        w.WriteLine();
        w.WriteLine($"Database {database.Path}: {(lastRun is { } lr ? $"last run as of {lr:uuuu-MM-dd}" : "first run")}{(ran is { Status: PipelineRunStatus.Succeeded } ? $"; {today:uuuu-MM-dd} ran before, so it runs again (a rerun: no playbook run is created twice)" : string.Empty)}");
        w.WriteLine();
        var day = result.Day!;
        var steps = result.Run!.Steps.ToDictionary(s => s.Step, StringComparer.Ordinal);
        var scorer = services.GetRequiredService<HealthScorer>();
        var active = day.Active;
        var scores = day.Scores;
        var reporting = Stopwatch.StartNew();

        // 0. Usage: the signals computed from the product-usage events replaced the file's usage columns.
        if (inputs.EventsFile is { } eventsFile)
        {
            var counts = steps[PipelineSteps.Usage].Counts;
            w.WriteLine($"0. Usage         signals computed by DuckDB from {eventsFile}: {counts["accounts_with_usage"]:N0} accounts, {counts["milestones"]:N0} milestones");
            w.WriteLine($"                 signals {string.Join(", ", services.GetRequiredService<IUsageSignalSource>() is DuckDbUsageSignalSource duck ? duck.Signals : [])}");
        }
        else if (usage is null)
        {
            w.WriteLine($"0. Usage         the file's usage columns (events are simulated for portfolios up to {SampleInputs.UsageEventLimit:N0} accounts)");
        }
        else
        {
            var counts = steps[PipelineSteps.Usage].Counts;
            var state = await services.GetRequiredService<IStateStore>().ReadAsync(LifecyclePipeline.UsageStateKey).ConfigureAwait(false);
            w.WriteLine($"0. Usage         {usage.Value.Accepted + counts["events_accepted"]:N0} events applied, {counts["events_duplicate"]:N0} duplicates ignored, {usage.Value.Refused + counts["events_refused"]:N0} refused ({usage.Value.Note})");
            w.WriteLine($"                 signals {string.Join(", ", services.GetRequiredService<UsageAggregator>().Signals)}; state {state?.State.Length / 1e6:0.0} MB saved with the day");
            foreach (var group in day.Milestones.GroupBy(m => m.Type.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var detail = string.Join(", ", group.GroupBy(m => m.Note!.Split(' ')[0]).OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} {g.Count():N0}"));
                w.WriteLine($"                 {group.Key,-18}{group.Count(),7:N0}   {detail}");
            }
        }

        w.WriteLine();

        // 1. Stages: each account from the stage its stored history reached, then automatic forward moves.
        w.WriteLine($"1. Stages        {day.StageMoves.Count:N0} accounts moved forward (histories kept in the stage store); {active.Count:N0} active, {day.Churned.Count:N0} churned");
        foreach (var stage in active.GroupBy(a => a.Stage.Value).OrderByDescending(g => g.Count()))
        {
            w.WriteLine($"                 {stage.Key,-18}{stage.Count(),7:N0}");
        }

        // 2. Health, with the sample's own api_adoption factor among the scorecard's factors.
        w.WriteLine();
        w.WriteLine($"2. Health        accounts per color (active accounts){(lastRun is null ? string.Empty : ", change since the last run")}");
        foreach (var color in new HealthColor?[] { HealthColor.Green, HealthColor.Yellow, HealthColor.Red, null })
        {
            var count = scores.Count(s => s.Color == color);
            var change = lastRun is null ? string.Empty : $"  ({count - lastColors.GetValueOrDefault(color?.ToString() ?? string.Empty):+0;-0;0})";
            var withheld = color is null ? scores.Count(s => s.IsColorWithheld) : 0;
            w.WriteLine($"                 {color?.ToString() ?? "No color",-18}{count,7:N0}{change}{(withheld > 0 ? $"   ({withheld:N0} with too little of their scorecard measured: under half its weight, ColorBands.MinimumConfidence)" : string.Empty)}");
        }

        if (previousDay is { } since)
        {
            var changes = active.Select((a, i) => scores[i].Value - (previous.TryGetValue(a.Id, out var before) ? before.Score : null)).OfType<double>().ToArray();
            if (changes.Length > 0)
            {
                w.WriteLine($"                 trend since {since:uuuu-MM-dd}: mean {changes.Average():+0.0;-0.0;0.0} points; {changes.Count(c => c >= 10):N0} accounts up 10 or more, {changes.Count(c => c <= -10):N0} down 10 or more");
            }
        }

        // At risk: the colored accounts, lowest score first. An account with too little measured has a score but no
        // color; it is listed apart, not as a risk.
        w.WriteLine();
        w.WriteLine("   The ten most at-risk accounts (colored, lowest score first), and what pulls them down:");
        foreach (var i in Enumerable.Range(0, active.Count).Where(i => scores[i].Color is not null).OrderBy(i => scores[i].Value).Take(10))
        {
            // Explained as the pipeline scored it: against the previous day's record (hysteresis).
            var why = scorer.Explain(active[i], previous.TryGetValue(active[i].Id, out var record) ? record.ToPrevious() : null).Factors
                .Where(f => f.Points is < 50)
                .OrderByDescending(f => f.Weight * (100 - f.Points!.Value))
                .Take(3)
                .Select(f => $"{f.Factor} {f.Points:0} pts");
            w.WriteLine($"   {active[i].Name,-28} {scores[i].Value,5:0.0} {scores[i].Color,-6} {string.Join(", ", why)}");
        }

        var unmeasured = Enumerable.Range(0, active.Count).Where(i => scores[i].Color is null).ToArray();
        if (unmeasured.Length > 0)
        {
            var stages = unmeasured.GroupBy(i => active[i].Stage).OrderByDescending(g => g.Count()).Select(g => $"{g.Count():N0} {(g.Key.IsEmpty ? "without a stage" : g.Key.Value)}");
            w.WriteLine($"   Not colored: {Count(unmeasured.Length, "account")} with too little of their scorecard measured ({string.Join(", ", stages)}); measure them before reading a risk");
        }

        // 3. Segments, and who entered or left them since the stored snapshot.
        var evaluation = day.Segments!;
        w.WriteLine();
        w.WriteLine($"3. Segments      accounts and ARR{(day.SegmentChanges.Count > 0 ? $"; since the last snapshot {day.SegmentChanges.Count(c => c.Kind == SegmentChangeKind.Entered):N0} entries, {day.SegmentChanges.Count(c => c.Kind == SegmentChangeKind.Exited):N0} exits" : string.Empty)}");
        foreach (var row in evaluation.Summarize().BySegment.Where(r => r.Accounts > 0))
        {
            w.WriteLine($"                 {row.Key,-18}{row.Accounts,7:N0}   {string.Join("  ", row.Arr.Select(Format))}");
        }

        // Segments whose rules pick the same accounts here look like a mistake unless the report says so.
        foreach (var twins in evaluation.Catalog.Segments.Where(g => evaluation.CountOf(g.Name) > 0)
            .GroupBy(g => string.Join(",", evaluation.MembersOf(g.Name).Select(a => a.Value).Order(StringComparer.Ordinal)), StringComparer.Ordinal)
            .Where(g => g.Count() > 1))
        {
            w.WriteLine($"                 ({string.Join(" and ", twins.Select(g => g.Name))} hold the same {Count(evaluation.CountOf(twins.First().Name), "account")}: their rules differ, but agree on this portfolio)");
        }

        // 4. Renewal forecast for the next calendar quarter, with its simulated range.
        var forecast = day.Forecast!;
        var quarter = forecast.Period;
        var range = RenewalSimulation.Run(forecast, trials, seed);
        w.WriteLine();
        w.WriteLine($"4. Forecast      renewals due {quarter.Start:uuuu-MM-dd} to {quarter.End:uuuu-MM-dd} ({trials:N0} simulated quarters)");
        w.WriteLine($"                 {"currency",-9}{"renewals",9}{"contracted",16}{"expected",16}{"churn",14}{"P10",16}{"P50",16}{"P90",16}");
        foreach (var total in forecast.Total)
        {
            var r = range.Revenue.Single(x => x.Currency == total.Currency);
            w.WriteLine($"                 {total.Currency.Code,-9}{total.Renewals,9:N0}{Amount(total.Contracted),16}{Amount(total.ExpectedRevenue),16}{Amount(total.ExpectedChurn),14}{Amount(r.P10),16}{Amount(r.P50),16}{Amount(r.P90),16}");
        }

        w.WriteLine($"                 churned logos: P10 {range.ChurnedLogos.P10:0}, P50 {range.ChurnedLogos.P50:0}, P90 {range.ChurnedLogos.P90:0} (expected {range.ChurnedLogos.Expected:0.0})");
        if (forecast.Refused.Count > 0)
        {
            w.WriteLine($"                 {forecast.Refused.Count:N0} renewals could not be forecast and count in no total; the first: {forecast.Refused[0].Reason}");
        }

        // Retention curves by touch-model segment, from the churned history (churned accounts keep their last contract).
        w.WriteLine();
        w.WriteLine("   Retention after 12 months (Kaplan–Meier, by touch model):");
        var catalog = evaluation.Catalog;
        var touch = new[] { DefaultSegments.HighTouch, DefaultSegments.LowTouch, DefaultSegments.TechTouch };
        var byTouchModel = rows.Where(r => r.Account.CustomerSince is not null).Select(r =>
        {
            var touchModel = touch.FirstOrDefault(t => catalog.Matches(t, new SegmentSubject(r.Account), today)) ?? "(no contract)";
            return (touchModel, SurvivalObservation.FromDates(r.Account.CustomerSince!.Value, r.ChurnedOn, today));
        }).ToArray();
        var curves = KaplanMeier.FitByGroup(byTouchModel);
        foreach (var (segment, curve) in curves.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteLine($"   {segment,-14}{curve.SurvivalAt(365),7:P1}   ({Count(curve.Subjects, "account")}, {curve.Events:N0} churned)");
        }

        var statistics = SampleStatistics.Compute(rows, scorer, byTouchModel, today);
        statistics.WriteLogRank(w);

        // 5. Playbooks: each trigger's runs created once (the engine keeps each trigger's state in the store), so a rerun
        // of the day finds every run already created. Churned accounts' open runs are cancelled; an account missing from
        // the file keeps its runs (a partial export must not wipe out open work).
        var playbooks = day.Playbooks!;
        var due = await TasksDueAsync((SqlitePlaybookRunStore)services.GetRequiredService<IPlaybookRunStore>(), today.PlusDays(7), earliest: 200).ConfigureAwait(false);
        w.WriteLine();
        w.WriteLine($"5. Playbooks     {Count(playbooks.Created.Count, "run")} started now ({Count(playbooks.Created.Sum(r => r.Tasks.Count), "task")}), {playbooks.Cancelled.Count:N0} cancelled; {Count(due.Total, "open task")} due within a week, by owner:");
        foreach (var (owner, count, top) in due.ByOwner)
        {
            w.WriteLine($"   {owner,-26}{count,5:N0} {(count == 1 ? "task " : "tasks")}   first: {top.Due:MM-dd} {top.Title} ({top.Account})");
        }

        // The playbook run as an experiment (appsettings.json: churn-save holds out a fifth, by tier): today's arms, and
        // "did it work?" read on the history as an A/A check.
        var experimentPlaybook = services.GetRequiredService<PlaybookEngine>().Playbooks.FirstOrDefault(p => p.Experiment is not null);
        var experiment = experimentPlaybook is null ? null : SampleExperiment.Compute(rows, experimentPlaybook, await services.GetRequiredService<IPlaybookRunStore>().RunsAsync(experimentPlaybook.Id, today, today).ConfigureAwait(false), today);
        experiment?.Write(w);

        // 6. What drives churn, and where revenue came from and went.
        w.WriteLine();
        statistics.Write(w);

        // The pipeline's steps as its ledger recorded them, and the sample's own work around them.
        using var process = Process.GetCurrentProcess();
        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Timings         preparing {prepared.TotalSeconds:0.0} s, {string.Join(", ", result.Run.Steps.Select(s => $"{s.Step} {s.Took.TotalSeconds:0.0} s"))}, report {reporting.Elapsed.TotalSeconds:0.0} s; {watch.Elapsed.TotalSeconds:0.0} s in all; peak working set {process.PeakWorkingSet64 / 1e6:N0} MB"));
        return new SampleResult(today, scores, forecast, range, curves, due, await ScoreTrendAsync(pipeline, health).ConfigureAwait(false), statistics, experiment);
    }

    /// <summary>
    /// Prepares the usage step: from the state the last run saved (days since then sent again as events, the last
    /// run's day included, whose events are then ignored as duplicates), or, on a first run (or when the saved state is
    /// later than today or more than 30 days old), 89 days of history loaded in columns and saved as of yesterday, so
    /// the step sends only today's events.
    /// </summary>
    private async Task<(long Accepted, long Refused, string Note)> PrepareUsageAsync(IReadOnlyList<PortfolioRow> rows, ulong seed, LocalDate today)
    {
        var states = services.GetRequiredService<IStateStore>();
        var simulation = new UsageSimulation([.. rows.Select(r => r.Account)], seed, services.GetRequiredService<BusinessClock>());
        var saved = await states.ReadAsync(LifecyclePipeline.UsageStateKey).ConfigureAwait(false);
        if (saved is { } state && state.AsOf <= today && state.AsOf >= today.PlusDays(-30))
        {
            inputs.Events.Prepare(simulation, state.AsOf);
            return (0, 0, $"state as of {state.AsOf:uuuu-MM-dd} loaded; days {state.AsOf:uuuu-MM-dd} to {today:uuuu-MM-dd} sent as events");
        }

        var usage = services.GetRequiredService<UsageAggregator>();
        var refused = new List<RefusedUsageEvent>();
        long accepted = 0;
        for (var day = today.PlusDays(-(UsageSimulation.HistoryDays - 1)); day < today; day = day.PlusDays(1))
        {
            simulation.IngestColumns(usage, day, refused, ref accepted);
        }

        using (var buffer = new MemoryStream())
        {
            usage.SaveState(buffer);
            await states.WriteAsync(LifecyclePipeline.UsageStateKey, today.PlusDays(-1), buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
        }

        inputs.Events.Prepare(simulation, today);
        return (accepted, refused.Count, saved is { } old
            ? $"the saved state (as of {old.AsOf:uuuu-MM-dd}) is {(old.AsOf > today ? "later than today" : "more than 30 days old")}: started afresh with 89 days of history"
            : "first run: 89 days of history loaded in columns, today as events");
    }

    /// <summary>The date of the latest records (the last run's), and how many of its records had each color ("" for unscored).</summary>
    private static (LocalDate? Date, Dictionary<string, int> Colors) ColorsOfTheLastRun(IReadOnlyDictionary<AccountId, HealthRecord> latest)
    {
        if (latest.Count == 0)
        {
            return (null, []);
        }

        var date = latest.Values.Max(r => r.Date);
        return (date, latest.Values.Where(r => r.Date == date).CountBy(r => r.Color?.ToString() ?? string.Empty).ToDictionary(StringComparer.Ordinal));
    }

    /// <summary>The mean health score of each of the last 30 days the pipeline ran, from the stored health records.</summary>
    private static async Task<List<(LocalDate Date, double MeanScore)>> ScoreTrendAsync(LifecyclePipeline pipeline, IHealthHistoryStore health)
    {
        var trend = new List<(LocalDate, double)>();
        foreach (var run in (await pipeline.RecentRunsAsync(30).ConfigureAwait(false)).Where(r => r.Status == PipelineRunStatus.Succeeded).OrderBy(r => r.Date))
        {
            var scores = (await health.LatestAsync(run.Date).ConfigureAwait(false)).Values.Where(r => r.Date == run.Date).Select(r => r.Score).OfType<double>().ToArray();
            if (scores.Length > 0)
            {
                trend.Add((run.Date, scores.Average()));
            }
        }

        return trend;
    }

    private static string Format(Money money) => $"{money.Amount.ToString("N0", CultureInfo.InvariantCulture)} {money.Currency.Code}";

    private static string Amount(Money money) => money.Amount.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A count and its noun, plural unless it is one: "1 account", "2 accounts".</summary>
    internal static string Count(long count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count:N0} {noun}{(count == 1 ? string.Empty : "s")}");

    /// <summary>The open tasks due by a date: how many, the ten owners with most (each with their most urgent), and the earliest.</summary>
    private static async Task<TasksDue> TasksDueAsync(SqlitePlaybookRunStore store, LocalDate by, int earliest)
    {
        var counts = await store.OpenTaskCountsDueAsync(by).ConfigureAwait(false);
        var byOwner = new List<(string, int, PlaybookTask)>();
        foreach (var (owner, count) in counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(10))
        {
            byOwner.Add((owner, count, (await store.OpenTasksDueAsync(by, 1, owner).ConfigureAwait(false))[0]));
        }

        return new TasksDue(counts.Values.Sum(), byOwner, await store.OpenTasksDueAsync(by, earliest).ConfigureAwait(false));
    }
}

internal sealed record SampleResult(LocalDate Today, IReadOnlyList<HealthScore> Scores, RenewalForecast Forecast, RenewalSimulationResult Range, IReadOnlyDictionary<string, KaplanMeierCurve> Retention, TasksDue TasksDueSoon, IReadOnlyList<(LocalDate Date, double MeanScore)> ScoreTrend, SampleStatistics Statistics, SampleExperiment? Experiment);
