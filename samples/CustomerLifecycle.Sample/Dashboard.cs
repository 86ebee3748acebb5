using System.Globalization;
using System.Net;
using System.Text;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// A self-contained HTML dashboard: inline SVG charts and inline CSS, no script and no network. Health distribution,
/// mean score per run, Kaplan–Meier retention by touch model, the forecast range, what drives churn (Cox) and whether
/// the touch models differ (log-rank), revenue movements by month per currency, the cohort table, and the open tasks
/// due soon. Every chart has both axes with their units, a legend and a caption; the elements marked
/// <c>data-report</c> repeat a line of the console report, and the browser test holds them to it.
/// </summary>
internal static class Dashboard
{
    private const int Width = 640;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly string[] Palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#6f42c1", "#20c997"];

    public static string Render(
        LocalDate today,
        IReadOnlyList<HealthScore> scores,
        IReadOnlyList<(LocalDate Date, double MeanScore)> trend,
        IReadOnlyDictionary<string, KaplanMeierCurve> retention,
        RenewalForecast forecast,
        RenewalSimulationResult range,
        TasksDue tasks,
        SampleStatistics statistics,
        SampleExperiment? experiment)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CustomerLifecycle dashboard ")
            .Append(Iso(today)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}section{margin-bottom:2.5em}h2{font-size:1.1em}")
            .Append("figure{margin:0}figcaption,.note{max-width:").Append(Width).Append("px;font-size:.9em;color:#555;margin:.3em 0}")
            .Append(".legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.3em 1.4em;max-width:").Append(Width).Append("px;font-size:.9em}")
            .Append(".swatch{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em}")
            .Append("table{border-collapse:collapse}td,th{padding:.2em .7em;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}td.n,th.n{text-align:right}")
            .Append("svg text{font-size:11px;fill:#333}svg .axis-title{font-size:12px;fill:#222}svg .grid{stroke:#e4e4e4}svg .axis-line{stroke:#333}")
            .Append("</style></head><body>")
            .Append("<h1>Customer lifecycle, ").Append(Iso(today)).Append("</h1>");

