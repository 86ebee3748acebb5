using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The scoring hot path: one account, and portfolios of 1,000 / 100,000 / 1,000,000 accounts × 8 factors (bands, linear mappings,
/// nested weights, ~10 % missing data, colors). Each category has its baseline: the obvious code for one account;
/// for the batch, the obvious code, and the memory floor (a vector sum over the same signal columns).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class HealthScoringBenchmarks
{
    private ObviousScorer _obvious = null!;
    private Dictionary<string, double>[] _dictionaries = null!;
    private Account[] _accounts = null!;
    private SignalMatrix _matrix = null!;
    private HealthScorer _scorer = null!;
    private HealthScore[] _results = null!;
    private double[] _scores = null!;
    private HealthColor?[] _colors = null!;
    private (double?, string?)[] _obviousResults = null!;
    private double[][] _columns = null!;

    /// <summary>1,000 / 100,000 / 1,000,000, or as <see cref="BenchmarkSizes.Accounts"/> says.</summary>
    public static IEnumerable<int> Sizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var values = Portfolio.Values(Accounts);
        _accounts = Portfolio.Accounts(values);
        _matrix = Portfolio.Matrix(values);
        _columns = [.. Portfolio.Keys.Select(k => _matrix.GetColumn(k).ToArray())];
        _dictionaries = [.. _accounts.Select(a => a.Signals.ToDictionary(s => s.Key.Name, s => s.Value))];
        _scorer = new HealthScorer(Portfolio.EightFactors(), SystemClock.Instance);
        _obvious = new ObviousScorer();
        _results = new HealthScore[Accounts];
        _scores = new double[Accounts];
        _colors = new HealthColor?[Accounts];
        _obviousResults = new (double?, string?)[Accounts];

        // The two implementations must agree, or the comparison means nothing.
        for (var i = 0; i < Math.Min(Accounts, 10_000); i++)
        {
            var fast = _scorer.Score(_accounts[i]);
            var (slow, color) = _obvious.Score(_dictionaries[i]);
            if (Math.Abs((fast.Value ?? -1) - (slow ?? -1)) > 1e-9 || fast.Color?.ToString() != color)
            {
                throw new InvalidOperationException($"Account {i}: library {fast.Value}/{fast.Color}, obvious {slow}/{color}.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "obvious: dictionary + LINQ, one account")]
    [BenchmarkCategory("Single")]
    public (double?, string?) SingleObvious() => _obvious.Score(_dictionaries[12345 % Accounts]);

    [Benchmark(Description = "HealthScorer.Score(account)")]
    [BenchmarkCategory("Single")]
    public HealthScore SingleLibrary() => _scorer.Score(_accounts[12345 % Accounts]);

    [Benchmark(Baseline = true, Description = "obvious: dictionary + LINQ per account")]
    [BenchmarkCategory("Batch")]
    public void BatchObvious()
    {
        for (var i = 0; i < _dictionaries.Length; i++)
        {
            _obviousResults[i] = _obvious.Score(_dictionaries[i]);
        }
    }

    [Benchmark(Description = "memory floor: vector sum over the signal columns")]
    [BenchmarkCategory("Batch")]
    public double BatchMemoryFloor() => Portfolio.SumColumns(_columns);

    [Benchmark(Description = "ScoreBatch(accounts)")]
    [BenchmarkCategory("Batch")]
    public void BatchAccounts() => _scorer.ScoreBatch(_accounts, _results);

    [Benchmark(Description = "ScoreBatch(matrix)")]
    [BenchmarkCategory("Batch")]
    public void BatchMatrix() => _scorer.ScoreBatch(_matrix, _results);

    [Benchmark(Description = "ScoreBatch(matrix) → score and color columns")]
    [BenchmarkCategory("Batch")]
    public void BatchMatrixColumns() => _scorer.ScoreBatch(_matrix, _scores, _colors);

    [Benchmark(Description = "ScoreBatchParallel(matrix) → score and color columns")]
    [BenchmarkCategory("Batch")]
    public void BatchMatrixColumnsParallel() => _scorer.ScoreBatchParallel(_matrix, _scores, _colors);

    [Benchmark(Description = "ScoreBatchParallel(matrix)")]
    [BenchmarkCategory("Batch")]
    public void BatchMatrixParallel() => _scorer.ScoreBatchParallel(_matrix, _results);

    [Benchmark(Description = "ScoreBatchParallel(accounts)")]
    [BenchmarkCategory("Batch")]
    public void BatchAccountsParallel() => _scorer.ScoreBatchParallel(_accounts, _results);
}
