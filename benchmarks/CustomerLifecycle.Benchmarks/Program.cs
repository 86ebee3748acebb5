using BenchmarkDotNet.Running;
using CustomerLifecycle.Benchmarks;

// Run everything at the default sizes:  dotnet run -c Release --project benchmarks/CustomerLifecycle.Benchmarks -- --filter '*' --job short
// --large adds the large sizes (1,000,000 accounts, 100,000,000 usage events, 10,000,000 streamed accounts, Parquet at
// 100 and 300 million events): hours, not minutes. It is ours, not BenchmarkDotNet's, and is taken out before the rest
// of the arguments go to BenchmarkDotNet; the benchmark processes learn it from CUSTOMERLIFECYCLE_BENCH_LARGE.
if (args.Contains("--large"))
{
    Environment.SetEnvironmentVariable(BenchmarkSizes.LargeVariable, "1");
    args = [.. args.Where(a => a != "--large")];
}

SuiteRun.JobGiven = args.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToArray();
if (summaries.Length == 0)
{
    return;
}

// At the end, where a reader looks: the ratios that matter, and why any row or size is missing.
var rows = RatioSummary.Rows(summaries);
var written = RatioSummary.Write(rows, summaries[0].ResultsDirectoryPath);
Console.WriteLine();
Console.WriteLine("// * The ratios that matter (library time ÷ reference time; below 1 the library is faster) *");
foreach (var row in rows)
{
    Console.WriteLine($"{row.Class} {row.Parameters}: {row.Library} against {row.Against}: {RatioSummary.Ratio(row.Ratio)}");
}

if (written is { } files)
{
    Console.WriteLine($"Written as a table to {files.Markdown} and as a chart to {files.Chart}.");
}

Console.WriteLine();
Console.WriteLine("// * Notes: what this run left out *");
Console.WriteLine(BenchmarkSizes.Describe());
foreach (var note in SuiteRun.Notes)
{
    Console.WriteLine(note);
}

foreach (var failed in summaries.SelectMany(s => s.Reports).Where(r => !r.Success))
{
    Console.WriteLine($"{failed.BenchmarkCase.DisplayInfo}: no result (it failed; its log is above and in {summaries[0].LogFilePath}).");
}

public partial class Program;
