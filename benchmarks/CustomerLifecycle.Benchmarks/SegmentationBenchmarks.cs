using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Segmentation at 1,000 / 100,000 / 1,000,000 accounts. <c>Rule</c>: one configured text rule against the same rule
/// written as a C# lambda (the baseline); <c>Arithmetic</c> likewise for a rule with arithmetic. <c>Portfolio</c>: the 14 default segments, against the obvious code (a
/// list of lambdas and a list of names per account), into a reused buffer and as a full <see cref="SegmentEvaluation"/>.
/// Both also over a <see cref="SegmentPortfolio"/> (the same accounts in columns, gathered in setup).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[CategoriesColumn]
public class SegmentationBenchmarks
{
    private const string RuleText = "stage == \"Onboarding\" and tenure.days <= 90 or health.color == Red and signals.unresolved_tickets >= 3";

    private const string ArithmeticText = "signals.logins_30d < 0.5 * signals.active_seats or signals.unresolved_tickets / signals.logins_30d > 0.2";

    private static readonly StageId Onboarding = DefaultLifecycleStages.Onboarding;
    private static readonly SignalKey Logins = WellKnownSignals.Logins30Days;
    private static readonly SignalKey Active = WellKnownSignals.ActiveSeats;
    private static readonly SignalKey Unresolved = WellKnownSignals.UnresolvedTickets;

    private readonly Func<SegmentSubject, LocalDate, bool> _lambda = static (s, today) =>
        (s.Account.Stage == Onboarding && s.Account.TenureDays(today) <= 90)
        || (s.Health?.Color == HealthColor.Red && s.Account.Signals.TryGetValue(Unresolved, out var tickets) && tickets >= 3);

    private readonly Func<SegmentSubject, LocalDate, bool> _arithmeticLambda = static (s, today) =>
    {
        var signals = s.Account.Signals;
        var hasLogins = signals.TryGetValue(Logins, out var logins);
        return (hasLogins && signals.TryGetValue(Active, out var active) && logins < 0.5 * active)
            || (hasLogins && logins != 0 && signals.TryGetValue(Unresolved, out var tickets) && tickets / logins > 0.2);
    };

    private SegmentSubject[] _subjects = null!;
    private SegmentCatalog _arithmetic = null!;
    private SegmentPortfolio _arithmeticColumns = null!;
    private SegmentCatalog _textRule = null!;
    private SegmentCatalog _defaults = null!;
    private ulong[] _buffer = null!;
    private ObviousSegmenter _obvious = null!;
    private SegmentPortfolio _ruleColumns = null!;
    private SegmentPortfolio _defaultColumns = null!;

    /// <summary>1,000 / 100,000 / 1,000,000, or as <see cref="BenchmarkSizes.Accounts"/> says.</summary>
    public static IEnumerable<int> Sizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _subjects = SegmentationPortfolio.Subjects(Accounts);
        _textRule = SegmentCatalog.Create([new Segment("Rule", SegmentRule.Parse(RuleText))]);
        _defaults = SegmentCatalog.Default;
        _buffer = new ulong[_defaults.WordsPerAccount];
        _obvious = new ObviousSegmenter();

        var today = SegmentationPortfolio.Today;
        _ruleColumns = SegmentPortfolio.FromSubjects(_subjects, today, _textRule);
        _defaultColumns = SegmentPortfolio.FromSubjects(_subjects, today, _defaults);
        _arithmetic = SegmentCatalog.Create([new Segment("Arithmetic", SegmentRule.Parse(ArithmeticText))]);
        _arithmeticColumns = SegmentPortfolio.FromSubjects(_subjects, today, _arithmetic);
        var arithmeticByColumns = _arithmetic.Evaluate(_arithmeticColumns);

