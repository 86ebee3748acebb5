using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The scoring hot path against what a data team would write, in one run on one data file: the memory floor (the
/// baseline), the library over columns and over <see cref="Account"/> objects, the naive code (a dictionary per
/// account and LINQ) and numpy (when <c>python3</c> with numpy is installed; left out, with the reason printed,
/// otherwise). Setup checks that every implementation agrees with the library on every row. The data file is
/// generated once and reused by every process and every later run (<see cref="ScoringData"/>), so this class is
/// also the quick run of the scoring path: 1,000,000 accounts unless <c>CUSTOMERLIFECYCLE_BENCH_ACCOUNTS</c> says
/// otherwise.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(NumpyWhenInstalled))]
public class ScoringComparisonBenchmarks
{
    private double[][] _columns = null!;
    private SignalMatrix _matrix = null!;
    private Account[] _accounts = null!;
    private Dictionary<string, double>[] _dictionaries = null!;
    private HealthScorer _scorer = null!;
    private HealthScorer _choosing = null!;
    private HealthScore[] _results = null!;
    private double[] _scores = null!;
    private HealthColor?[] _colors = null!;
    private (double?, string?)[] _naive = null!;
    private ObviousScorer _obvious = null!;
    private NumpyProcess? _numpy;

    /// <summary>1,000,000 accounts, or as <c>CUSTOMERLIFECYCLE_BENCH_ACCOUNTS</c> / <c>_SMALL</c> say.</summary>
    public static IEnumerable<int> Sizes =>
        Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_ACCOUNTS") is { Length: > 0 } || BenchmarkSizes.Small ? BenchmarkSizes.Accounts : [1_000_000];

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    /// <summary>What every benchmark reads: the data file's columns, the matrix, and the library's scores of it.</summary>
    [GlobalSetup(Targets = [nameof(MemoryFloor), nameof(LibraryColumns), nameof(LibraryColumnsParallel)])]
    public void Setup()
    {
        _columns = Loaded.Columns(Accounts);
        _matrix = new SignalMatrix(Accounts, Portfolio.Keys);
        for (var k = 0; k < Portfolio.Keys.Length; k++)
        {
            _matrix.SetColumn(Portfolio.Keys[k], _columns[k]);
        }

        _scorer = new HealthScorer(Portfolio.EightFactors(), SystemClock.Instance);
        _results = new HealthScore[Accounts];
        _scores = new double[Accounts];
        _colors = new HealthColor?[Accounts];
        _scorer.ScoreBatch(_matrix, _scores, _colors);
    }

    /// <summary>Each process builds only what its benchmark reads, and checks it against the library's columns on every row.</summary>
    [GlobalSetup(Targets = [nameof(LibraryAccounts), nameof(LibraryAccountsParallel)])]
    public void SetupAccounts()
    {
        Setup();
        _accounts = Loaded.Accounts(Accounts, _columns);
        _scorer.ScoreBatch(_accounts, _results);
        CheckResultsAgainstColumns("accounts");
    }

    /// <summary>Throws unless <c>_results</c> holds the columns' scores and colors, bit for bit, on every row.</summary>
    private void CheckResultsAgainstColumns(string who)
    {
        for (var i = 0; i < Accounts; i++)
        {
            if (BitConverter.DoubleToInt64Bits(_results[i].Value ?? double.NaN) != BitConverter.DoubleToInt64Bits(_scores[i]) || _results[i].Color != _colors[i])
            {
                throw new InvalidOperationException($"Account {i}: {who} {_results[i].Value}/{_results[i].Color}, columns {_scores[i]}/{_colors[i]}.");
            }
        }
    }

    /// <summary>
    /// The accounts scored by a scorer that chooses each account's scorecard by its stage, as <c>AddHealthScoring</c>
    /// configures one by default (the onboarding scorecard for accounts in Onboarding). The portfolio's accounts have no
    /// stage, so every one takes the same scorecard and the scores are the columns' own: what this measures is the choice.
    /// </summary>
    [GlobalSetup(Target = nameof(LibraryAccountsChoosingScorecards))]
    public void SetupChoosing()
    {
        SetupAccounts();
        _choosing = new HealthScorer(
            new ScorecardResolver(Portfolio.EightFactors(), [Scorecard.Onboarding], [new ScorecardSelector("onboarding", 100, Stage: DefaultLifecycleStages.Onboarding)]),
            SystemClock.Instance);
        _choosing.ScoreBatch(_accounts, _results);
        CheckResultsAgainstColumns("accounts through a selector");
    }

    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive()
    {
        Setup();
        _obvious = new ObviousScorer();
        _naive = new (double?, string?)[Accounts];
        _dictionaries = new Dictionary<string, double>[Accounts];
        for (var i = 0; i < Accounts; i++)
        {
            var signals = new Dictionary<string, double>();
            for (var k = 0; k < Portfolio.Keys.Length; k++)
            {
                if (!double.IsNaN(_columns[k][i]))
                {
                    signals[Portfolio.Keys[k].Name] = _columns[k][i];
                }
            }

            _dictionaries[i] = signals;
            var (score, color) = _obvious.Score(signals);
            Check("naive", i, score ?? double.NaN, color);
        }
    }

    [GlobalSetup(Target = nameof(Numpy))]
    public void SetupNumpy()
    {
        Setup();
        var results = Path.GetTempFileName();
        _numpy = NumpyProcess.Start(ScoringData.File(Accounts), results);
        var bytes = File.ReadAllBytes(results);
        File.Delete(results);
        for (var i = 0; i < Accounts; i++)
        {
            var score = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * 8));
            string? color = bytes[(Accounts * 8) + i] switch { 1 => "Red", 2 => "Yellow", 3 => "Green", _ => null };
            Check("numpy", i, score, color);
        }
    }

    [GlobalCleanup(Target = nameof(Numpy))]
    public void CleanupNumpy() => _numpy?.Dispose();

    [Benchmark(Baseline = true, Description = "memory floor: vector sum over the signal columns")]
    public double MemoryFloor() => Portfolio.SumColumns(_columns);

    [Benchmark(Description = "library: ScoreBatch(matrix) → score and color columns")]
    public void LibraryColumns() => _scorer.ScoreBatch(_matrix, _scores, _colors);

    [Benchmark(Description = "library: ScoreBatchParallel(matrix) → score and color columns")]
    public void LibraryColumnsParallel() => _scorer.ScoreBatchParallel(_matrix, _scores, _colors);

    [Benchmark(Description = "library: ScoreBatch(Account[])")]
    public void LibraryAccounts() => _scorer.ScoreBatch(_accounts, _results);

    [Benchmark(Description = "library: ScoreBatch(Account[]), scorecard chosen per account by stage")]
    public void LibraryAccountsChoosingScorecards() => _choosing.ScoreBatch(_accounts, _results);

    [Benchmark(Description = "library: ScoreBatchParallel(Account[])")]
    public void LibraryAccountsParallel() => _scorer.ScoreBatchParallel(_accounts, _results);

    [Benchmark(Description = "naive: dictionary + LINQ per account")]
    public void Naive()
    {
        for (var i = 0; i < _dictionaries.Length; i++)
        {
            _naive[i] = _obvious.Score(_dictionaries[i]);
        }
    }

    [Benchmark(Description = "numpy: vectorised over the same columns (python3)")]
    public void Numpy() => _numpy!.Run();

    private void Check(string who, int i, double score, string? color)
    {
        var expected = _scores[i];
        var agrees = double.IsNaN(expected) ? double.IsNaN(score) : Math.Abs(score - expected) <= 1e-9;

        // A score within round-off of a color edge may fall either side of it in code without the library's edge rule.
        var onEdge = Math.Abs(expected - 40) <= 1e-9 || Math.Abs(expected - 70) <= 1e-9;
        if (!agrees || (!onEdge && color != _colors[i]?.ToString()))
        {
            throw new InvalidOperationException($"Account {i}: {who} {score:R}/{color}, library {expected:R}/{_colors[i]}.");
        }
    }

    /// <summary>
    /// The data file's columns and the accounts built from them, kept for the process: with <c>--inProcess</c> (the
    /// quick run) every case runs in one process, and loading a million rows and building a million accounts once
    /// instead of per case saves about half a minute. Each case still checks its own results on every row.
    /// </summary>
    private static class Loaded
    {
        private static readonly Dictionary<int, double[][]> ColumnsBySize = [];
        private static readonly Dictionary<int, Account[]> AccountsBySize = [];

        public static double[][] Columns(int accounts)
        {
            lock (ColumnsBySize)
            {
                return ColumnsBySize.TryGetValue(accounts, out var columns) ? columns : ColumnsBySize[accounts] = ScoringData.Load(ScoringData.File(accounts));
            }
        }

        public static Account[] Accounts(int accounts, double[][] columns)
        {
            lock (AccountsBySize)
            {
                return AccountsBySize.TryGetValue(accounts, out var built) ? built : AccountsBySize[accounts] = ScoringData.Accounts(columns);
            }
        }
    }

    /// <summary>Leaves the numpy benchmark out, saying why, where <c>python3</c> with numpy is not installed.</summary>
    private sealed class NumpyWhenInstalled : ManualConfig
    {
        // BenchmarkDotNet builds the config more than once per process; probe and say it once.
        private static readonly Lazy<string?> Reason = new(() =>
        {
            var reason = NumpyProcess.Unavailable();
            if (reason is not null)
            {
                SuiteRun.Note($"numpy rows left out: {reason}");
            }

            return reason;
        });

        public NumpyWhenInstalled()
        {
            if (Reason.Value is not null)
            {
                AddFilter(new SimpleFilter(b => b.Descriptor.WorkloadMethod.Name != nameof(Numpy)));
            }
        }
    }
}