        HealthSection(html, scores);
        TrendSection(html, trend);
        RetentionSection(html, retention, statistics);
        ForecastSection(html, forecast, range);
        RenewalModelsSection(html, statistics);
        DriversSection(html, statistics);
        MovementsSection(html, statistics.Movements);
        CohortsSection(html, statistics.Cohorts);
        TasksSection(html, tasks);
        ExperimentSection(html, experiment);
        return html.Append("</body></html>").ToString();
    }

    // Did it work? Each outcome's effect and its interval on one axis of percent against no effect (0): the
    // differences of renewal rate and net revenue retention in points, the hazard ratio of churn as its change in %.
    private static void ExperimentSection(StringBuilder html, SampleExperiment? experiment)
    {
        if (experiment is null)
        {
            return;
        }

        html.Append("<section id=\"experiment\"><h2>Did it work? ").Append(Escape(experiment.Playbook)).Append(" against its holdout</h2><p class=\"note\">")
            .Append(Invariant, $"Today's runs: {experiment.HeldOutToday:N0} held out (no tasks), {experiment.TreatedToday:N0} treated. ")
            .Append("The sample's history had no playbook, so the result below is an A/A check: the arms the experiment's hash gives the accounts, where every interval should include no effect.</p>");
        var estimates = experiment.Estimates().ToArray();
        if (estimates.Length == 0)
        {
            html.Append("<p class=\"note\">").Append(Escape(experiment.Problem ?? "No outcome to compare.")).Append("</p></section>");
            return;
        }

        static (double Effect, double Lower, double Upper) Percent(EffectEstimate e) => e.Measure == ExperimentAnalysis.ChurnMeasure
            ? ((e.Effect - 1) * 100, (e.Lower - 1) * 100, (e.Upper - 1) * 100)
            : (e.Effect * 100, e.Lower * 100, e.Upper * 100);

        var reach = Math.Max(5, estimates.Select(Percent).Max(p => Math.Max(Math.Abs(p.Lower), Math.Abs(p.Upper))));
        var step = Step(reach, 3);
        var bound = Math.Ceiling(reach / step) * step;
        var plot = new Plot(Width, 60 + (44 * estimates.Length), -bound, bound, -0.5, estimates.Length - 0.5);
        var labels = estimates.Select(e => e.Measure switch { ExperimentAnalysis.ChurnMeasure => "churn", ExperimentAnalysis.NetRevenueRetentionMeasure => "NRR", _ => "renewals" }).ToArray();
        Figure(
            html,
            "experiment",
            plot,
            svg =>
            {
                var xTicks = Enumerable.Range(-(int)Math.Round(bound / step), (2 * (int)Math.Round(bound / step)) + 1).Select(k => (k * step, (k * step).ToString("+0;-0;0", Invariant)));
                Axes(svg, plot, "effect, treated against held out (%: points, or change of the hazard)", xTicks, "outcome", estimates.Select((_, i) => ((double)(estimates.Length - 1 - i), labels[i])), grid: false);
                svg.Append(Invariant, $"<line x1=\"{plot.X(0):0.#}\" x2=\"{plot.X(0):0.#}\" y1=\"{plot.Y(plot.YMax):0.#}\" y2=\"{plot.Y(plot.YMin):0.#}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>");
                for (var i = 0; i < estimates.Length; i++)
                {
                    var (effect, lower, upper) = Percent(estimates[i]);
                    var y = plot.Y(estimates.Length - 1 - i);
                    var color = estimates[i].Significant ? Palette[3] : Palette[0];
                    svg.Append(Invariant, $"<line x1=\"{plot.X(lower):0.#}\" x2=\"{plot.X(upper):0.#}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"{color}\" stroke-width=\"3\"/>");
                    svg.Append(Invariant, $"<circle cx=\"{plot.X(effect):0.#}\" cy=\"{y:0.#}\" r=\"5\" fill=\"{color}\"/>");
                }
            },
            estimates.Select(e => (e.Significant ? Palette[3] : Palette[0], SampleExperiment.Line(e), true)),
            string.Create(Invariant, $"Each line is the effect's 95 % interval, the dot its estimate; the dashed line is no effect. Blue: the interval includes no effect; red: it excludes it. {experiment.History!.TreatmentSubjects:N0} treated and {experiment.History.ControlSubjects:N0} held out, followed {SampleExperiment.HorizonDays} days; \"detectable\" is the smallest effect these sizes find with 80 % power."));
        html.Append("</section>");
    }

    // Health distribution: accounts per band of 10 points, stacked by the color each account got. The legend's counts
    // are the report's "accounts per color".
    private static void HealthSection(StringBuilder html, IReadOnlyList<HealthScore> scores)
    {
        (string Name, HealthColor? Color, string Fill)[] stacks = [("Green", HealthColor.Green, "#5cb85c"), ("Yellow", HealthColor.Yellow, "#f0ad4e"), ("Red", HealthColor.Red, "#d9534f"), ("No color", null, "#b8b8b8")];
        var bins = new int[10, stacks.Length];
        foreach (var s in scores)
        {
            if (s.Value is { } v)
            {
                bins[Math.Min(9, (int)(v / 10)), Array.FindIndex(stacks, k => k.Color == s.Color)]++;
            }
        }

        var unscored = scores.Count(s => s.Value is null);
        var tallest = Enumerable.Range(0, 10).Max(i => Enumerable.Range(0, stacks.Length).Sum(k => bins[i, k]));
        var yTicks = Ticks(tallest);
        var plot = new Plot(Width, 260, 0, 100, 0, yTicks[^1]);
        html.Append("<section id=\"health\"><h2>Health distribution (").Append(Count(scores.Count, "active account")).Append(")</h2>");
        Figure(html, "health", plot, svg =>
        {
            Axes(svg, plot, "health score (points, bands of 10)", Enumerable.Range(0, 11).Select(i => (i * 10.0, (i * 10).ToString(Invariant))), "accounts", yTicks.Select(t => (t, t.ToString("N0", Invariant))));
            for (var i = 0; i < 10; i++)
            {
                var below = 0;
                for (var k = 0; k < stacks.Length; k++)
                {
                    if (bins[i, k] == 0)
                    {
                        continue;
                    }

                    var (top, bottom) = (plot.Y(below + bins[i, k]), plot.Y(below));
                    svg.Append(Invariant, $"<rect x=\"{plot.X(i * 10) + 2:0.#}\" y=\"{top:0.#}\" width=\"{plot.X(10) - plot.X(0) - 4:0.#}\" height=\"{bottom - top:0.#}\" fill=\"{stacks[k].Fill}\"><title>{i * 10}–{(i * 10) + 10} points, {stacks[k].Name}: {bins[i, k]:N0}</title></rect>");
                    below += bins[i, k];
                }
            }
        },
        stacks.Select(k => (k.Fill, $"{k.Name} {scores.Count(s => s.Value is not null && s.Color == k.Color):N0}", true)),
        "Each active account by its score, stacked by its color. An account gets a color only when at least half of its " +
        "scorecard's weight was measured; the gray ones have a score from too little to trust." +
        (unscored > 0 ? $" {Count(unscored, "account")} with nothing measured have no score and are not shown." : string.Empty));
        html.Append("</section>");
    }

    // Score trend: the mean score of each stored run. One run is a number, not a trend.
    private static void TrendSection(StringBuilder html, IReadOnlyList<(LocalDate Date, double MeanScore)> trend)
    {
        html.Append("<section id=\"trend\"><h2>Mean health score per run</h2>");
        if (trend.Count < 2)
        {
            html.Append("<p class=\"note\">")
                .Append(trend.Count == 0 ? "No run stored yet." : string.Create(Invariant, $"One run so far ({Iso(trend[0].Date)}: mean score {trend[0].MeanScore:0.0})."))
                .Append(" The trend is drawn from the second date on: run the sample again with a later <code>--Sample:AsOf</code>.</p></section>");
            return;
        }

        var first = trend[0].Date;
        var days = Math.Max(1, Period.Between(first, trend[^1].Date, PeriodUnits.Days).Days);
        var plot = new Plot(Width, 240, 0, days, 0, 100);
        var step = Math.Max(1, (int)Math.Ceiling(trend.Count / 6.0));
        var xTicks = trend.Where((_, i) => i % step == 0 || i == trend.Count - 1).Select(p => ((double)Period.Between(first, p.Date, PeriodUnits.Days).Days, Iso(p.Date))).DistinctBy(t => t.Item1).ToArray();
        if (xTicks.Length > 1 && plot.X(xTicks[^1].Item1) - plot.X(xTicks[^2].Item1) < 80)
        {
            xTicks = [.. xTicks[..^2], xTicks[^1]]; // the last date, not two labels on top of each other
        }

        Figure(html, "trend", plot, svg =>
        {
            Axes(svg, plot, "run date", xTicks, "mean health score (points)", new[] { 0, 20, 40, 60, 80, 100 }.Select(v => ((double)v, v.ToString(Invariant))));
            var points = trend.Select(p => (X: plot.X(Period.Between(first, p.Date, PeriodUnits.Days).Days), Y: plot.Y(p.MeanScore), p.Date, p.MeanScore)).ToArray();
            svg.Append("<polyline fill=\"none\" stroke=\"#337ab7\" stroke-width=\"2\" points=\"").AppendJoin(' ', points.Select(p => string.Create(Invariant, $"{p.X:0.#},{p.Y:0.#}"))).Append("\"/>");
            foreach (var p in points)
            {
                svg.Append(Invariant, $"<circle cx=\"{p.X:0.#}\" cy=\"{p.Y:0.#}\" r=\"3\" fill=\"#337ab7\"><title>{Iso(p.Date)}: {p.MeanScore:0.0}</title></circle>");
            }
        },
        [("#337ab7", "mean score of the accounts scored that day", false)],
        string.Create(Invariant, $"{trend.Count} runs from {Iso(first)} to {Iso(trend[^1].Date)}; the latest mean is {trend[^1].MeanScore:0.0} points."));
        html.Append("</section>");
    }

    // Retention: Kaplan–Meier step curves by touch model, over three years. The legend's figures are the report's.
    private static void RetentionSection(StringBuilder html, IReadOnlyDictionary<string, KaplanMeierCurve> retention, SampleStatistics statistics)
    {
        var curves = retention.OrderBy(r => r.Key, StringComparer.Ordinal).ToArray();
        var lowest = curves.SelectMany(c => c.Value.Points.Where(p => p.Time <= 1095).Select(p => p.Survival)).DefaultIfEmpty(1).Min();
        var floor = Math.Max(0, Math.Floor((lowest - 0.05) * 10) / 10);
        var plot = new Plot(Width, 260, 0, 1095, floor, 1);
        html.Append("<section id=\"retention\"><h2>Retention by touch model (Kaplan–Meier)</h2>");
        var yTicks = Enumerable.Range(0, 11).Select(i => i / 10.0).Where(v => v >= floor - 1e-9).Select(v => (v, (v * 100).ToString("0", Invariant) + " %"));
        Figure(html, "retention", plot, svg =>
        {
            Axes(svg, plot, "time since the customer's start", [(0, "start"), (365, "1 year"), (730, "2 years"), (1095, "3 years")], "customers still here", yTicks);
            for (var k = 0; k < curves.Length; k++)
            {
                var (segment, curve) = (curves[k].Key, curves[k].Value);
                var y = plot.Y(1);
                var path = new StringBuilder(string.Create(Invariant, $"M{plot.X(0):0.#},{y:0.#}"));
                foreach (var point in curve.Points.Where(p => p.Time <= 1095))
                {
                    var x = plot.X(point.Time);
                    path.Append(Invariant, $" L{x:0.#},{y:0.#}");
                    y = plot.Y(point.Survival);
                    path.Append(Invariant, $" L{x:0.#},{y:0.#}");
                }

                path.Append(Invariant, $" L{plot.X(1095):0.#},{y:0.#}");
                svg.Append(Invariant, $"<path d=\"{path}\" fill=\"none\" stroke=\"{Palette[k % Palette.Length]}\" stroke-width=\"2\"><title>{Escape(segment)}</title></path>");
            }
        },
        curves.Select((c, k) => (Palette[k % Palette.Length], string.Create(Invariant, $"{c.Key} {c.Value.SurvivalAt(365):P1} ({Count(c.Value.Subjects, "account")}, {c.Value.Events:N0} churned)"), true)),
        "The share of each touch model's customers still here, by time since their start; the legend gives it at one year. " +
        $"The vertical axis starts at {floor * 100:0} %.");
        var logRank = statistics.TouchModels.Test;
        html.Append("<p class=\"note\">Do they differ? <span data-report>")
            .Append(Invariant, $"Log-rank test: chi-square {logRank.Statistic:0.00} on {logRank.DegreesOfFreedom} df, p = {logRank.PValue:0.000}")
            .Append("</span>.</p></section>");
    }

    // Forecast range: per currency, the share of the contracted revenue expected to renew, with its P10–P90 range.
    private static void ForecastSection(StringBuilder html, RenewalForecast forecast, RenewalSimulationResult range)
    {
        var rows = forecast.Total.Select(t => (Total: t, Range: range.Revenue.Single(r => r.Currency == t.Currency))).ToArray();
        var plot = new Plot(Width, 70 + (44 * Math.Max(1, rows.Length)), 0, 1, 0, Math.Max(1, rows.Length));
        html.Append("<section id=\"forecast\"><h2>Renewal forecast, ").Append(Iso(forecast.Period.Start)).Append(" to ").Append(Iso(forecast.Period.End)).Append("</h2>");
        Figure(html, "forecast", plot, svg =>
        {
            Axes(svg, plot, "share of the contracted renewal revenue", new[] { 0, 0.25, 0.5, 0.75, 1 }.Select(v => (v, (v * 100).ToString("0", Invariant) + " %")), "currency", rows.Select((r, i) => (rows.Length - i - 0.5, r.Total.Currency.Code)), grid: false);
            for (var i = 0; i < rows.Length; i++)
            {
                var (total, r) = rows[i];
                var contracted = (double)total.Contracted.Amount;
                double Share(Money m) => contracted > 0 ? (double)m.Amount / contracted : 0;
                var y = plot.Y(rows.Length - i - 0.5) - 10;
                svg.Append(Invariant, $"<rect x=\"{plot.X(0):0.#}\" y=\"{y:0.#}\" width=\"{plot.X(1) - plot.X(0):0.#}\" height=\"20\" fill=\"#eee\"><title>contracted {Amount(total.Contracted)}</title></rect>");
                svg.Append(Invariant, $"<rect x=\"{plot.X(Share(r.P10)):0.#}\" y=\"{y:0.#}\" width=\"{plot.X(Share(r.P90)) - plot.X(Share(r.P10)):0.#}\" height=\"20\" fill=\"#9ecae1\"><title>P10 {Amount(r.P10)} – P90 {Amount(r.P90)}</title></rect>");
                svg.Append(Invariant, $"<line x1=\"{plot.X(Share(r.P50)):0.#}\" x2=\"{plot.X(Share(r.P50)):0.#}\" y1=\"{y - 3:0.#}\" y2=\"{y + 23:0.#}\" stroke=\"#08519c\" stroke-width=\"2\"><title>P50 {Amount(r.P50)}</title></line>");
                var e = plot.X(Share(total.ExpectedRevenue));
                svg.Append(Invariant, $"<path d=\"M{e:0.#},{y + 4:0.#} l5,6 l-5,6 l-5,-6 z\" fill=\"#e6550d\"><title>expected {Amount(total.ExpectedRevenue)}</title></path>");
            }
        },
        [("#eee", "contracted (100 %)", false), ("#9ecae1", "P10 to P90 of the simulated quarters", false), ("#08519c", "P50", false), ("#e6550d", "expected", false)],
        "The bar is each currency's contracted renewal revenue; the figures, in each currency, are below. Currencies are never converted.");
        html.Append("<table><tr><th>currency</th><th class=\"n\">renewals</th><th class=\"n\">contracted</th><th class=\"n\">expected</th><th class=\"n\">churn</th><th class=\"n\">P10</th><th class=\"n\">P50</th><th class=\"n\">P90</th></tr>");
        foreach (var (total, r) in rows)
        {
            html.Append(Invariant, $"<tr data-report><td>{total.Currency.Code}</td><td class=\"n\">{total.Renewals:N0}</td><td class=\"n\">{Number(total.Contracted)}</td><td class=\"n\">{Number(total.ExpectedRevenue)}</td><td class=\"n\">{Number(total.ExpectedChurn)}</td><td class=\"n\">{Number(r.P10)}</td><td class=\"n\">{Number(r.P50)}</td><td class=\"n\">{Number(r.P90)}</td></tr>");
        }

        html.Append(Invariant, $"</table><p class=\"note\"><span data-report>churned logos: P10 {range.ChurnedLogos.P10:0}, P50 {range.ChurnedLogos.P50:0}, P90 {range.ChurnedLogos.P90:0} (expected {range.ChurnedLogos.Expected:0.0})</span>.</p></section>");
    }

    // The renewal models back-tested: learnt before the split, scored after it, against the health bands.
    private static void RenewalModelsSection(StringBuilder html, SampleStatistics statistics)
    {
        html.Append("<section id=\"renewal-models\"><h2>Renewal models, back-tested</h2>");
        if (statistics.RenewalModels is not { } models)
        {
            html.Append("<p class=\"note\">Not back-tested: ").Append(Escape(statistics.RenewalModelsProblem ?? string.Empty)).Append("</p></section>");
            return;
        }

        html.Append(Invariant, $"<p class=\"note\">Learnt from the {models.Learnt.Decisions:N0} renewal decisions before {Iso(models.Split)} ({models.Learnt.Factors.Count} health factors), then every model scored on the {models.CommonDecisions:N0} decisions since: never on the renewals it learnt from. A lower Brier score is better; an AUC of 0.5 is chance.</p>");
        html.Append("<table><tr><th>model</th><th>Brier score</th><th>AUC</th></tr>");
        foreach (var model in models.Models.Where(m => m.Common is not null))
        {
            var s = model.Common!;
            html.Append(Invariant, $"<tr data-report><td>{Escape(model.Model)}</td><td>Brier {s.BrierScore:0.000}</td><td>AUC {(s.Auc is { } auc ? auc.ToString("0.00", Invariant) : "none")}</td></tr>");
        }

        html.Append("</table>");
        if (statistics.Verdict() is { } verdict)
        {
            html.Append("<p class=\"note\">So <span data-report>").Append(Escape(verdict)).Append("</span>.</p>");
        }

        html.Append("</section>");
    }

    // What drives churn: the Cox hazard ratios per 10 points of each health factor, with their intervals.
    private static void DriversSection(StringBuilder html, SampleStatistics statistics)
    {
        html.Append("<section id=\"drivers\"><h2>What drives churn (Cox model, hazard ratio per 10 points; below 1 protects)</h2>");
        if (statistics.DriversProblem is { } problem)
        {
            html.Append("<p class=\"note\">").Append(Escape(problem)).Append("</p>");
        }

        html.Append("<table><tr><th>factor</th><th class=\"n\">hazard ratio</th><th>95 % interval</th><th>p-value</th></tr>");
        foreach (var d in statistics.Drivers.OrderBy(d => d.HazardRatio))
        {
            var p = d.PValue < 0.001 ? "p < 0.001" : string.Create(Invariant, $"p {d.PValue:0.000}");
            html.Append(Invariant, $"<tr data-report><td>{Escape(d.Name)}</td><td class=\"n\">{d.HazardRatio:0.00}</td><td>({d.Lower:0.00} to {d.Upper:0.00})</td><td>{p}</td></tr>");
        }

        html.Append("</table>");
        if (statistics.FactorsLeftOut.Count > 0)
        {
            html.Append("<p class=\"note\">Left out, missing for over a third of the accounts: ").Append(Escape(string.Join(", ", statistics.FactorsLeftOut))).Append(".</p>");
        }

        html.Append("</section>");
    }

    // Revenue movements: one chart per currency (amounts in different currencies share no axis), new above zero and
    // churn below, per month.
    private static void MovementsSection(StringBuilder html, IReadOnlyList<MonthlyRevenueMovements> all)
    {
        html.Append("<section id=\"movements\"><h2>Revenue movements by month, per currency (new ARR above the line, churned ARR below)</h2>");
        foreach (var currency in all.Select(m => m.Currency).Distinct())
        {
            var movements = all.Where(m => m.Currency == currency && (m.Opening.Amount > 0 || m.Closing.Amount > 0)).ToArray();
            if (movements.Length == 0)
            {
                continue;
            }

            // One scale both ways: a step from the larger side, so the ticks below the line are as far apart as above.
            var (gained, lost) = ((double)movements.Max(m => m.New.Amount), (double)movements.Max(m => m.Churn.Amount));
            var step = Step(Math.Max(1, Math.Max(gained, lost)), most: 4);
            var (up, down) = (Ticks(gained, step: step), Ticks(lost, step: step));
            var plot = new Plot(Width, 260, 0, movements.Length, -down[^1], up[^1]);
            var yTicks = down.Where(t => t > 0).Select(t => (-t, "−" + Compact(t))).Concat(up.Select(t => (t, Compact(t)))).OrderBy(t => t.Item1);
            Figure(html, "movements-" + currency.Code, plot, svg =>
            {
                Axes(svg, plot, "month", movements.Select((m, i) => (i + 0.5, m.Month.ToString("uuuu-MM", Invariant))), $"ARR moved ({currency.Code})", yTicks);
                for (var i = 0; i < movements.Length; i++)
                {
                    var m = movements[i];
                    var (x, w) = (plot.X(i) + 6, plot.X(1) - plot.X(0) - 12);
                    var quick = SampleStatistics.QuickRatio(m.QuickRatio);
                    svg.Append(Invariant, $"<rect x=\"{x:0.#}\" y=\"{plot.Y((double)m.New.Amount):0.#}\" width=\"{w:0.#}\" height=\"{plot.Y(0) - plot.Y((double)m.New.Amount):0.#}\" fill=\"#5cb85c\"><title>{m.Month:uuuu-MM} new {Amount(m.New)}; quick ratio {quick}</title></rect>");
                    svg.Append(Invariant, $"<rect x=\"{x:0.#}\" y=\"{plot.Y(0):0.#}\" width=\"{w:0.#}\" height=\"{plot.Y(-(double)m.Churn.Amount) - plot.Y(0):0.#}\" fill=\"#d9534f\"><title>{m.Month:uuuu-MM} churn {Amount(m.Churn)}</title></rect>");
                }

                svg.Append(Invariant, $"<line class=\"axis-line\" x1=\"{plot.X(0):0.#}\" x2=\"{plot.X(movements.Length):0.#}\" y1=\"{plot.Y(0):0.#}\" y2=\"{plot.Y(0):0.#}\"/>");
            },
            [("#5cb85c", $"new ARR ({currency.Code})", false), ("#d9534f", $"churned ARR ({currency.Code})", false)],
            $"{currency.Code}: new and churned ARR each month, from each account's start and churn dates; hover a bar for the amount and the month's quick ratio (gained / lost). The report lists every month's figures.");
        }

        html.Append("</section>");
    }

    // Cohorts: logo retention by months since start, each cell shaded by its value.
    private static void CohortsSection(StringBuilder html, IReadOnlyList<RevenueCohort> cohorts)
    {
        var span = cohorts.Count == 0 ? 0 : cohorts.Max(c => c.Months.Count);
        html.Append("<section id=\"cohorts\"><h2>Cohorts: customers still here, by months since their start</h2>")
            .Append("<p class=\"note\">Each row is the customers who started in a month, in one currency; each column a number of months after that. ")
            .Append("Hover a cell for the revenue kept. A cohort's row ends at the months it has lived so far.</p>")
            .Append("<table><tr><th>cohort</th><th class=\"n\">customers</th>");
        for (var k = 0; k < span; k++)
        {
            html.Append(Invariant, $"<th class=\"n\">{k}</th>");
        }

        html.Append("</tr>");
        foreach (var cohort in cohorts)
        {
            html.Append(Invariant, $"<tr><td>{cohort.Start:uuuu-MM} {cohort.Currency.Code}</td><td class=\"n\">{cohort.Customers:N0}</td>");
            foreach (var cell in cohort.Months)
            {
                var shade = (int)Math.Round(255 - (cell.LogoRetention * 140));
                html.Append(Invariant, $"<td class=\"n\" style=\"background:rgb({shade},{shade},255)\" title=\"revenue kept {cell.RevenueRetention * 100:0}%\">{cell.LogoRetention * 100:0}%</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table></section>");
    }

    // Tasks: the earliest due, and how many the table leaves out.
    private static void TasksSection(StringBuilder html, TasksDue tasks)
    {
        html.Append("<section id=\"tasks\"><h2>Open tasks due within a week (").Append(tasks.Total.ToString("N0", Invariant)).Append(")</h2><p class=\"note\">");
        html.Append(tasks.Earliest.Count < tasks.Total
            ? string.Create(Invariant, $"The {tasks.Earliest.Count:N0} due first of the <span data-report>{tasks.Total:N0} open tasks due within a week</span>, earliest first; {tasks.Total - tasks.Earliest.Count:N0} more are not listed here (the report counts them by owner).")
            : string.Create(Invariant, $"All <span data-report>{tasks.Total:N0} open tasks due within a week</span>, earliest first."));
        html.Append("</p><table><tr><th>due</th><th>owner</th><th>task</th><th>account</th><th>priority</th></tr>");
        foreach (var t in tasks.Earliest)
        {
            html.Append("<tr><td>").Append(Iso(t.Due)).Append("</td><td>").Append(Escape(t.Owner)).Append("</td><td>").Append(Escape(t.Title))
                .Append("</td><td>").Append(Escape(t.Account.Value)).Append("</td><td>").Append(t.Priority).Append("</td></tr>");
        }

        html.Append("</table></section>");
    }

    /// <summary>
    /// A chart: the SVG (its axes drawn by <paramref name="draw"/>), an HTML legend (items marked for the report check
    /// when <c>Report</c> is set) and a caption, which wrap instead of running out of the picture.
    /// </summary>
    private static void Figure(StringBuilder html, string id, Plot plot, Action<StringBuilder> draw, IEnumerable<(string Fill, string Text, bool Report)> legend, string caption)
    {
        html.Append(Invariant, $"<figure class=\"chart\" data-chart=\"{id}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{plot.Width}\" height=\"{plot.Height}\" viewBox=\"0 0 {plot.Width} {plot.Height}\">");
        draw(html);
        html.Append("</svg><ul class=\"legend\">");
        foreach (var (fill, text, report) in legend)
        {
            html.Append("<li").Append(report ? " data-report" : string.Empty).Append("><span class=\"swatch\" style=\"background:").Append(fill).Append("\"></span>").Append(Escape(text)).Append("</li>");
        }

        html.Append("</ul><figcaption>").Append(caption).Append("</figcaption></figure>");
    }

    /// <summary>Both axes: lines, ticks with their labels, light grid lines, and each axis's title with its unit.</summary>
    private static void Axes(StringBuilder svg, Plot plot, string xTitle, IEnumerable<(double Value, string Label)> xTicks, string yTitle, IEnumerable<(double Value, string Label)> yTicks, bool grid = true)
    {
        var (left, right, top, bottom) = (plot.X(plot.XMin), plot.X(plot.XMax), plot.Y(plot.YMax), plot.Y(plot.YMin));
        svg.Append("<g class=\"axis y-axis\">");
        foreach (var (value, label) in yTicks)
        {
            var y = plot.Y(value);
            if (grid)
            {
                svg.Append(Invariant, $"<line class=\"grid\" x1=\"{left:0.#}\" x2=\"{right:0.#}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>");
            }

            svg.Append(Invariant, $"<line class=\"axis-line\" x1=\"{left - 4:0.#}\" x2=\"{left:0.#}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>");
            svg.Append(Invariant, $"<text class=\"tick\" x=\"{left - 7:0.#}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Escape(label)}</text>");
        }

        svg.Append(Invariant, $"<line class=\"axis-line\" x1=\"{left:0.#}\" x2=\"{left:0.#}\" y1=\"{top:0.#}\" y2=\"{bottom:0.#}\"/>");
        svg.Append(Invariant, $"<text class=\"axis-title\" transform=\"translate(14,{(top + bottom) / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{Escape(yTitle)}</text></g>");
        svg.Append("<g class=\"axis x-axis\">");
        foreach (var (value, label) in xTicks)
        {
            var x = plot.X(value);
            svg.Append(Invariant, $"<line class=\"axis-line\" x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{bottom:0.#}\" y2=\"{bottom + 4:0.#}\"/>");
            // A label at either end is anchored inside the picture (about 6.5 px a character at 11 px).
            var half = 3.3 * label.Length;
            var anchor = x + half > plot.Width - 2 ? "end" : x - half < 2 ? "start" : "middle";
            svg.Append(Invariant, $"<text class=\"tick\" x=\"{x:0.#}\" y=\"{bottom + 17:0.#}\" text-anchor=\"{anchor}\">{Escape(label)}</text>");
        }

        svg.Append(Invariant, $"<line class=\"axis-line\" x1=\"{left:0.#}\" x2=\"{right:0.#}\" y1=\"{bottom:0.#}\" y2=\"{bottom:0.#}\"/>");
        svg.Append(Invariant, $"<text class=\"axis-title\" x=\"{(left + right) / 2:0.#}\" y=\"{plot.Height - 8}\" text-anchor=\"middle\">{Escape(xTitle)}</text></g>");
    }

    /// <summary>Round tick values from 0 to at least <paramref name="max"/>: at most <paramref name="most"/> steps of 1, 2 or 5 × 10^k, or steps of <paramref name="step"/>.</summary>
    private static double[] Ticks(double max, int most = 6, double? step = null)
    {
        if (!(max > 0))
        {
            return [0, step ?? 1];
        }

        var by = step ?? Step(max, most);
        return [.. Enumerable.Range(0, (int)Math.Ceiling(max / by) + 1).Select(i => i * by)];
    }

    private static double Step(double max, int most)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max / 5)));
        return new[] { 1, 2, 5, 10, 20, 50 }.Select(f => f * magnitude).First(s => max / s <= most);
    }

    /// <summary>An amount for an axis: 0, 500k, 2.5M.</summary>
    private static string Compact(double value) => value switch
    {
        >= 1e9 => (value / 1e9).ToString("0.#", Invariant) + "G",
        >= 1e6 => (value / 1e6).ToString("0.#", Invariant) + "M",
        >= 1e3 => (value / 1e3).ToString("0.#", Invariant) + "k",
        _ => value.ToString("0", Invariant),
    };

    private static string Count(int count, string noun) => SampleRun.Count(count, noun);

    private static string Iso(LocalDate date) => date.ToString("uuuu-MM-dd", Invariant);

    private static string Amount(Money money) => Number(money) + " " + money.Currency.Code;

    private static string Number(Money money) => money.Amount.ToString("N0", Invariant);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A plot area inside a chart of the given size: margins for the axes' labels and titles, and the scales.</summary>
    private sealed record Plot(int Width, int Height, double XMin, double XMax, double YMin, double YMax)
    {
        private const double Left = 78, Right = 24, Top = 12, Bottom = 46;

        public double X(double v) => Left + ((v - XMin) / (XMax - XMin) * (Width - Left - Right));

        public double Y(double v) => Height - Bottom - ((v - YMin) / (YMax - YMin) * (Height - Top - Bottom));
    }
}
