using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerLifecycle.Testing;
using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>The sample's dashboard after two runs (so the trend has two points), and the report of the second.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("cl-dash-").FullName;

    public string HtmlPath => Path.Combine(Directory, "dashboard.html");

    public string Html { get; private set; } = string.Empty;

    public string Report { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        string[] args = ["--db", Path.Combine(Directory, "d.db"), "--html", HtmlPath, "--Sample:ForecastTrials=300"];
        Assert.Equal(0, await SampleProgram.MainAsync(args, new StringWriter(), new StringWriter()));
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await SampleProgram.MainAsync([.. args, "--Sample:AsOf=2026-11-29"], output, error));
        Html = await File.ReadAllTextAsync(HtmlPath);
        Report = output.ToString();
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed partial class DashboardTests(DashboardFixture dashboard) : IClassFixture<DashboardFixture>
{
    [Fact]
    public void TheDashboard_IsSelfContainedHtmlWithEveryChart()
    {
        var text = dashboard.Html;

        // No script, no stylesheet or image to fetch: it opens offline.
        foreach (var external in new[] { "<script", "<link", "src=", "href=", "url(" })
        {
            Assert.DoesNotContain(external, text, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var section in new[] { "id=\"health\"", "id=\"trend\"", "id=\"retention\"", "id=\"forecast\"", "id=\"renewal-models\"", "id=\"drivers\"", "id=\"movements\"", "id=\"cohorts\"", "id=\"tasks\"", "id=\"experiment\"" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        var svgs = Regex.Matches(text, "<svg.*?</svg>", RegexOptions.Singleline);
        Assert.Equal(7, svgs.Count); // health, trend, retention, forecast, the movements in EUR and in USD, the experiment
        foreach (Match svg in svgs)
        {
            System.Xml.Linq.XDocument.Parse(svg.Value); // each chart is well-formed SVG
        }

        Assert.Equal(2, Regex.Matches(svgs[1].Value, "<circle ").Count);                       // two runs in the trend
        Assert.Equal(3, Regex.Matches(svgs[2].Value, "<path d=\"M").Count);                     // three touch models
        Assert.Contains("P10 ", svgs[3].Value, StringComparison.Ordinal);
        Assert.Contains("quick ratio", svgs[4].Value, StringComparison.Ordinal);                // the movements
        Assert.Equal(3, Regex.Matches(svgs[6].Value, "<circle ").Count);                        // did it work: three effects
        Assert.Contains("seat_utilization", text, StringComparison.Ordinal);                    // a driver of churn
        Assert.Contains("Log-rank test", text, StringComparison.Ordinal);
        Assert.Contains("<td>2026-", text, StringComparison.Ordinal);                           // the task table
        Assert.Matches("The 200 due first of the <span data-report>[0-9,]+ open tasks due within a week</span>", text); // what the table leaves out
    }

    /// <summary>
    /// The dashboard as a reader sees it: rendered by Chromium (headless, as Debian ships it; .ci/run installs it), with a
    /// script added to the page that measures it. Every chart has titled axes with ticks, a legend and a caption; no
    /// text leaves its chart or box, and no two labels of a chart overlap; each element marked <c>data-report</c>
    /// reads as a line of the console report. The screenshot is left next to the test assembly.
    /// </summary>
    [ChromiumFact]
    public async Task TheDashboard_InChromium_HasTitledAxesNoOverflowAndTheReportsFigures()
    {
        var page = Path.Combine(dashboard.Directory, "measured.html");
        await File.WriteAllTextAsync(page, dashboard.Html.Replace("</body>", "<script>" + MeasureScript + "</script></body>", StringComparison.Ordinal));
        var dom = await Chromium.RunAsync("--dump-dom", new Uri(page).AbsoluteUri);
        var measured = Regex.Match(dom, "<pre id=\"layout-check\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(measured.Success, "The measuring script left no result: " + dom[..Math.Min(dom.Length, 500)]);
        using var json = JsonDocument.Parse(WebUtility.HtmlDecode(measured.Groups[1].Value));
        var root = json.RootElement;

        var charts = root.GetProperty("charts").EnumerateArray().ToArray();
        Assert.Equal(["health", "trend", "retention", "forecast", "movements-EUR", "movements-USD", "experiment"], charts.Select(c => c.GetProperty("id").GetString()));
        foreach (var chart in charts)
        {
            var id = chart.GetProperty("id").GetString();
            Assert.False(string.IsNullOrWhiteSpace(chart.GetProperty("xTitle").GetString()), $"{id}: no x-axis title");
            Assert.False(string.IsNullOrWhiteSpace(chart.GetProperty("yTitle").GetString()), $"{id}: no y-axis title");
            Assert.True(chart.GetProperty("xTicks").GetInt32() >= 2, $"{id}: fewer than two x-axis ticks");
            Assert.True(chart.GetProperty("yTicks").GetInt32() >= 2, $"{id}: fewer than two y-axis ticks");
            Assert.True(chart.GetProperty("legend").GetArrayLength() >= 1, $"{id}: no legend");
            Assert.False(string.IsNullOrWhiteSpace(chart.GetProperty("caption").GetString()), $"{id}: no caption");
        }

        Assert.Empty(root.GetProperty("overflow").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(root.GetProperty("overlaps").EnumerateArray().Select(e => e.GetString()));

        // The figures a reader compares with the report: colors, retention at a year, the log-rank test, the forecast
        // rows and logos, the drivers of churn, the tasks due.
        var report = Collapse(dashboard.Report);
        var figures = root.GetProperty("report").EnumerateArray().Select(e => Collapse(e.GetString()!)).ToArray();
        Assert.True(figures.Length >= 20, $"only {figures.Length} figures marked for the report");
        Assert.All(figures, figure => Assert.True(report.Contains(figure, StringComparison.Ordinal), $"The dashboard shows \"{figure}\", which the report does not say.\n{dashboard.Report}"));
        Assert.Contains(figures, f => f.StartsWith("Green ", StringComparison.Ordinal));
        Assert.Contains(figures, f => f.StartsWith("EUR ", StringComparison.Ordinal));
        Assert.Contains(figures, f => f.StartsWith("learnt Brier ", StringComparison.Ordinal));                  // the renewal models' back-test
        Assert.Contains(figures, f => f.StartsWith("hazard ratio of churn ", StringComparison.Ordinal));         // did the playbook work?

        var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        File.Delete(screenshot);
        await Chromium.RunAsync("--screenshot=" + screenshot, "--window-size=1280,4200", new Uri(dashboard.HtmlPath).AbsoluteUri);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 50_000, $"the screenshot is {png.Length} bytes: a blank page?");
    }

    private static string Collapse(string text) => WhiteSpace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    // Runs in the page: what each chart has, what overflows or overlaps, and the figures marked for the report.
    private const string MeasureScript = """
        (() => {
          const out = { charts: [], overflow: [], overlaps: [], report: [] };
          const inside = (b, s) => b.left >= s.left - 0.5 && b.right <= s.right + 0.5 && b.top >= s.top - 0.5 && b.bottom <= s.bottom + 0.5;
          const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
          for (const f of document.querySelectorAll('figure.chart')) {
            const id = f.dataset.chart, svg = f.querySelector('svg'), all = s => [...f.querySelectorAll(s)].map(e => e.textContent.trim());
            out.charts.push({ id, xTitle: all('.x-axis .axis-title').join(''), yTitle: all('.y-axis .axis-title').join(''),
              xTicks: all('.x-axis .tick').length, yTicks: all('.y-axis .tick').length, legend: all('.legend li'), caption: all('figcaption').join('') });
            const box = svg.getBoundingClientRect();
            const texts = [...svg.querySelectorAll('text')].map(e => ({ text: e.textContent, b: e.getBoundingClientRect() }));
            for (const t of texts) if (!inside(t.b, box)) out.overflow.push(`${id}: "${t.text}" leaves the chart`);
            for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++)
              if (meet(texts[i].b, texts[j].b)) out.overlaps.push(`${id}: "${texts[i].text}" overlaps "${texts[j].text}"`);
          }
          for (const e of document.querySelectorAll('h1, h2, p, li, td, th, figcaption'))
            if (e.scrollWidth > e.clientWidth + 1) out.overflow.push(`${e.tagName}: "${e.textContent.slice(0, 80)}" overflows its box`);
          if (document.documentElement.scrollWidth > window.innerWidth) out.overflow.push('the page is wider than the window');
          for (const e of document.querySelectorAll('[data-report]')) out.report.push(e.innerText);
          const pre = document.createElement('pre');
          pre.id = 'layout-check';
          pre.textContent = JSON.stringify(out);
          document.body.appendChild(pre);
        })();
        """;
}

/// <summary>
/// Debian's Chromium, headless. Where it is missing the browser tests are skipped with the reason, unless
/// <see cref="RequireVariable"/> is set (as .ci/run does, after installing it), when that is a failure.
/// </summary>
internal static class Chromium
{
    public const string RequireVariable = "CUSTOMERLIFECYCLE_REQUIRE_CHROMIUM";

    private static readonly string? Executable = new[] { Environment.GetEnvironmentVariable("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }
        .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    public static string? SkipReason => Executable is not null || Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true"
        ? null
        : "no Chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH); " + RequireVariable + "=1 makes that a failure, as in CI";

    /// <summary>Runs it headless with the arguments; returns what it printed, or throws with its errors.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var executable = Executable ?? throw new InvalidOperationException($"{RequireVariable} is set, but no Chromium was found (apt-get install chromium).");

        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        var (exitCode, output, error) = await ChildProcess.RunAsync(executable, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1000", .. arguments], TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"chromium {string.Join(' ', arguments)} exited {exitCode}: {error}");
        return output;
    }
}

/// <summary>A fact that needs Chromium: skipped, with the reason, where there is none (unless required).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