/// <summary>
/// The comparison's data: the seeded portfolio of <see cref="Portfolio"/> as ten little-endian float64 columns (NaN
/// for missing) after a header ("CLBENCH1", rows, columns), written once to the temporary directory and read by every
/// later process, in C# and in numpy alike.
/// </summary>
internal static class ScoringData
{
    private static ReadOnlySpan<byte> Magic => "CLBENCH1"u8;

    public static string File(int count, int seed = 42)
    {
        var directory = Path.Combine(Path.GetTempPath(), "customerlifecycle-bench");
        var path = Path.Combine(directory, $"portfolio-{count}-{seed}-v1.bin");
        if (System.IO.File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(directory);
        var rows = Portfolio.Values(count, seed);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        using (var stream = System.IO.File.Create(temporary))
        {
            stream.Write(Magic);
            Span<byte> header = stackalloc byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(header, count);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], Portfolio.Keys.Length);
            stream.Write(header);
            var column = new double[count];
            for (var k = 0; k < Portfolio.Keys.Length; k++)
            {
                for (var i = 0; i < count; i++)
                {
                    column[i] = rows[i][k];
                }

                stream.Write(MemoryMarshal.AsBytes(column.AsSpan()));
            }
        }

        // Another process may have written it meanwhile: the same seed gives the same bytes, so either copy is right.
        System.IO.File.Move(temporary, path, overwrite: true);
        return path;
    }

    public static double[][] Load(string path)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a benchmark data file; delete it to have it written again.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var keys = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        var columns = new double[keys][];
        for (var k = 0; k < keys; k++)
        {
            columns[k] = MemoryMarshal.Cast<byte, double>(bytes.AsSpan(16 + (k * count * 8), count * 8)).ToArray();
        }

        return columns;
    }

    /// <summary>An account per row, built in row order as an application loading them would.</summary>
    public static Account[] Accounts(double[][] columns)
    {
        var count = columns[0].Length;
        var accounts = new Account[count];
        Span<double> row = stackalloc double[columns.Length];
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < columns.Length; k++)
            {
                row[k] = columns[k][i];
            }

            accounts[i] = Portfolio.Account(i, row);
        }

        return accounts;
    }
}

