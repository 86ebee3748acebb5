using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.Forecasting;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Monte-Carlo renewal simulation: 10,000 renewals × 10,000 trials, against a plain loop with <see cref="Random"/>
/// and no parallelism (the baseline).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SimulationBenchmarks
{
    private RenewalForecast _simulated = null!;

    [GlobalSetup]
    public void Setup()
    {
        var forecaster = new RenewalForecaster(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default));
        _simulated = forecaster.Forecast(ForecastingBenchmarks.Renewals(10_000), ForecastingBenchmarks.Year);
    }

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
