using System.Globalization;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Segmentation.Tests;

/// <summary>
/// Random rules over every operand, operator and value type (edge numbers, text with quotes and backslashes, colors
/// and categories in any case, health changes, references), and random subjects: accounts with and without
/// contracts, owners, tiers, plans, stages unknown to the model, health scores that are missing or not applicable,
/// and health histories.
/// </summary>
internal static class SegmentationGenerators
{
    public static readonly string[] BaseSegments = ["Base1", "Base2"];

    private static readonly SignalKey[] Signals = [WellKnownSignals.Nps, WellKnownSignals.Logins30Days, WellKnownSignals.DaysSinceLastLogin, WellKnownSignals.ActiveSeats, new("custom.metric_1")];
    private static readonly string[] Texts = ["Onboarding", "adoption", "Churned", "Custom", "Enterprise", "SMB", "dana@x.example", "USD", "eur", "Pro", "", "say \"hi\" \\ back", "été"];
    private static readonly string[] Tiers = ["Enterprise", "SMB", "enterprise"];
    private static readonly string[] Owners = ["dana@x.example", "lee@x.example"];
    private static readonly string[] Plans = ["Pro", "Free", "say \"hi\" \\ back"];

    /// <summary>Numbers that often coincide with what subjects hold (so equality and bounds are exercised), and edge magnitudes.</summary>
    public static Gen<double> Number() => Gen.Frequency(
        (4, Gen.Elements(0.0, 1, 3, 5, 7, 9, 14, 20, 30, 50, 80, 89, 90, 91, 365, 0.8, 0.5, 10000, 50000, -15, -1)),
        (2, Gen.Choose(-20, 400).Select(i => (double)i)),
        (1, Gen.Choose(0, 1000).Select(i => i / 1000.0)),
        (1, Gen.Elements(-0.0, 1e300, -1e300, double.Epsilon, 1e-7, 1234567.891, double.MaxValue, 1e12)));

    /// <summary>Day offsets that sit on the default segments' boundaries, and others.</summary>
    public static Gen<int> DayOffset() => Gen.Frequency(
        (3, Gen.Elements(0, 1, 7, 14, 30, 89, 90, 91, 92, 270, 364, 365, 366, 367, 730)),
        (2, Gen.Choose(-60, 3650)));

    public static Gen<RuleOperand> Operand() => Gen.Frequency(
        (6, Gen.Elements(RuleOperand.Stage, RuleOperand.StageCategory, RuleOperand.Tier, RuleOperand.Owner, RuleOperand.Plan, RuleOperand.Currency,
            RuleOperand.TenureDays, RuleOperand.TenureMonths, RuleOperand.DaysToRenewal, RuleOperand.DaysSinceLastLogin, RuleOperand.Arr,
            RuleOperand.LicensedSeats, RuleOperand.SeatUtilization, RuleOperand.HealthScore, RuleOperand.HealthColor, RuleOperand.HealthConfidence)),
        (2, Gen.Elements(Signals).Select(RuleOperand.ForSignal)),
        (1, Gen.Elements(1, 7, 30, 90, 3650).Select(RuleOperand.HealthChange)));

    public static Gen<RuleValue> Value(RuleOperand operand) => operand.ValueType switch
    {
        RuleValueType.Number => Number().Select(RuleValue.FromDouble),
        RuleValueType.Text => Gen.Elements(Texts).Select(RuleValue.FromString),
        RuleValueType.HealthColor => Gen.Elements("Red", "Yellow", "Green", "red", "GREEN").Select(RuleValue.FromString),
        _ => Gen.Elements("PreCustomer", "Customer", "Terminal", "terminal").Select(RuleValue.FromString),
    };

    /// <summary>
    /// Numeric expressions up to about <paramref name="size"/> operators: numeric operands and edge numbers (zero for
    /// division by zero, ±1e300 and MaxValue for overflow to infinity and infinity minus infinity), under every operator.
    /// </summary>
    public static Gen<RuleExpression> Expression(int size) => size <= 0
        ? Gen.Frequency(
            (3, Operand().Where(o => o.ValueType == RuleValueType.Number).Select(o => (RuleExpression)new OperandExpression(o))),
            (2, Gen.Frequency((1, Gen.Elements(0.0, -0.0)), (3, Number())).Select(n => (RuleExpression)new NumberExpression(n))))
        : Gen.Frequency(
            (1, Expression(0)),
            (2, from left in Expression(size / 2)
                from op in Gen.Elements(Enum.GetValues<ArithmeticOperator>())
                from right in Expression(size / 2)
                select (RuleExpression)new ArithmeticExpression(left, op, right)));

