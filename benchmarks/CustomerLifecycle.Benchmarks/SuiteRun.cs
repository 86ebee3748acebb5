using System.Globalization;
using System.Net;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using CustomerLifecycle.Storage.Tests;

namespace CustomerLifecycle.Benchmarks;

/// <summary>What the run should know beyond BenchmarkDotNet's arguments, and what it says at the end.</summary>
internal static class SuiteRun
{
    private static readonly List<string> NotesList = [];

    /// <summary>Whether the command line names a job (<c>--job short</c>): then the heavy classes take it instead of their own.</summary>
    public static bool JobGiven { get; set; }

    /// <summary>Why rows are missing or sizes left out, said once each, printed after the run (not on line 1 of 500).</summary>
    public static IReadOnlyList<string> Notes
    {
        get
        {
            lock (NotesList)
            {
                return [.. NotesList];
            }
        }
    }

    public static void Note(string note)
    {
        lock (NotesList)
        {
            if (!NotesList.Contains(note))
            {
                NotesList.Add(note);
            }
        }
    }
}

/// <summary>
/// A heavy class's own job (BenchmarkDotNet's Monitoring strategy, one launch, few iterations: each operation takes
/// seconds), unless the command line names a job, which then runs alone instead of next to it.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class MonitoringJobAttribute(int warmupCount, int iterationCount) : Attribute, IConfigSource
{
    public IConfig Config { get; } = SuiteRun.JobGiven
        ? ManualConfig.CreateEmpty()
        : ManualConfig.CreateEmpty().AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(warmupCount).WithIterationCount(iterationCount));
}

/// <summary>Leaves out the PostgreSQL cases, saying why, where no PostgreSQL server can be started.</summary>
internal sealed class PostgresWhenInstalled : ManualConfig
{
    public PostgresWhenInstalled()
    {
        if (TemporaryPostgresServer.Unavailable is { } reason)
        {
            SuiteRun.Note($"PostgreSQL rows left out: {reason} (apt-get install postgresql)");
            AddFilter(new SimpleFilter(b => !b.Descriptor.WorkloadMethodDisplayInfo.Contains("PostgreSQL", StringComparison.Ordinal)
                && !b.Parameters.DisplayInfo.Contains("PostgreSQL", StringComparison.Ordinal)));
        }
    }
}

