using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.Forecasting;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// What drives churn, and do groups retain differently, at the sizes: a Cox fit of 100,000 subjects × 10
/// covariates (Efron ties, times in whole days, so many ties), against one pass over the data that computes the
/// sums a single likelihood evaluation needs (the floor of any fit: Newton–Raphson makes one such pass per iteration);
/// the same subjects as 200,000 start–stop rows (each split at half its time, as a health score that changed once),
/// against the same floor; and the log-rank test of three groups over 1,000,000 subjects, against copying and sorting
/// their times (its floor).
/// <c>CUSTOMERLIFECYCLE_BENCH_SMALL=1</c> divides the sizes by 100.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SurvivalModelBenchmarks
{
    private const int Covariates = 10;
    private SurvivalObservation[] _cox = null!;
    private CoxCovariate[] _covariates = null!;
    private CoxData _startStop = null!;
    private (int Group, SurvivalObservation Observation)[] _groups = null!;

    [GlobalSetup]
    public void Setup()
    {
        var scale = BenchmarkSizes.Small ? 100 : 1;
        var random = new Random(17);
        var n = 100_000 / scale;
        var columns = new double[Covariates][];
        for (var j = 0; j < Covariates; j++)
        {
            columns[j] = new double[n];
        }

        _cox = new SurvivalObservation[n];
        for (var i = 0; i < n; i++)
        {
            var eta = 0.0;
            for (var j = 0; j < Covariates; j++)
            {
                // Health factor points (0–100), seats, indicators: a mix of scales.
                var x = j switch { < 4 => random.Next(0, 101), < 7 => random.Next(1, 500) / 10.0, _ => random.Next(0, 2) };
                columns[j][i] = x;
                eta += (j % 2 == 0 ? 0.01 : -0.01) * x;
            }

            var churnDay = Math.Ceiling(-Math.Log(1 - random.NextDouble()) / (Math.Exp(eta) / 900));
            var censor = random.Next(30, 1500);
            _cox[i] = new SurvivalObservation(Math.Min(churnDay, censor), churnDay <= censor);
        }

        _covariates = [.. columns.Select((c, j) => new CoxCovariate($"x{j}", c))];

        // Each subject as two rows, (0, t/2] without the event and (t/2, t] with its status; the first covariate moves
        // by 10 points between them.
        var rows = new SurvivalObservation[2 * n];
        var entries = new double[2 * n];
        var split = new double[Covariates][];
        for (var j = 0; j < Covariates; j++)
        {
            split[j] = new double[2 * n];
        }

        for (var i = 0; i < n; i++)
        {
            var half = _cox[i].Time / 2;
            rows[2 * i] = new SurvivalObservation(half, false);
            rows[(2 * i) + 1] = _cox[i];
            entries[(2 * i) + 1] = half;
            for (var j = 0; j < Covariates; j++)
            {
                split[j][2 * i] = columns[j][i] + (j == 0 ? 10 : 0);
                split[j][(2 * i) + 1] = columns[j][i];
            }
        }

        _startStop = new CoxData(rows, [.. split.Select((c, j) => new CoxCovariate($"x{j}", c))]) { Entries = entries };
        _groups = new (int, SurvivalObservation)[1_000_000 / scale];
        for (var i = 0; i < _groups.Length; i++)
        {
            var group = i % 3;
            var churnDay = Math.Ceiling(-Math.Log(1 - random.NextDouble()) * (700 + (group * 50)));
            var censor = random.Next(30, 1500);
            _groups[i] = (group, new SurvivalObservation(Math.Min(churnDay, censor), churnDay <= censor));
        }
    }

    [Benchmark(Baseline = true, Description = "floor: sort by time, one pass of the risk-set sums")]
    [BenchmarkCategory("Cox")]
    public double CoxFloor()
    {
        var n = _cox.Length;
        var order = new int[n];
        var times = new double[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            times[i] = -_cox[i].Time;
        }

        Array.Sort(times, order);
        Span<double> s1 = stackalloc double[Covariates];
        Span<double> s2 = stackalloc double[Covariates * Covariates];
        var s0 = 0.0;
        foreach (var i in order)
        {
            s0 += 1;
            for (var a = 0; a < Covariates; a++)
            {
                var xa = _covariates[a].Values[i];
                s1[a] += xa;
                for (var b = 0; b <= a; b++)
                {
                    s2[(a * Covariates) + b] += xa * _covariates[b].Values[i];
                }
            }
        }

        return s0 + s1[0] + s2[0];
    }

    [Benchmark(Description = "CoxRegression.Fit (Efron)")]
    [BenchmarkCategory("Cox")]
    public CoxModel Cox() => CoxRegression.Fit(_cox, _covariates);

    [Benchmark(Description = "CoxRegression.Fit, 2 start–stop rows a subject (Efron)")]
    [BenchmarkCategory("Cox")]
    public CoxModel CoxStartStop() => CoxRegression.Fit(_startStop);

    [Benchmark(Baseline = true, Description = "floor: copy and sort the times")]
    [BenchmarkCategory("LogRank")]
    public double LogRankFloor()
    {
        var times = new double[_groups.Length];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = _groups[i].Observation.Time;
        }

        Array.Sort(times);
        return times[^1];
    }

    [Benchmark(Description = "LogRankTest.Compare (three groups)")]
    [BenchmarkCategory("LogRank")]
    public LogRankResult<int> LogRank() => LogRankTest.Compare(_groups);
}
