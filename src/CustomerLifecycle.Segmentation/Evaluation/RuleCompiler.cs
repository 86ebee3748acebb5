using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>Turns a <see cref="SegmentRule"/> tree into <see cref="RuleNode"/>s: values parsed and checked once, references linked.</summary>
internal sealed class RuleCompiler(IReadOnlyDictionary<StageId, StageCategory> categories, Func<string, ReferenceNode> reference)
{
    public RuleNode Compile(SegmentRule rule) => rule switch
    {
        ConstantRule c => c.Value ? ConstantNode.True : ConstantNode.False,
        AndRule a => new AndNode(Compile(a.Left), Compile(a.Right)),
        OrRule o => new OrNode(Compile(o.Left), Compile(o.Right)),
        NotRule n => new NotNode(Compile(n.Operand)),
        SegmentReferenceRule r => reference(r.SegmentName),
        ComparisonRule c => Comparison(c),
        InRule i => In(i),
        MissingRule m => Missing(m),
        _ => throw new ArgumentException($"'{rule.GetType().Name}' is not a rule the compiler knows.", nameof(rule)),
    };

    private RuleNode Comparison(ComparisonRule rule)
    {
        var negate = rule.Operator == ComparisonOperator.NotEqual;
        return rule.Operand.ValueType switch
        {
            RuleValueType.Number => Number(rule.Operand, rule.Operator, rule.Value.Number),
            RuleValueType.Text => Text(rule.Operand, [rule.Value.Text], negate),
            RuleValueType.HealthColor => new ColorNode(negate ? ~ColorMask([rule.Value]) & 0b111 : ColorMask([rule.Value])),
            _ => new CategoryNode(categories, negate ? ~CategoryMask([rule.Value]) & 0b111 : CategoryMask([rule.Value])),
        };
    }

    private RuleNode In(InRule rule) => rule.Operand.ValueType switch
    {
        RuleValueType.Number => WithNumberReader(rule.Operand, new InFactory(rule.Values.Select(v => v.Number).Distinct().ToArray())),
        RuleValueType.Text => Text(rule.Operand, rule.Values.Select(v => v.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), negate: false),
        RuleValueType.HealthColor => new ColorNode(ColorMask(rule.Values)),
        _ => new CategoryNode(categories, CategoryMask(rule.Values)),
    };

    private RuleNode Missing(MissingRule rule) => rule.Operand.ValueType switch
    {
        RuleValueType.Number => WithNumberReader(rule.Operand, new MissingFactory(rule.IsMissing)),
        RuleValueType.Text => WithTextReader(rule.Operand, new TextMissingFactory(rule.IsMissing)),
        RuleValueType.HealthColor => new ColorMissingNode(rule.IsMissing),
        _ => new CategoryMissingNode(categories, rule.IsMissing),
    };

    private static int ColorMask(IEnumerable<RuleValue> values) =>
        values.Aggregate(0, (mask, v) => RuleTypes.TryParseColor(v, out var color) ? mask | (1 << (int)color) : throw new ArgumentException($"{v} is not a health color."));

    private static int CategoryMask(IEnumerable<RuleValue> values) =>
        values.Aggregate(0, (mask, v) => RuleTypes.TryParseCategory(v, out var category) ? mask | (1 << (int)category) : throw new ArgumentException($"{v} is not a stage category."));

    private static RuleNode Number(RuleOperand operand, ComparisonOperator comparison, double threshold) =>
        WithNumberReader(operand, new CompareFactory(comparison, threshold));

    private static RuleNode Text(RuleOperand operand, string[] values, bool negate) =>
        WithTextReader(operand, new TextFactory(values, negate));

    private static RuleNode WithNumberReader<TFactory>(RuleOperand operand, TFactory factory)
        where TFactory : INumberNodeFactory => operand.Kind switch
        {
            RuleOperandKind.TenureDays => factory.Create(new TenureDaysReader()),
            RuleOperandKind.TenureMonths => factory.Create(new TenureMonthsReader()),
            RuleOperandKind.DaysToRenewal => factory.Create(new DaysToRenewalReader()),
            RuleOperandKind.DaysSinceLastLogin => factory.Create(new SignalReader(WellKnownSignals.DaysSinceLastLogin)),
            RuleOperandKind.Arr => factory.Create(new ArrReader()),
            RuleOperandKind.LicensedSeats => factory.Create(new LicensedSeatsReader()),
            RuleOperandKind.SeatUtilization => factory.Create(new SeatUtilizationReader()),
            RuleOperandKind.HealthScore => factory.Create(new HealthScoreReader()),
            RuleOperandKind.HealthConfidence => factory.Create(new HealthConfidenceReader()),
            RuleOperandKind.HealthChange => factory.Create(new HealthChangeReader(operand.Days)),
            RuleOperandKind.Signal => factory.Create(new SignalReader(operand.Signal)),
            _ => throw new ArgumentException($"{operand.Path} is not a number.", nameof(operand)),
        };

    private static RuleNode WithTextReader<TFactory>(RuleOperand operand, TFactory factory)
        where TFactory : ITextNodeFactory => operand.Kind switch
        {
            RuleOperandKind.Stage => factory.Create(new StageReader()),
            RuleOperandKind.Tier => factory.Create(new TierReader()),
            RuleOperandKind.Owner => factory.Create(new OwnerReader()),
            RuleOperandKind.Plan => factory.Create(new PlanReader()),
            RuleOperandKind.Currency => factory.Create(new CurrencyReader()),
            _ => throw new ArgumentException($"{operand.Path} is not text.", nameof(operand)),
        };

    private interface INumberNodeFactory
    {
        RuleNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader;
    }

    private interface ITextNodeFactory
    {
        RuleNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader;
    }

    private readonly struct CompareFactory(ComparisonOperator comparison, double threshold) : INumberNodeFactory
    {
        public RuleNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => comparison switch
            {
                ComparisonOperator.Equal => new NumberNode<TReader, EqualComparison>(reader, threshold),
                ComparisonOperator.NotEqual => new NumberNode<TReader, NotEqualComparison>(reader, threshold),
                ComparisonOperator.LessThan => new NumberNode<TReader, LessComparison>(reader, threshold),
                ComparisonOperator.LessThanOrEqual => new NumberNode<TReader, LessOrEqualComparison>(reader, threshold),
                ComparisonOperator.GreaterThan => new NumberNode<TReader, GreaterComparison>(reader, threshold),
                _ => new NumberNode<TReader, GreaterOrEqualComparison>(reader, threshold),
            };
    }

    private readonly struct InFactory(double[] values) : INumberNodeFactory
    {
        public RuleNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => new NumberInNode<TReader>(reader, values);
    }

    private readonly struct MissingFactory(bool missing) : INumberNodeFactory
    {
        public RuleNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => new NumberMissingNode<TReader>(reader, missing);
    }

    private readonly struct TextFactory(string[] values, bool negate) : ITextNodeFactory
    {
        public RuleNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader => new TextNode<TReader>(reader, values, negate);
    }

    private readonly struct TextMissingFactory(bool missing) : ITextNodeFactory
    {
        public RuleNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader => new TextMissingNode<TReader>(reader, missing);
    }
}
