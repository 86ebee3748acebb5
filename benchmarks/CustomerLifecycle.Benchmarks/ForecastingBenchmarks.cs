using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Forecasting's hot paths at 1,000 / 100,000 / 1,000,000 accounts, each with a baseline in its category.
/// <c>Forecast</c>: renewals through the CSM-call → health-band chain, against obvious LINQ code computing the same
/// totals. <c>KaplanMeier</c>: one subject per account, against sorting their times alone (the floor).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class ForecastingBenchmarks
{
    internal static readonly DateInterval Year = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 12, 31));
    private RenewalCase[] _renewals = null!;
    private RenewalForecaster _forecaster = null!;
    private SurvivalObservation[] _subjects = null!;

    /// <summary>1,000 / 100,000 / 1,000,000, or as <see cref="BenchmarkSizes.Accounts"/> says.</summary>
    public static IEnumerable<int> Sizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        _renewals = Renewals(Accounts);
        _forecaster = new RenewalForecaster(new ChainProbabilityModel(CsmCallProbabilityModel.Default, HealthBandProbabilityModel.Default));
        _subjects = new SurvivalObservation[Accounts];
        for (var i = 0; i < _subjects.Length; i++)
        {
            _subjects[i] = new SurvivalObservation(random.Next(0, 1500), random.NextDouble() < 0.3);
        }
    }

    /// <summary>A seeded book of renewals in 2027: contracts of 1,000–150,000 in USD and EUR, health, segments and CSM calls.</summary>
    internal static RenewalCase[] Renewals(int count)
    {
        var random = new Random(11);
        string?[] calls = [null, null, null, "Commit", "AtRisk", "Probable"];
        var renewals = new RenewalCase[count];
        for (var i = 0; i < renewals.Length; i++)
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
            renewals[i] = new RenewalCase(account, new HealthScore { Value = score, ScorecardId = "bench" }, "S" + (i % 7), calls[random.Next(calls.Length)]);
        }

        return renewals;
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

    [Benchmark(Description = "RenewalForecaster.Forecast")]
    [BenchmarkCategory("Forecast")]
    public RenewalForecast Forecast() => _forecaster.Forecast(_renewals, Year);

    [Benchmark(Baseline = true, Description = "floor: copy and sort the times")]
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

    [Benchmark(Description = "KaplanMeier.Fit")]
    [BenchmarkCategory("KaplanMeier")]
    public KaplanMeierCurve KaplanMeierFit() => KaplanMeier.Fit(_subjects);
}

internal sealed record ObviousLine(string? Owner, string? Segment, string Month, string Currency, decimal Arr, decimal Expected, decimal Churn);