/// <summary>
/// The ratios that matter, after a run: each library case against the references in its group (the memory floor,
/// numpy, the naive code a team would write, DuckDB), as a Markdown table and an SVG chart written next to
/// BenchmarkDotNet's own reports.
/// </summary>
internal static class RatioSummary
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly (string Name, string Color, string[] Keys)[] References =
    [
        ("floor", "#6f42c1", ["floor", "denserollup", "readcolumns"]),
        ("numpy", "#f0ad4e", ["numpy"]),
        ("naive", "#d9534f", ["naive", "obvious", "linq"]),
        ("DuckDB", "#337ab7", ["duckdb"]),
    ];

    /// <summary>One library case against one reference, in one group.</summary>
    /// <param name="Class">The benchmark class.</param>
    /// <param name="Parameters">The group's parameters, as BenchmarkDotNet shows them.</param>
    /// <param name="Library">The library case's name.</param>
    /// <param name="Reference">The kind of reference: floor, numpy, naive or DuckDB.</param>
    /// <param name="LibraryNs">The library case's mean, in nanoseconds.</param>
    /// <param name="ReferenceNs">The reference's mean, in nanoseconds.</param>
    /// <param name="ReferenceCase">The reference case's own name (a group may hold two of a kind, such as two DuckDB queries).</param>
    public sealed record Row(string Class, string Parameters, string Library, string Reference, string ReferenceCase, double LibraryNs, double ReferenceNs)
    {
        public double Ratio => LibraryNs / ReferenceNs;

        /// <summary>"floor", or "DuckDB (DuckDbLocalDates)" when the case's name does not already say which.</summary>
        public string Against => ReferenceCase.Contains(Reference, StringComparison.OrdinalIgnoreCase) ? ReferenceCase : $"{Reference} ({ReferenceCase})";
    }

    /// <summary>The rows: every measured library case against every reference measured in its logical group.</summary>
    public static List<Row> Rows(IEnumerable<Summary> summaries)
    {
        var rows = new List<Row>();
        foreach (var summary in summaries)
        {
            foreach (var group in summary.Reports.Where(r => r.ResultStatistics is not null).GroupBy(r => summary.GetLogicalGroupKey(r.BenchmarkCase) ?? string.Empty))
            {
                var cases = group.Select(r => (Report: r, Name: r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), Kind: KindOf(r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo))).ToArray();
                foreach (var reference in cases.Where(c => c.Kind is not null))
                {
                    foreach (var library in cases.Where(c => c.Kind is null))
                    {
                        rows.Add(new Row(
                            library.Report.BenchmarkCase.Descriptor.Type.Name,
                            library.Report.BenchmarkCase.Parameters.DisplayInfo,
                            library.Name,
                            reference.Kind!,
                            reference.Name,
                            library.Report.ResultStatistics!.Mean,
                            reference.Report.ResultStatistics!.Mean));
                    }
                }
            }
        }

        return rows;
    }

    private static string? KindOf(string name)
    {
        var lower = name.ToLowerInvariant();
        return References.FirstOrDefault(r => r.Keys.Any(k => lower.Contains(k, StringComparison.Ordinal))).Name;
    }

    /// <summary>Writes <c>ratios.md</c> and <c>ratios.svg</c> into <paramref name="folder"/>; returns their paths, or null when no row was measured.</summary>
    public static (string Markdown, string Chart)? Write(IReadOnlyList<Row> rows, string folder)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        var markdown = Path.Combine(folder, "ratios.md");
        File.WriteAllText(markdown, Markdown(rows));
        var chart = Path.Combine(folder, "ratios.svg");
        File.WriteAllText(chart, Svg(rows));
        return (markdown, chart);
    }

    public static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder()
            .AppendLine("# The ratios that matter")
            .AppendLine()
            .AppendLine("Each library case against the references measured in the same group (same class, category and parameters):")
            .AppendLine("the memory floor (reading the data and nothing else), numpy, the naive code a team would write, DuckDB.")
            .AppendLine("*× reference* is the library's mean time over the reference's: below 1 the library is faster.")
            .AppendLine()
            .AppendLine("| class | parameters | library case | against | library | reference | × reference |")
            .AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            text.Append(Invariant, $"| {row.Class} | {row.Parameters} | {row.Library.Replace("|", "\\|", StringComparison.Ordinal)} | {row.Against.Replace("|", "\\|", StringComparison.Ordinal)} | {Time(row.LibraryNs)} | {Time(row.ReferenceNs)} | {Ratio(row.Ratio)} |").AppendLine();
        }

        return text.ToString();
    }

    /// <summary>"0.17 (5.9× faster)", "5.4 (5.4× slower)".</summary>
    public static string Ratio(double ratio) => ratio < 1
        ? string.Create(Invariant, $"{ratio:0.###} ({1 / ratio:0.#}× faster)")
        : string.Create(Invariant, $"{ratio:0.##} ({ratio:0.#}× slower)");

    public static string Time(double ns) => ns switch
    {
        >= 1e9 => string.Create(Invariant, $"{ns / 1e9:0.00} s"),
        >= 1e6 => string.Create(Invariant, $"{ns / 1e6:0.00} ms"),
        >= 1e3 => string.Create(Invariant, $"{ns / 1e3:0.00} µs"),
        _ => string.Create(Invariant, $"{ns:0.0} ns"),
    };

    /// <summary>A horizontal bar per row on a log scale of the ratio, a line at 1, colored by reference, with axes and a legend.</summary>
    public static string Svg(IReadOnlyList<Row> rows)
    {
        const int Left = 560, Right = 30, Top = 40, Bar = 16, Gap = 6, Bottom = 60, Width = 1120;
        var low = Math.Floor(Math.Log10(Math.Min(0.1, rows.Min(r => r.Ratio))));
        var high = Math.Ceiling(Math.Log10(Math.Max(10, rows.Max(r => r.Ratio))));
        var height = Top + (rows.Count * (Bar + Gap)) + Bottom;
        double X(double ratio) => Left + ((Math.Log10(ratio) - low) / (high - low) * (Width - Left - Right));
        var svg = new StringBuilder()
            .Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"11\">")
            .Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        var legendX = Left;
        foreach (var (name, color, _) in References)
        {
            svg.Append(Invariant, $"<rect x=\"{legendX}\" y=\"10\" width=\"11\" height=\"11\" fill=\"{color}\"/><text x=\"{legendX + 15}\" y=\"20\">against {name}</text>");
            legendX += 120;
        }

        for (var e = low; e <= high; e++)
        {
            var x = X(Math.Pow(10, e));
            svg.Append(Invariant, $"<line x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top - 4}\" y2=\"{height - Bottom + 4}\" stroke=\"{(e == 0 ? "#222" : "#ddd")}\"/>")
                .Append(Invariant, $"<text x=\"{x:0.#}\" y=\"{height - Bottom + 18}\" text-anchor=\"middle\">{Math.Pow(10, e).ToString("0.###", Invariant)}</text>");
        }

        svg.Append(Invariant, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{height - 18}\" text-anchor=\"middle\">library time ÷ reference time (log scale; left of 1 the library is faster)</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = Top + (i * (Bar + Gap));
            var color = References.First(r => r.Name == row.Reference).Color;
            var (a, b) = (X(Math.Min(1, row.Ratio)), X(Math.Max(1, row.Ratio)));
            var label = $"{row.Class.Replace("Benchmarks", string.Empty, StringComparison.Ordinal)} {row.Parameters}: {row.Library}";
            if (label.Length > 90)
            {
                label = label[..89] + "…";
            }

            svg.Append(Invariant, $"<text x=\"{Left - 6}\" y=\"{y + 12}\" text-anchor=\"end\">{WebUtility.HtmlEncode(label)}</text>")
                .Append(Invariant, $"<rect x=\"{a:0.#}\" y=\"{y}\" width=\"{Math.Max(1, b - a):0.#}\" height=\"{Bar}\" fill=\"{color}\"><title>{WebUtility.HtmlEncode(Ratio(row.Ratio))} against {WebUtility.HtmlEncode(row.Against)}</title></rect>")
                .Append(Invariant, $"<text x=\"{b + 4:0.#}\" y=\"{y + 12}\">{row.Ratio.ToString(row.Ratio < 1 ? "0.###" : "0.#", Invariant)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }
}
