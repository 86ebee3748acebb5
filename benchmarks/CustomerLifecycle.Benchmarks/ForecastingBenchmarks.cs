using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Forecasting's heavy paths, each with a baseline in its category. <c>Forecast</c>: 100,000 renewals through the
/// CSM-call → health-band chain, against obvious LINQ code computing the same totals. <c>KaplanMeier</c>: 1,000,000
/// subjects, against sorting their times alone (the floor). <c>Simulation</c>: 10,000 renewals × 10,000 trials,
/// against a plain loop with <see cref="Random"/> and no parallelism.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ForecastingBenchmarks
{
    private static readonly DateInterval Year = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 12, 31));
    private RenewalCase[] _renewals = null!;
    private RenewalForecaster _forecaster = null!;
    private SurvivalObservation[] _subjects = null!;
    private RenewalForecast _simulated = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        string?[] calls = [null, null, null, "Commit", "AtRisk", "Probable"];
        _renewals = new RenewalCase[100_000];
        for (var i = 0; i < _renewals.Length; i++)
        {
            var renewal = new LocalDate(2027, 1, 1).PlusDays(random.Next(365));
            var account = new Account
            {
                Id = new AccountId("acct-" + i),
                Name = "Account " + i,
                Owner = "csm-" + (i % 40),
                Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(random.Next(1_000, 150_000), i % 5 == 0 ? "EUR" : "USD")),
            };
            var score = random.Next(0, 101);
            _renewals[i] = new RenewalCase(account, new HealthScore { Value = score, ScorecardId = "bench" }, "S" + (i % 7), calls[random.Next(calls.Length)]);
        }

        _forecaster = new RenewalForecaster(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default));
        _simulated = _forecaster.Forecast(_renewals.AsSpan(0, 10_000).ToArray(), Year);
        _subjects = new SurvivalObservation[1_000_000];
        for (var i = 0; i < _subjects.Length; i++)
        {
            _subjects[i] = new SurvivalObservation(random.Next(0, 1500), random.NextDouble() < 0.3);
        }
    }

    [Benchmark(Baseline = true, Description = "obvious: LINQ totals per currency, month, owner, segment")]
    [BenchmarkCategory("Forecast")]
    public int ForecastObvious()
    {
        var lines = _renewals.Select(r =>
        {
            var p = r.CsmCall switch { "Commit" => 1.0, "Probable" => 0.8, "AtRisk" => 0.0, _ => r.Health!.Value.Value >= 70 ? 0.92 : r.Health!.Value.Value >= 40 ? 0.70 : 0.35 };
            var arr = r.Contract.AnnualRecurringRevenue;
            return new ObviousLine(r.Account.Owner, r.Segment, r.Contract.RenewalDate.ToString("uuuu-MM", null), arr.Currency.Code, arr.Amount, arr.Amount * (decimal)p, arr.Amount * (1 - (decimal)p));
        }).ToList();
        var groups = 0;
        foreach (var key in new Func<ObviousLine, string?>[] { l => l.Currency, l => l.Month, l => l.Owner, l => l.Segment })
        {
            groups += lines.GroupBy(l => (key(l), l.Currency)).Select(g => (g.Key, Arr: g.Sum(x => x.Arr), Expected: g.Sum(x => x.Expected), Churn: g.Sum(x => x.Churn))).Count();
        }

        return groups;
    }

    [Benchmark(Description = "RenewalForecaster.Forecast, 100,000 renewals")]
    [BenchmarkCategory("Forecast")]
    public RenewalForecast Forecast() => _forecaster.Forecast(_renewals, Year);

    [Benchmark(Baseline = true, Description = "floor: sort 1,000,000 times")]
    [BenchmarkCategory("KaplanMeier")]
    public double KaplanMeierFloor()
    {
        var times = new double[_subjects.Length];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = _subjects[i].Time;
        }

        Array.Sort(times);
        return times[^1];
    }

    [Benchmark(Description = "KaplanMeier.Fit, 1,000,000 subjects")]
    [BenchmarkCategory("KaplanMeier")]
    public KaplanMeierCurve KaplanMeierFit() => KaplanMeier.Fit(_subjects);

    [Benchmark(Baseline = true, Description = "obvious: System.Random loop, one thread")]
    [BenchmarkCategory("Simulation")]
    public double SimulationObvious()
    {
        var random = new Random(1);
        var lines = _simulated.Lines;
        var outcomes = new double[10_000];
        for (var trial = 0; trial < outcomes.Length; trial++)
        {
            var sum = 0.0;
            foreach (var line in lines)
            {
                if (random.NextDouble() < line.Probability)
                {
                    sum += (double)line.Contracted.Amount;
                }
            }

            outcomes[trial] = sum;
        }

        Array.Sort(outcomes);
        return outcomes[5_000];
    }

    [Benchmark(Description = "RenewalSimulation.Run, 10,000 renewals × 10,000 trials")]
    [BenchmarkCategory("Simulation")]
    public RenewalSimulationResult Simulation() => RenewalSimulation.Run(_simulated, 10_000, 7);
}

internal sealed record ObviousLine(string? Owner, string? Segment, string Month, string Currency, decimal Arr, decimal Expected, decimal Churn);