    public static Gen<SegmentRule> Leaf(bool withReferences) =>
        from operand in Operand()
        from kind in Gen.Choose(0, withReferences ? 6 : 5)
        from rule in kind switch
        {
            0 or 1 => from op in operand.ValueType == RuleValueType.Number
                          ? Gen.Elements(Enum.GetValues<ComparisonOperator>())
                          : Gen.Elements(ComparisonOperator.Equal, ComparisonOperator.NotEqual)
                      from value in Value(operand)
                      select (SegmentRule)new ComparisonRule(operand, op, value),
            2 => from values in Gen.NonEmptyListOf(Value(operand)) select (SegmentRule)new InRule(operand, values.Take(4)),
            3 => Gen.Elements(true, false).Select(missing => (SegmentRule)new MissingRule(operand, missing)),
            4 => Gen.Elements(SegmentRule.True, SegmentRule.False),
            5 => from left in Expression(4)
                 from op in Gen.Elements(Enum.GetValues<ComparisonOperator>())
                 from right in Expression(4)
                 select SegmentRule.Compare(left, op, right),
            _ => Gen.Elements(BaseSegments).Select(SegmentRule.InSegment),
        }
        select rule;

    public static Gen<SegmentRule> Rule(bool withReferences = false) => Gen.Sized(size => Rule(Math.Min(size, 12), withReferences));

    private static Gen<SegmentRule> Rule(int size, bool withReferences) => size <= 0
        ? Leaf(withReferences)
        : Gen.Frequency(
            (3, Leaf(withReferences)),
            (2, from l in Rule(size / 2, withReferences) from r in Rule(size / 2, withReferences) select (SegmentRule)new AndRule(l, r)),
            (2, from l in Rule(size / 2, withReferences) from r in Rule(size / 2, withReferences) select (SegmentRule)new OrRule(l, r)),
            (1, Rule(size - 1, withReferences).Select(r => (SegmentRule)new NotRule(r))));

    public static Gen<LocalDate> Today() => Gen.Choose(0, 365 * 6).Select(d => new LocalDate(2024, 1, 1).PlusDays(d));

    public static Gen<Account> Account(LocalDate today) =>
        from id in Gen.Choose(0, 10_000)
        from since in Gen.OneOf(Gen.Constant<LocalDate?>(null), DayOffset().Select(d => (LocalDate?)today.PlusDays(-d)))
        from contract in Gen.OneOf(Gen.Constant<Contract?>(null), Contract(today).Select(c => (Contract?)c))
        from stage in Gen.Elements(LifecycleStageModel.Default.Stages.Select(s => s.Id).Append(new StageId("Custom")).Append(default).ToArray())
        from tier in Gen.Elements(Tiers.Append(null).ToArray())
        from owner in Gen.Elements(Owners.Append(null).ToArray())
        from signals in Gen.ListOf(Gen.Zip(Gen.Elements(Signals.Append(WellKnownSignals.LicensedSeats).ToArray()), Number()))
        select new Account
        {
            Id = new AccountId("a" + id.ToString(CultureInfo.InvariantCulture)),
            Name = "Account " + id.ToString(CultureInfo.InvariantCulture),
            CustomerSince = since,
            Contract = contract,
            Stage = stage,
            Tier = tier,
            Owner = owner,
            Signals = SignalSet.FromPairs(signals.DistinctBy(p => p.Item1).Select(p => KeyValuePair.Create(p.Item1, p.Item2))),
        };

    public static Gen<Contract> Contract(LocalDate today) =>
        from months in Gen.Elements(1, 12, 36)
        from renewalIn in DayOffset()
        let start = today.PlusDays(renewalIn).PlusMonths(-months)
        from arr in Gen.Elements(0m, 9999.99m, 10000m, 49999m, 50000m, 1_000_000_000_000m)
        from currency in Gen.Elements("USD", "EUR")
        from seats in Gen.Elements(0, 1, 50, 500)
        from plan in Gen.Elements(Plans.Append(null).ToArray())
        select new Contract(start, start.PlusMonths(months), new Money(arr, currency), seats, plan);

    public static Gen<HealthScore?> Health() => Gen.Frequency(
        (1, Gen.Constant<HealthScore?>(null)),
        (1, Gen.Constant<HealthScore?>(new HealthScore { Value = null, Color = null, Confidence = 0, ScorecardId = "default" })),
        (4, from value in Gen.Frequency((3, Gen.Choose(0, 100).Select(i => (double)i)), (1, Gen.Choose(0, 1000).Select(i => i / 10.0)))
            from color in Gen.Elements(HealthColor.Red, HealthColor.Yellow, HealthColor.Green)
            from confidence in Gen.Choose(0, 100).Select(i => i / 100.0)
            select (HealthScore?)new HealthScore { Value = value, Color = color, Confidence = confidence, ScorecardId = "default" }));

    public static Gen<HealthHistory?> History(LocalDate today) => Gen.Frequency(
        (1, Gen.Constant<HealthHistory?>(null)),
        (3, from days in Gen.ListOf(Gen.Frequency((3, Gen.Elements(0, 1, 2, 6, 7, 8, 29, 30, 31, 89, 90, 91)), (1, Gen.Choose(0, 400))))
            from scores in Gen.ArrayOf(Gen.Choose(0, 100).Select(i => (double)i), 400)
            select (HealthHistory?)new HealthHistory(days.Distinct().Select(d => new HealthHistoryPoint(today.PlusDays(-d), scores[d % scores.Length])))));

    public static Gen<(SegmentSubject Subject, LocalDate Today)> Subject() =>
        from today in Today()
        from account in Account(today)
        from health in Health()
        from history in History(today)
        select (new SegmentSubject(account, health, history), today);
}
