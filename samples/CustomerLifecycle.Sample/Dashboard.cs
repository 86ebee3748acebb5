using System.Globalization;
using System.Net;
using System.Text;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// A self-contained HTML dashboard: inline SVG charts and inline CSS, no script and no network. Health distribution,
/// mean score per run, Kaplan–Meier retention by segment, the forecast range, what drives churn (Cox) and whether the
/// touch models differ (log-rank), revenue movements by month, the cohort table, and the open tasks due soon.
/// </summary>
internal static class Dashboard
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(
        LocalDate today,
        IReadOnlyList<HealthScore> scores,
        IReadOnlyList<(LocalDate Date, double MeanScore)> trend,
        IReadOnlyDictionary<string, KaplanMeierCurve> retention,
        RenewalForecast forecast,
        RenewalSimulationResult range,
        TasksDue tasks,
        SampleStatistics statistics)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CustomerLifecycle dashboard ")
            .Append(Iso(today)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}section{margin-bottom:2.5em}h2{font-size:1.1em}")
            .Append("table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}svg text{font-size:11px}")
            .Append("</style></head><body>")
            .Append("<h1>Customer lifecycle, ").Append(Iso(today)).Append("</h1>");

        // Health distribution: a histogram of scores in bands of 10, colored by the default bands.
        var bins = new int[10];
        foreach (var s in scores)
        {
            if (s.Value is { } v)
            {
                bins[Math.Min(9, (int)(v / 10))]++;
            }
        }

        html.Append("<section id=\"health\"><h2>Health distribution (").Append(scores.Count.ToString("N0", Invariant)).Append(" accounts)</h2>");
        html.Append(Svg(520, 220, svg =>
        {
            var max = Math.Max(1, bins.Max());
            for (var i = 0; i < bins.Length; i++)
            {
                var h = 180.0 * bins[i] / max;
                var color = i < 4 ? "#d9534f" : i < 7 ? "#f0ad4e" : "#5cb85c";
                svg.Append(Invariant, $"<rect x=\"{30 + (i * 48)}\" y=\"{190 - h:0.#}\" width=\"40\" height=\"{h:0.#}\" fill=\"{color}\"><title>{i * 10}–{(i * 10) + 10}: {bins[i]}</title></rect>");
                svg.Append(Invariant, $"<text x=\"{34 + (i * 48)}\" y=\"205\">{i * 10}</text>");
            }
        }));
        html.Append("</section>");

        // Score trend: the mean score of each stored run.
        html.Append("<section id=\"trend\"><h2>Mean health score per run</h2>");
        html.Append(Svg(520, 200, svg =>
        {
            if (trend.Count == 0)
            {
                svg.Append("<text x=\"20\" y=\"100\">No history yet: run the sample again on a later date.</text>");
                return;
            }

            var points = trend.Select((p, i) => (X: 30 + (trend.Count == 1 ? 230 : i * 460.0 / (trend.Count - 1)), Y: 180 - (p.MeanScore * 1.6), p.Date, p.MeanScore)).ToArray();
            svg.Append("<polyline fill=\"none\" stroke=\"#337ab7\" stroke-width=\"2\" points=\"").AppendJoin(' ', points.Select(p => string.Create(Invariant, $"{p.X:0.#},{p.Y:0.#}"))).Append("\"/>");
            foreach (var p in points)
            {
                svg.Append(Invariant, $"<circle cx=\"{p.X:0.#}\" cy=\"{p.Y:0.#}\" r=\"3\" fill=\"#337ab7\"><title>{Iso(p.Date)}: {p.MeanScore:0.0}</title></circle>");
            }
        }));
        html.Append("</section>");

        // Retention: Kaplan–Meier step curves by segment, over three years.
        string[] palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#6f42c1", "#20c997"];
        html.Append("<section id=\"retention\"><h2>Retention by touch model (Kaplan–Meier)</h2>");
        html.Append(Svg(520, 240, svg =>
        {
            var k = 0;
            foreach (var (segment, curve) in retention.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                var color = palette[k % palette.Length];
                var path = new StringBuilder("M30,20");
                var y = 20.0;
                foreach (var point in curve.Points.Where(p => p.Time <= 1095))
                {
                    var x = 30 + (point.Time * 460 / 1095);
                    path.Append(Invariant, $" L{x:0.#},{y:0.#}");
                    y = 20 + ((1 - point.Survival) * 180);
                    path.Append(Invariant, $" L{x:0.#},{y:0.#}");
                }

                path.Append(Invariant, $" L490,{y:0.#}");
                svg.Append(Invariant, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"><title>{Escape(segment)}</title></path>");
                svg.Append(Invariant, $"<text x=\"360\" y=\"{150 + (k * 14)}\" fill=\"{color}\">{Escape(segment)}: {curve.SurvivalAt(365):P0} at 1 year</text>");
                k++;
            }

            svg.Append("<text x=\"30\" y=\"230\">0</text><text x=\"180\" y=\"230\">1 year</text><text x=\"330\" y=\"230\">2 years</text><text x=\"470\" y=\"230\">3 years</text>");
        }));
        html.Append("</section>");

        // Forecast range: P10–P90 bar with the P50 and the expectation, per currency.
        html.Append("<section id=\"forecast\"><h2>Renewal forecast, ").Append(Iso(forecast.Period.Start)).Append(" to ").Append(Iso(forecast.Period.End)).Append("</h2>");
        html.Append(Svg(520, 40 + (50 * range.Revenue.Count), svg =>
        {
            for (var i = 0; i < range.Revenue.Count; i++)
            {
                var r = range.Revenue[i];
                var contracted = (double)forecast.Total.Single(t => t.Currency == r.Currency).Contracted.Amount;
                double X(Money m) => 60 + (420 * (double)m.Amount / Math.Max(1, contracted));
                var y = 20 + (i * 50);
                svg.Append(Invariant, $"<text x=\"10\" y=\"{y + 15}\">{r.Currency.Code}</text>");
                svg.Append(Invariant, $"<rect x=\"60\" y=\"{y}\" width=\"420\" height=\"20\" fill=\"#eee\"><title>contracted {Amount(forecast.Total[i].Contracted)}</title></rect>");
                svg.Append(Invariant, $"<rect x=\"{X(r.P10):0.#}\" y=\"{y}\" width=\"{X(r.P90) - X(r.P10):0.#}\" height=\"20\" fill=\"#9ecae1\"><title>P10 {Amount(r.P10)} – P90 {Amount(r.P90)}</title></rect>");
                svg.Append(Invariant, $"<line x1=\"{X(r.P50):0.#}\" x2=\"{X(r.P50):0.#}\" y1=\"{y - 3}\" y2=\"{y + 23}\" stroke=\"#08519c\" stroke-width=\"2\"><title>P50 {Amount(r.P50)}</title></line>");
                svg.Append(Invariant, $"<text x=\"60\" y=\"{y + 36}\">P10 {Amount(r.P10)} · P50 {Amount(r.P50)} · P90 {Amount(r.P90)} of {Amount(forecast.Total[i].Contracted)}</text>");
            }
        }));
        html.Append("</section>");

        // What drives churn: the Cox hazard ratios per 10 points of each health factor, with their intervals.
        html.Append("<section id=\"drivers\"><h2>What drives churn (Cox model, hazard ratio per 10 points; below 1 protects)</h2>");
        if (statistics.DriversProblem is { } problem)
        {
            html.Append("<p>").Append(Escape(problem)).Append("</p>");
        }

        html.Append("<table><tr><th>factor</th><th>hazard ratio</th><th>95 % interval</th><th>p</th></tr>");
        foreach (var d in statistics.Drivers.OrderBy(d => d.HazardRatio))
        {
            html.Append(Invariant, $"<tr><td>{Escape(d.Name)}</td><td>{d.HazardRatio:0.00}</td><td>{d.Lower:0.00} to {d.Upper:0.00}</td><td>{d.PValue:0.000}</td></tr>");
        }

        var logRank = statistics.TouchModels.Test;
        html.Append(Invariant, $"</table><p>Touch models, log-rank test: chi-square {logRank.Statistic:0.00} on {logRank.DegreesOfFreedom} df, p = {logRank.PValue:0.000}.</p></section>");

        // Revenue movements: new above the axis, churn below, per month and currency.
        var movements = statistics.Movements;
        html.Append("<section id=\"movements\"><h2>Revenue movements by month (new above, churn below)</h2>");
        html.Append(Svg(520, 240, svg =>
        {
            var largest = (double)Math.Max(1, movements.Max(m => Math.Max(m.New.Amount, m.Churn.Amount)));
            var currencies = movements.Select(m => m.Currency.Code).Distinct(StringComparer.Ordinal).ToArray();
            var months = movements.Select(m => m.Month).Distinct().ToArray();
            var width = 440.0 / Math.Max(1, months.Length * currencies.Length);
            for (var i = 0; i < movements.Count; i++)
            {
                var m = movements[i];
                var x = 40 + (((Array.IndexOf(months, m.Month) * currencies.Length) + Array.IndexOf(currencies, m.Currency.Code)) * width);
                var up = 90 * (double)m.New.Amount / largest;
                var down = 90 * (double)m.Churn.Amount / largest;
                var color = palette[Array.IndexOf(currencies, m.Currency.Code) % palette.Length];
                svg.Append(Invariant, $"<rect x=\"{x:0.#}\" y=\"{110 - up:0.#}\" width=\"{width - 2:0.#}\" height=\"{up:0.#}\" fill=\"{color}\"><title>{m.Month:uuuu-MM} {m.Currency.Code} new {Amount(m.New)}; quick ratio {SampleStatistics.QuickRatio(m.QuickRatio)}</title></rect>");
                svg.Append(Invariant, $"<rect x=\"{x:0.#}\" y=\"110\" width=\"{width - 2:0.#}\" height=\"{down:0.#}\" fill=\"{color}\" opacity=\"0.5\"><title>{m.Month:uuuu-MM} {m.Currency.Code} churn {Amount(m.Churn)}</title></rect>");
            }

            svg.Append("<line x1=\"40\" x2=\"480\" y1=\"110\" y2=\"110\" stroke=\"#333\"/>");
            for (var k = 0; k < months.Length; k++)
            {
                svg.Append(Invariant, $"<text x=\"{40 + (k * currencies.Length * width):0.#}\" y=\"230\">{months[k]:uuuu-MM}</text>");
            }
        }));
        html.Append("</section>");

        // Cohorts: logo retention by months since start, each cell shaded by its value.
        var cohorts = statistics.Cohorts;
        var span = cohorts.Count == 0 ? 0 : cohorts.Max(c => c.Months.Count);
        html.Append("<section id=\"cohorts\"><h2>Cohorts: customers still here, by months since their start</h2><table><tr><th>cohort</th><th>customers</th>");
        for (var k = 0; k < span; k++)
        {
            html.Append(Invariant, $"<th>{k}</th>");
        }

        html.Append("</tr>");
        foreach (var cohort in cohorts)
        {
            html.Append(Invariant, $"<tr><td>{cohort.Start:uuuu-MM} {cohort.Currency.Code}</td><td>{cohort.Customers}</td>");
            foreach (var cell in cohort.Months)
            {
                var shade = (int)Math.Round(255 - (cell.LogoRetention * 140));
                html.Append(Invariant, $"<td style=\"background:rgb({shade},{shade},255)\" title=\"revenue {cell.RevenueRetention:P0}\">{cell.LogoRetention:P0}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table></section>");

        // Tasks.
        html.Append("<section id=\"tasks\"><h2>Open tasks due within a week (").Append(tasks.Total.ToString("N0", Invariant)).Append(")</h2><table><tr><th>due</th><th>owner</th><th>task</th><th>account</th><th>priority</th></tr>");
        foreach (var t in tasks.Earliest)
        {
            html.Append("<tr><td>").Append(Iso(t.Due)).Append("</td><td>").Append(Escape(t.Owner)).Append("</td><td>").Append(Escape(t.Title))
                .Append("</td><td>").Append(Escape(t.Account.Value)).Append("</td><td>").Append(t.Priority).Append("</td></tr>");
        }

        html.Append("</table></section></body></html>");
        return html.ToString();
    }

    private static string Svg(int width, int height, Action<StringBuilder> draw)
    {
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        draw(svg);
        return svg.Append("</svg>").ToString();
    }

    private static string Iso(LocalDate date) => date.ToString("uuuu-MM-dd", Invariant);

    private static string Amount(Money money) => money.Amount.ToString("N0", Invariant) + " " + money.Currency.Code;

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