        // The implementations must agree, or the comparison means nothing.
        var byColumns = _textRule.Evaluate(_ruleColumns);
        var defaultsByColumns = _defaults.Evaluate(_defaultColumns);
        var defaultsByObjects = _defaults.Evaluate(_subjects.AsSpan(), today);
        for (var i = 0; i < _subjects.Length; i++)
        {
            if (_lambda(_subjects[i], today) != _textRule.Matches(0, _subjects[i], today) || byColumns.IsMember(i, 0) != _textRule.Matches(0, _subjects[i], today))
            {
                throw new InvalidOperationException($"Account {i}: the text rule, the lambda and the columns disagree.");
            }

            if (_arithmeticLambda(_subjects[i], today) != _arithmetic.Matches(0, _subjects[i], today) || arithmeticByColumns.IsMember(i, 0) != _arithmetic.Matches(0, _subjects[i], today))
            {
                throw new InvalidOperationException($"Account {i}: the arithmetic rule, its lambda and the columns disagree.");
            }

            for (var s = 0; s < _defaults.Segments.Count; s++)
            {
                if (defaultsByColumns.IsMember(i, s) != defaultsByObjects.IsMember(i, s))
                {
                    throw new InvalidOperationException($"Account {i}, segment {_defaults.Segments[s].Name}: columns and objects disagree.");
                }
            }

            if (i < 10_000)
            {
                var library = string.Join(",", _defaults.SegmentsOf(_subjects[i], today).Select(s => s.Name));
                var obvious = string.Join(",", _obvious.SegmentsOf(_subjects[i], today));
                if (library != obvious)
                {
                    throw new InvalidOperationException($"Account {i}: library {library}, obvious {obvious}.");
                }
            }
        }
    }

    [Benchmark(Baseline = true, Description = "rule as a C# lambda")]
    [BenchmarkCategory("Rule")]
    public int RuleAsLambda()
    {
        var today = SegmentationPortfolio.Today;
        var count = 0;
        foreach (var subject in _subjects)
        {
            count += _lambda(subject, today) ? 1 : 0;
        }

        return count;
    }

    [Benchmark(Description = "rule as configured text")]
    [BenchmarkCategory("Rule")]
    public int RuleAsText()
    {
        var today = SegmentationPortfolio.Today;
        var catalog = _textRule;
        var count = 0;
        foreach (ref readonly var subject in _subjects.AsSpan())
        {
            count += catalog.Matches(0, subject, today) ? 1 : 0;
        }

        return count;
    }

    [Benchmark(Description = "rule over columns → SegmentEvaluation")]
    [BenchmarkCategory("Rule")]
    public int RuleOverColumns() => _textRule.Evaluate(_ruleColumns).CountOf("Rule");

    [Benchmark(Baseline = true, Description = "arithmetic rule as a C# lambda")]
    [BenchmarkCategory("Arithmetic")]
    public int ArithmeticAsLambda()
    {
        var today = SegmentationPortfolio.Today;
        var count = 0;
        foreach (var subject in _subjects)
        {
            count += _arithmeticLambda(subject, today) ? 1 : 0;
        }

        return count;
    }

    [Benchmark(Description = "arithmetic rule as configured text")]
    [BenchmarkCategory("Arithmetic")]
    public int ArithmeticAsText()
    {
        var today = SegmentationPortfolio.Today;
        var catalog = _arithmetic;
        var count = 0;
        foreach (ref readonly var subject in _subjects.AsSpan())
        {
            count += catalog.Matches(0, subject, today) ? 1 : 0;
        }

        return count;
    }

    [Benchmark(Description = "arithmetic rule over columns → SegmentEvaluation")]
    [BenchmarkCategory("Arithmetic")]
    public int ArithmeticOverColumns() => _arithmetic.Evaluate(_arithmeticColumns).CountOf("Arithmetic");

    [Benchmark(Baseline = true, Description = "obvious: lambdas + list of names per account")]
    [BenchmarkCategory("Portfolio")]
    public int DefaultSegmentsObvious()
    {
        var today = SegmentationPortfolio.Today;
        var count = 0;
        foreach (var subject in _subjects)
        {
            count += _obvious.SegmentsOf(subject, today).Count;
        }

        return count;
    }

    [Benchmark(Description = "default segments into a reused buffer")]
    [BenchmarkCategory("Portfolio")]
    public ulong DefaultSegmentsIntoBuffer()
    {
        var today = SegmentationPortfolio.Today;
        var catalog = _defaults;
        var buffer = _buffer.AsSpan();
        var bits = 0UL;
        foreach (ref readonly var subject in _subjects.AsSpan())
        {
            catalog.Evaluate(subject, today, buffer);
            bits ^= buffer[0];
        }

        return bits;
    }

    [Benchmark(Description = "default segments → SegmentEvaluation")]
    [BenchmarkCategory("Portfolio")]
    public SegmentEvaluation DefaultSegmentsEvaluation() => _defaults.Evaluate(_subjects.AsSpan(), SegmentationPortfolio.Today);

    [Benchmark(Description = "default segments over columns → SegmentEvaluation")]
    [BenchmarkCategory("Portfolio")]
    public SegmentEvaluation DefaultSegmentsOverColumns() => _defaults.Evaluate(_defaultColumns);
}

