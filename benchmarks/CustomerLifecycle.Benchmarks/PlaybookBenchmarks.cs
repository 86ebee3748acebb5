using BenchmarkDotNet.Attributes;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The playbook engine over 1,000 / 100,000 / 1,000,000 accounts against the eleven default playbooks, into a fresh in-memory store.
/// Baseline: a day on which nothing changed (no occurrence: the fixed cost of looking). Against it, a day on which
/// about 3 % of the accounts trigger a playbook: the extra time and allocation are those of the runs created.
/// </summary>
[MemoryDiagnoser]
public class PlaybookBenchmarks
{
    private static readonly LocalDate Today = new(2026, 11, 22);
    private PortfolioSnapshot _yesterday = null!;
    private PortfolioSnapshot _quietToday = null!;
    private PortfolioSnapshot _busyToday = null!;
    private BusinessClock _clock = null!;

    /// <summary>1,000 / 100,000 / 1,000,000, or as <see cref="BenchmarkSizes.Accounts"/> says.</summary>
    public static IEnumerable<int> Sizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (quiet, busy) = PlaybookDays.Create(Accounts, Today);
        _yesterday = new PortfolioSnapshot(Today.PlusDays(-1), quiet);
        _quietToday = new PortfolioSnapshot(Today, quiet);
        _busyToday = new PortfolioSnapshot(Today, busy);
        _clock = new BusinessClock(SystemClock.Instance, DateTimeZone.Utc);
    }

    [Benchmark(Baseline = true, Description = "a quiet day: no occurrence")]
    public int QuietDay() => Evaluate(_quietToday);

    [Benchmark(Description = "a busy day: ~3 % of accounts trigger")]
    public int BusyDay() => Evaluate(_busyToday);

    private int Evaluate(PortfolioSnapshot today)
    {
        var engine = new PlaybookEngine(DefaultPlaybooks.All, new InMemoryPlaybookRunStore(), _clock);
        return engine.EvaluateAsync(_yesterday, today).GetAwaiter().GetResult().Created.Count;
    }
}

/// <summary>
/// The playbook benchmarks' portfolio: a quiet day (a third Yellow, the rest Green, no change) and a busy one, on which
/// one account in 33 turned Red and one in 33 crossed 75 % seat use.
/// </summary>
internal static class PlaybookDays
{
    public static (AccountSnapshot[] Quiet, AccountSnapshot[] Busy) Create(int accounts, LocalDate today)
    {
        var random = new Random(5);
        var quiet = new AccountSnapshot[accounts];
        var busy = new AccountSnapshot[accounts];
        for (var i = 0; i < accounts; i++)
        {
            var renewal = today.PlusDays(100 + random.Next(300));
            var account = new Account
            {
                Id = new AccountId("acct-" + i),
                Name = "Account " + i,
                Owner = "csm-" + (i % 40),
                CustomerSince = today.PlusDays(-400 - random.Next(1000)),
                Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(random.Next(1_000, 150_000), "USD"), 100),
                Stage = CustomerLifecycle.Stages.DefaultLifecycleStages.Adoption,
                Signals = SignalSet.Create(new Signal(WellKnownSignals.ActiveSeats, random.Next(0, 70)), new Signal(WellKnownSignals.DaysSinceLastLogin, random.Next(0, 20))),
            };
            string[] segments = i % 3 == 0 ? [DefaultSegments.TechTouch] : [DefaultSegments.LowTouch];
            var color = random.Next(3) == 0 ? HealthColor.Yellow : HealthColor.Green;
            quiet[i] = new AccountSnapshot(account, Health(color), segments);
            busy[i] = (i % 33) switch
            {
                0 => new AccountSnapshot(account, Health(HealthColor.Red), segments),
                1 => new AccountSnapshot(account with { Signals = account.Signals.With(WellKnownSignals.ActiveSeats, 80) }, Health(color), segments),
                _ => quiet[i],
            };
        }

        return (quiet, busy);

        static HealthScore Health(HealthColor color) => new() { Value = color == HealthColor.Red ? 20 : 80, Color = color, Confidence = 1, ScorecardId = "bench" };
    }
}