/// <summary>numpy_scorer.py in a long-lived <c>python3</c>, so that a measurement is one scoring, not a process start.</summary>
internal sealed class NumpyProcess : IDisposable
{
    private readonly Process _process;

    private NumpyProcess(Process process) => _process = process;

    /// <summary>Null when <c>python3</c> can import numpy; otherwise why not.</summary>
    public static string? Unavailable()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(Python, "-c \"import numpy\"") { RedirectStandardError = true, UseShellExecute = false })!;
            var error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0 ? null : $"{Python} cannot import numpy ({error.Trim().Split('\n')[^1]}); install python3-numpy or set CUSTOMERLIFECYCLE_BENCH_PYTHON";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Python} could not be started ({e.Message})";
        }
    }

    /// <summary><c>CUSTOMERLIFECYCLE_BENCH_PYTHON</c>, else <c>python3</c>.</summary>
    private static string Python => Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_BENCH_PYTHON") is { Length: > 0 } python ? python : "python3";

    public static NumpyProcess Start(string data, string results)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "numpy_scorer.py");
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(data);
        info.ArgumentList.Add(results);
        var process = Process.Start(info)!;
        var numpy = new NumpyProcess(process);
        numpy.Expect("ready");
        return numpy;
    }

    public void Run()
    {
        _process.StandardInput.WriteLine("run");
        Expect("done");
    }

    public void Dispose()
    {
        _process.StandardInput.WriteLine("exit");
        _process.WaitForExit(10_000);
        _process.Dispose();
    }

    private void Expect(string answer)
    {
        var line = _process.StandardOutput.ReadLine();
        if (line != answer)
        {
            throw new InvalidOperationException($"numpy_scorer.py answered '{line}' instead of '{answer}' (exit code {(_process.HasExited ? _process.ExitCode : "none yet")}).");
        }
    }
}
