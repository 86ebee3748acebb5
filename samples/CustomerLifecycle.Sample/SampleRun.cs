using System.Globalization;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Events;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Storage.Sqlite;
using CustomerLifecycle.Usage;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>The whole lifecycle on a portfolio: stages → health → segments → forecast → playbook tasks, printed for a CSM lead.</summary>
internal sealed class SampleRun(
    LifecycleStageMachine machine,
    HealthScorer scorer,
    Segmenter segmenter,
    RenewalForecaster forecaster,
    PlaybookEngine playbooks,
    UsageAggregator usage,
    SqlitePlaybookRunStore runStore,
    BusinessClock clock,
    SampleDatabase database,
    TextWriter output,
    TextWriter status)
{
    /// <summary>
    /// Runs the day. Everything is computed before anything is written: the playbook runs go to their store (each run
    /// created once, so a rerun after a crash completes them), then the stage moves and the snapshot in one transaction.
    /// </summary>
    public async Task<SampleResult> RunAsync(IReadOnlyList<PortfolioRow> rows, int trials, ulong seed, bool allowMassCancellation = false)
    {
        var today = clock.Today;
        var w = output;
        var timings = new StepTimings();
        w.WriteLine($"CustomerLifecycle sample: {rows.Count:N0} accounts as of {today:uuuu-MM-dd}");
        w.WriteLine();

        var lastRun = database.LatestSnapshot(today, strictly: false);
        var last = lastRun is { } l ? database.ReadSnapshot(l) : [];
        var previousDay = database.LatestSnapshot(today, strictly: true);
        var previous = previousDay is { } p ? (p == lastRun ? last : database.ReadSnapshot(p)) : [];
        w.WriteLine(lastRun is { } lr ? $"Database {database.Path}: last run as of {lr:uuuu-MM-dd}" : $"Database {database.Path}: first run");
        w.WriteLine();

        // 0. Usage: the usage signals computed from the product-usage events, replacing the file's usage columns.
        (rows, var milestones, var usageState) = Usage(rows, seed, timings);

        // 1. Stages: start from the stage the last run stored, then automatic forward moves where the entry criteria hold.
        var moves = new List<(AccountId, string?, string)>();
        var accounts = new List<(Account Account, LocalDate? ChurnedOn)>(rows.Count);
        foreach (var row in rows)
        {
            var account = row.Account;
            if (!account.Stage.IsEmpty && account.Stage != DefaultLifecycleStages.Churned)
            {
                if (last.TryGetValue(account.Id, out var stored) && stored.Stage is { } storedStage && StageId.IsValid(storedStage) && machine.Model.Contains(new StageId(storedStage)))
                {
                    account = account with { Stage = new StageId(storedStage) };
                }

                var history = machine.Evaluate(machine.Start(account.Id, account.Stage), account);
                if (history.CurrentStage != account.Stage)
                {
                    moves.Add((account.Id, account.Stage.Value, history.CurrentStage.Value));
                    account = account with { Stage = history.CurrentStage };
                }
            }

            accounts.Add((account, row.ChurnedOn));
        }

        var moved = moves.Count;
        var active = accounts.Where(a => a.ChurnedOn is null).Select(a => a.Account).ToArray();
        w.WriteLine($"1. Stages        {moved:N0} accounts moved forward ({database.CountStageTransitions():N0} moves recorded in earlier runs); {active.Length:N0} active, {accounts.Count - active.Length:N0} churned");
        foreach (var stage in active.GroupBy(a => a.Stage.Value).OrderByDescending(g => g.Count()))
        {
            w.WriteLine($"                 {stage.Key,-18}{stage.Count(),7:N0}");
        }

        timings.Lap("stages");

        // 2. Health, with the sample's own api_adoption factor among the scorecard's factors.
        var scores = new HealthScore[active.Length];
        scorer.ScoreBatch(active, scores);
        w.WriteLine();
        w.WriteLine($"2. Health        accounts per color (active accounts){(lastRun is null ? string.Empty : ", change since the last run")}");
        foreach (var color in new HealthColor?[] { HealthColor.Green, HealthColor.Yellow, HealthColor.Red, null })
        {
            var count = scores.Count(s => s.Color == color);
            var change = lastRun is null ? string.Empty : $"  ({count - last.Values.Count(a => a.Stage != DefaultLifecycleStages.Churned.Value && a.Color == color?.ToString()):+0;-0;0})";
            w.WriteLine($"                 {color?.ToString() ?? "Unscored",-18}{count,7:N0}{change}");
        }

        if (previousDay is { } since)
        {
            var changes = active.Select((a, i) => scores[i].Value - (previous.TryGetValue(a.Id, out var before) ? before.Score : null)).OfType<double>().ToArray();
            if (changes.Length > 0)
            {
                w.WriteLine($"                 trend since {since:uuuu-MM-dd}: mean {changes.Average():+0.0;-0.0;0.0} points; {changes.Count(c => c >= 10):N0} accounts up 10 or more, {changes.Count(c => c <= -10):N0} down 10 or more");
            }
        }

        w.WriteLine();
        w.WriteLine("   The ten most at-risk accounts, and what pulls them down:");
        var atRisk = Enumerable.Range(0, active.Length).Where(i => scores[i].Value is not null).OrderBy(i => scores[i].Value).Take(10).ToArray();
        foreach (var i in atRisk)
        {
            var why = scorer.Explain(active[i]).Factors
                .Where(f => f.Points is < 50)
                .OrderByDescending(f => f.Weight * (100 - f.Points!.Value))
                .Take(3)
                .Select(f => $"{f.Factor} {f.Points:0} pts");
            w.WriteLine($"   {active[i].Name,-28} {scores[i].Value,5:0.0} {scores[i].Color,-6} {string.Join(", ", why)}");
        }

        timings.Lap("health");

        // 3. Segments.
        var subjects = active.Select((a, i) => new SegmentSubject(a, scores[i])).ToArray();
        var evaluation = segmenter.Evaluate(subjects);
        var summary = evaluation.Summarize();
        w.WriteLine();
        w.WriteLine("3. Segments      accounts and ARR");
        foreach (var row in summary.BySegment.Where(r => r.Accounts > 0))
        {
            w.WriteLine($"                 {row.Key,-18}{row.Accounts,7:N0}   {string.Join("  ", row.Arr.Select(Format))}");
        }

        timings.Lap("segments");

        // 4. Renewal forecast for the next calendar quarter, with its simulated range.
        var quarterStart = new LocalDate(today.Year, ((today.Month - 1) / 3 * 3) + 1, 1).PlusMonths(3);
        var quarter = new DateInterval(quarterStart, quarterStart.PlusMonths(3).PlusDays(-1));
        var index = active.Select((a, i) => (a.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var touch = new[] { DefaultSegments.HighTouch, DefaultSegments.LowTouch, DefaultSegments.TechTouch };
        var renewals = RenewalForecaster.DueIn(active, quarter).Select(a =>
        {
            var i = index[a.Id];
            return new RenewalCase(a, scores[i], segment: touch.FirstOrDefault(t => evaluation.IsMember(i, evaluation.Catalog.IndexOf(t))));
        }).ToArray();
        var forecast = forecaster.Forecast(renewals, quarter);
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
        var catalog = segmenter.Catalog;
        var curves = KaplanMeier.FitByGroup(accounts.Where(a => a.Account.CustomerSince is not null).Select(a =>
        {
            var touchModel = touch.FirstOrDefault(t => catalog.Matches(t, new SegmentSubject(a.Account), today)) ?? "(no contract)";
            return (touchModel, SurvivalObservation.FromDates(a.Account.CustomerSince!.Value, a.ChurnedOn, today));
        }));
        foreach (var (segment, curve) in curves.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteLine($"   {segment,-14}{curve.SurvivalAt(365),7:P1}   ({curve.Subjects:N0} accounts, {curve.Events:N0} churned)");
        }

        timings.Lap("forecast");

        // 5. Playbooks: against the previous day's snapshot (stored health, stage and segments), so each change starts its
        // playbooks once; a second run on the same day finds every run already created.
        var segmentNames = active.Select(a => evaluation.SegmentsOf(a.Id).Select(s => s.Name).ToArray()).ToArray();
        // Churned accounts are listed as removed, so their open runs are cancelled; an account missing from the file
        // keeps its runs (a partial export must not wipe out open work).
        var snapshot = new PortfolioSnapshot(
            today,
            active.Select((a, i) => new AccountSnapshot(a, scores[i], segmentNames[i])),
            accounts.Where(a => a.ChurnedOn is not null).Select(a => a.Account.Id));
        PortfolioSnapshot? before = previousDay is { } day
            ? new PortfolioSnapshot(day, active.Where(a => previous.ContainsKey(a.Id)).Select(a =>
            {
                var stored = previous[a.Id];
                var color = Enum.TryParse<HealthColor>(stored.Color, out var c) ? c : (HealthColor?)null;
                var stage = stored.Stage is { } st && StageId.IsValid(st) ? new StageId(st) : a.Stage;
                return new AccountSnapshot(stage == a.Stage ? a : a with { Stage = stage }, new HealthScore { Value = stored.Score, Color = color, ScorecardId = "stored" }, stored.Segments);
            }))
            : null;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var shown = false;
        var progress = new SynchronousProgress(evaluated =>
        {
            // A progress line once the phase has taken more than a second (large portfolios).
            if (watch.Elapsed > TimeSpan.FromSeconds(1))
            {
                status.Write($"\rplaybooks: {evaluated:N0} of {snapshot.Count:N0} accounts evaluated");
                shown = true;
            }
        });
        var result = await playbooks.EvaluateAsync(before, snapshot, milestones, progress: progress, allowMassCancellation: allowMassCancellation).ConfigureAwait(false);
        if (shown)
        {
            status.WriteLine();
        }

        // Counted in the database: at a million accounts the open tasks are over a million.
        var due = await TasksDueAsync(runStore, today.PlusDays(7), earliest: 200).ConfigureAwait(false);
        w.WriteLine();
        w.WriteLine($"5. Playbooks     {result.Created.Count:N0} runs started now ({result.Created.Sum(r => r.Tasks.Count):N0} tasks), {result.Cancelled.Count:N0} cancelled; {due.Total:N0} open tasks due within a week, by owner:");
        foreach (var (owner, count, top) in due.ByOwner)
        {
            w.WriteLine($"   {owner,-26}{count,5:N0} tasks   first: {top.Due:MM-dd} {top.Title} ({top.Account})");
        }

        timings.Lap("playbooks");
        database.WriteDay(today, moves, accounts.Select(a =>
        {
            var i = index.TryGetValue(a.Account.Id, out var position) ? position : -1;
            return (a.Account.Id, (string?)a.Account.Stage.Value, i >= 0 ? scores[i].Value : null, i >= 0 ? scores[i].Color?.ToString() : null, i >= 0 ? segmentNames[i] : (IEnumerable<string>)[]);
        }), usageState);

        timings.Lap("writing");
        w.WriteLine();
        w.WriteLine($"Timings         {timings}");
        return new SampleResult(today, active.Length, scores, evaluation, forecast, range, result, curves, due);
    }

    /// <summary>Portfolios up to this size get their usage signals from simulated events; larger files keep their columns.</summary>
    public const int UsageEventLimit = 20_000;

    /// <summary>
    /// Loads the usage state the last run saved (or starts one), ingests the days since, as events with ids (a day
    /// sent again is ignored as duplicates), or, on a first run, 89 days of history in columns and today as events, and
    /// puts the computed usage signals into each account. Returns the rows, the milestone events found, and the
    /// state to save with the day.
    /// </summary>
    private (IReadOnlyList<PortfolioRow> Rows, IReadOnlyList<LifecycleEvent> Milestones, byte[]? State) Usage(IReadOnlyList<PortfolioRow> rows, ulong seed, StepTimings timings)
    {
        var w = output;
        var today = clock.Today;
        if (rows.Count > UsageEventLimit)
        {
            w.WriteLine($"0. Usage         the file's usage columns (events are simulated for portfolios up to {UsageEventLimit:N0} accounts)");
            w.WriteLine();
            return (rows, [], null);
        }

        var saved = database.ReadUsageState();
        var from = today.PlusDays(-(UsageSimulation.HistoryDays - 1));
        var note = "first run: 89 days of history loaded in columns, today as events";
        if (saved is { } state && state.AsOf <= today && state.AsOf >= today.PlusDays(-30))
        {
            usage.LoadState(new MemoryStream(state.State));
            from = state.AsOf;
            note = $"state as of {state.AsOf:uuuu-MM-dd} loaded; days {from:uuuu-MM-dd} to {today:uuuu-MM-dd} sent as events";
        }
        else if (saved is { } old)
        {
            note = $"the saved state (as of {old.AsOf:uuuu-MM-dd}) is {(old.AsOf > today ? "later than today" : "more than 30 days old")}: started afresh with 89 days of history";
        }

        var simulation = new UsageSimulation([.. rows.Select(r => r.Account)], seed, clock);
        var refused = new List<RefusedUsageEvent>();
        long accepted = 0, duplicates = 0;
        for (var day = from; day <= today; day = day.PlusDays(1))
        {
            if (saved is null && day < today)
            {
                simulation.IngestColumns(usage, day, refused, ref accepted);
                continue;
            }

            var report = usage.Ingest(simulation.Events(day));
            accepted += report.Accepted;
            duplicates += report.Duplicates;
            refused.AddRange(report.Refused);
        }

        var signals = usage.Evaluate([.. rows.Select(r => r.Account.Id)]);
        var merged = rows.Select(r =>
        {
            var computed = signals.SignalsOf(r.Account.Id);
            var replaced = r.Account.Signals.Where(s => !computed.TryGetValue(s.Key, out _));
            var added = computed.Where(s => s.Key != PortfolioGenerator.ApiCalls || UsageSimulation.HasApi(r.Account));
            return r with { Account = r.Account with { Signals = SignalSet.Create(replaced.Concat(added)) } };
        }).ToArray();

        using var buffer = new MemoryStream();
        usage.SaveState(buffer);
        w.WriteLine($"0. Usage         {accepted:N0} events applied, {duplicates:N0} duplicates ignored, {refused.Count:N0} refused ({note})");
        w.WriteLine($"                 signals {string.Join(", ", usage.Signals)}; state {buffer.Length / 1e6:0.0} MB saved with the day");
        foreach (var group in signals.Milestones.GroupBy(m => m.Type.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var detail = string.Join(", ", group.GroupBy(m => m.Note!.Split(' ')[0]).OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} {g.Count():N0}"));
            w.WriteLine($"                 {group.Key,-18}{group.Count(),7:N0}   {detail}");
        }

        if (refused.Count > 0)
        {
            w.WriteLine($"                 first refusal: {refused[0].Reason}");
        }

        w.WriteLine();
        timings.Lap("usage");
        return (merged, signals.Milestones, buffer.ToArray());
    }

    private static string Format(Money money) => $"{money.Amount.ToString("N0", CultureInfo.InvariantCulture)} {money.Currency.Code}";

    private static string Amount(Money money) => money.Amount.ToString("N0", CultureInfo.InvariantCulture);

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

/// <summary>How long each step of the run took, for the closing line of the report.</summary>
internal sealed class StepTimings
{
    private readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    private readonly List<(string Step, TimeSpan Took)> _laps = [];
    private TimeSpan _last;

    public void Lap(string step)
    {
        var now = _watch.Elapsed;
        _laps.Add((step, now - _last));
        _last = now;
    }

    public override string ToString()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return string.Join(", ", _laps.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Step} {l.Took.TotalSeconds:0.0} s")))
            + string.Create(CultureInfo.InvariantCulture, $"; {_last.TotalSeconds:0.0} s in all; peak working set {process.PeakWorkingSet64 / 1e6:N0} MB");
    }
}

/// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; posts to the thread pool and may reorder).</summary>
internal sealed class SynchronousProgress(Action<int> report) : IProgress<int>
{
    public void Report(int value) => report(value);
}

internal sealed record SampleResult(LocalDate Today, int Active, HealthScore[] Scores, SegmentEvaluation Segments, RenewalForecast Forecast, RenewalSimulationResult Range, PlaybookEvaluation Playbooks, IReadOnlyDictionary<string, KaplanMeierCurve> Retention, TasksDue TasksDueSoon);
