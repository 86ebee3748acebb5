using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The peak working set of the process that ran a benchmark. BenchmarkDotNet runs each benchmark case in a process of
/// its own, so the process's peak is the case's peak (its setup and every iteration included). The benchmark records
/// it in its global cleanup; the column reads it back when the summary is printed.
/// </summary>
public sealed class PeakWorkingSetColumn : IColumn
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "customerlifecycle-benchmarks", "peak-working-set");

    public string Id => nameof(PeakWorkingSetColumn);

    public string ColumnName => "Peak WS";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Size;

    public string Legend => "Peak working set of the benchmark's process (setup and all iterations)";

    /// <summary>Called by a benchmark's global cleanup, in the benchmark's process.</summary>
    /// <param name="method">The benchmark method.</param>
    /// <param name="parameters">The case's parameter values, in the class's order.</param>
    public static void Record(string method, params object[] parameters)
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var process = Process.GetCurrentProcess();
        File.WriteAllText(Path.Combine(Directory, $"{method}-{string.Join('-', parameters.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture)))}.txt"), process.PeakWorkingSet64.ToString(CultureInfo.InvariantCulture));
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var values = benchmarkCase.Parameters.Items.Select(p => Convert.ToString(p.Value, CultureInfo.InvariantCulture));
        var file = Path.Combine(Directory, $"{benchmarkCase.Descriptor.WorkloadMethod.Name}-{string.Join('-', values)}.txt");
        return File.Exists(file) && long.TryParse(File.ReadAllText(file), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes)
            ? (bytes / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture) + " MB"
            : "?";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <summary>Adds the column to a benchmark class: <c>[Config(typeof(PeakWorkingSetColumn.Config))]</c>.</summary>
    public sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PeakWorkingSetColumn());
    }
}
