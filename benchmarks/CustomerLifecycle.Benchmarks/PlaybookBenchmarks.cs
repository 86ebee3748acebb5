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

    [Params(1_000, 100_000, 1_000_000)]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        var before = new AccountSnapshot[Accounts];
        var quiet = new AccountSnapshot[Accounts];
        var busy = new AccountSnapshot[Accounts];
        for (var i = 0; i < Accounts; i++)
        {
            var renewal = Today.PlusDays(100 + random.Next(300));
            var account = new Account
            {
                Id = new AccountId("acct-" + i),
                Name = "Account " + i,
                Owner = "csm-" + (i % 40),
                CustomerSince = Today.PlusDays(-400 - random.Next(1000)),
                Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(random.Next(1_000, 150_000), "USD"), 100),
                Stage = CustomerLifecycle.Stages.DefaultLifecycleStages.Adoption,
                Signals = SignalSet.Create(new Signal(WellKnownSignals.ActiveSeats, random.Next(0, 70)), new Signal(WellKnownSignals.DaysSinceLastLogin, random.Next(0, 20))),
            };
            string[] segments = i % 3 == 0 ? [DefaultSegments.TechTouch] : [DefaultSegments.LowTouch];
            var color = random.Next(3) == 0 ? HealthColor.Yellow : HealthColor.Green;
            before[i] = new AccountSnapshot(account, Health(color), segments);
            quiet[i] = before[i];
            busy[i] = (i % 33) switch
            {
                0 => new AccountSnapshot(account, Health(HealthColor.Red), segments),
                1 => new AccountSnapshot(account with { Signals = account.Signals.With(WellKnownSignals.ActiveSeats, 80) }, Health(color), segments),
                _ => before[i],
            };
        }

        _yesterday = new PortfolioSnapshot(Today.PlusDays(-1), before);
        _quietToday = new PortfolioSnapshot(Today, quiet);
        _busyToday = new PortfolioSnapshot(Today, busy);
        _clock = new BusinessClock(SystemClock.Instance, DateTimeZone.Utc);

        static HealthScore Health(HealthColor color) => new() { Value = color == HealthColor.Red ? 20 : 80, Color = color, Confidence = 1, ScorecardId = "bench" };
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