/// <summary>The default segments as a user would write them without the library: a lambda each, names in a list.</summary>
internal sealed class ObviousSegmenter
{
    private readonly List<(string Name, string? Group, Func<SegmentSubject, LocalDate, bool> Rule)> _segments;

    public ObviousSegmenter()
    {
        static bool Churned(SegmentSubject s) => s.Account.Stage == DefaultLifecycleStages.Churned;
        static double? Signal(SegmentSubject s, SignalKey key) => s.Account.Signals[key];
        static bool HighTouch(SegmentSubject s) => s.Account.Contract?.AnnualRecurringRevenue.Amount >= 50_000m;
        static bool LowTouch(SegmentSubject s) => s.Account.Contract?.AnnualRecurringRevenue.Amount is >= 10_000m and < 50_000m;
        static bool TechTouch(SegmentSubject s) => s.Account.Contract?.AnnualRecurringRevenue.Amount < 10_000m;
        _segments =
        [
            ("Churned", null, (s, t) => Churned(s)),
            ("Onboarding", "Tenure", (s, t) => s.Account.TenureDays(t) <= 90 && !Churned(s)),
            ("Nurture", "Tenure", (s, t) => s.Account.TenureMonths(t) is >= 3 and < 9 && !Churned(s)),
            ("Established", "Tenure", (s, t) => s.Account.TenureDays(t) > 365 && !Churned(s)),
            ("AtRisk", null, (s, t) => s.Health?.Color == HealthColor.Red && !Churned(s)),
            ("Growth", null, (s, t) => s.Account.SeatUtilization > 0.8 && !Churned(s)),
            ("Advocate", null, (s, t) => Signal(s, WellKnownSignals.Nps) >= 9 && s.Account.TenureDays(t) > 365 && !Churned(s)),
            ("HighEngagement", "Engagement", (s, t) => Signal(s, WellKnownSignals.Logins30Days) >= 20 && Signal(s, WellKnownSignals.DaysSinceLastLogin) <= 7),
            ("LowEngagement", "Engagement", (s, t) => Signal(s, WellKnownSignals.Logins30Days) < 5 || Signal(s, WellKnownSignals.DaysSinceLastLogin) > 14),
            ("HighTouch", "TouchModel", (s, t) => HighTouch(s)),
            ("LowTouch", "TouchModel", (s, t) => LowTouch(s)),
            ("TechTouch", "TouchModel", (s, t) => TechTouch(s)),
            ("ProductLed", "Motion", (s, t) => TechTouch(s)),
            ("SalesLed", "Motion", (s, t) => HighTouch(s) || LowTouch(s)),
        ];
    }

    public List<string> SegmentsOf(SegmentSubject subject, LocalDate today)
    {
        var names = new List<string>();
        var groups = new HashSet<string>();
        foreach (var (name, group, rule) in _segments)
        {
            if ((group is null || !groups.Contains(group)) && rule(subject, today))
            {
                names.Add(name);
                if (group is not null)
                {
                    groups.Add(group);
                }
            }
        }

        return names;
    }
}
