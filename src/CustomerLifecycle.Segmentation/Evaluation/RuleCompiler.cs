using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>Turns a <see cref="SegmentRule"/> tree into <see cref="RuleNode"/>s: values parsed and checked once, references linked.</summary>
internal sealed class RuleCompiler(IReadOnlyDictionary<StageId, StageCategory> categories, Func<string, ReferenceNode> reference)
{
    /// <summary>The leaves compiled so far: each has its slot, its index here.</summary>
    public List<LeafNode> Leaves { get; } = [];

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
        ExpressionComparisonRule e => ExpressionComparison(e),
        _ => throw new ArgumentException($"'{rule.GetType().Name}' is not a rule the compiler knows.", nameof(rule)),
    };

    private RuleNode Comparison(ComparisonRule rule)
    {
        var negate = rule.Operator == ComparisonOperator.NotEqual;
        return rule.Operand.ValueType switch
        {
            RuleValueType.Number => WithNumberReader(rule.Operand, new CompareFactory(rule.Operator, rule.Value.Number, rule.Operand, Leaves.Count)),
            RuleValueType.Text => WithTextReader(rule.Operand, new TextFactory([rule.Value.Text], negate, rule.Operand, Leaves.Count)),
            RuleValueType.HealthColor => Leaf(new ColorNode(negate ? ~ColorMask([rule.Value]) & 0b111 : ColorMask([rule.Value]), Leaves.Count)),
            _ => Leaf(new CategoryNode(categories, negate ? ~CategoryMask([rule.Value]) & 0b111 : CategoryMask([rule.Value]), Leaves.Count)),
        };
    }

    private RuleNode In(InRule rule) => rule.Operand.ValueType switch
    {
        RuleValueType.Number => WithNumberReader(rule.Operand, new InFactory(rule.Values.Select(v => v.Number).Distinct().ToArray(), rule.Operand, Leaves.Count)),
        RuleValueType.Text => WithTextReader(rule.Operand, new TextFactory(rule.Values.Select(v => v.Text).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), negate: false, rule.Operand, Leaves.Count)),
        RuleValueType.HealthColor => Leaf(new ColorNode(ColorMask(rule.Values), Leaves.Count)),
        _ => Leaf(new CategoryNode(categories, CategoryMask(rule.Values), Leaves.Count)),
    };

    private RuleNode Missing(MissingRule rule) => rule.Operand.ValueType switch
    {
        RuleValueType.Number => WithNumberReader(rule.Operand, new MissingFactory(rule.IsMissing, rule.Operand, Leaves.Count)),
        RuleValueType.Text => WithTextReader(rule.Operand, new TextMissingFactory(rule.IsMissing, rule.Operand, Leaves.Count)),
        RuleValueType.HealthColor => Leaf(new ColorMissingNode(rule.IsMissing, Leaves.Count)),
        _ => Leaf(new CategoryMissingNode(categories, rule.IsMissing, Leaves.Count)),
    };

    private LeafNode ExpressionComparison(ExpressionComparisonRule rule)
    {
        var operands = new List<RuleOperand>();
        var left = Value(rule.Left, operands);
        var right = Value(rule.Right, operands);
        return Leaf(WithComparison<ExpressionNodeFactory, LeafNode>(rule.Operator, new ExpressionNodeFactory(left, right, operands, Leaves.Count)));
    }

    /// <summary>The one mapping from a comparison operator to the comparison a node is specialised for.</summary>
    private static TResult WithComparison<TFactory, TResult>(ComparisonOperator comparison, TFactory factory)
        where TFactory : IComparisonNodeFactory<TResult> => comparison switch
        {
            ComparisonOperator.Equal => factory.Create<EqualComparison>(),
            ComparisonOperator.NotEqual => factory.Create<NotEqualComparison>(),
            ComparisonOperator.LessThan => factory.Create<LessComparison>(),
            ComparisonOperator.LessThanOrEqual => factory.Create<LessOrEqualComparison>(),
            ComparisonOperator.GreaterThan => factory.Create<GreaterComparison>(),
            _ => factory.Create<GreaterOrEqualComparison>(),
        };

    /// <summary>An expression's node; <paramref name="operands"/> collects what it reads, each once, in input order.</summary>
    private static ValueNode Value(RuleExpression expression, List<RuleOperand> operands)
    {
        switch (expression)
        {
            case NumberExpression number:
                return new ConstantValueNode(number.Value);
            case OperandExpression { Operand: var operand }:
                var input = operands.IndexOf(operand);
                if (input < 0)
                {
                    input = operands.Count;
                    operands.Add(operand);
                }

                return WithReader<OperandValueFactory, ValueNode>(operand, new OperandValueFactory(input));
            case ArithmeticExpression arithmetic:
                var left = Value(arithmetic.Left, operands);
                var right = Value(arithmetic.Right, operands);
                return arithmetic.Operator switch
                {
                    ArithmeticOperator.Add => new ArithmeticValueNode<AddArithmetic>(left, right),
                    ArithmeticOperator.Subtract => new ArithmeticValueNode<SubtractArithmetic>(left, right),
                    ArithmeticOperator.Multiply => new ArithmeticValueNode<MultiplyArithmetic>(left, right),
                    _ => new ArithmeticValueNode<DivideArithmetic>(left, right),
                };
            default:
                throw new ArgumentException($"'{expression.GetType().Name}' is not an expression the compiler knows.", nameof(expression));
        }
    }

    private static int ColorMask(IEnumerable<RuleValue> values) =>
        values.Aggregate(0, (mask, v) => RuleTypes.TryParseColor(v, out var color) ? mask | (1 << (int)color) : throw new ArgumentException($"{v} is not a health color."));

    private static int CategoryMask(IEnumerable<RuleValue> values) =>
        values.Aggregate(0, (mask, v) => RuleTypes.TryParseCategory(v, out var category) ? mask | (1 << (int)category) : throw new ArgumentException($"{v} is not a stage category."));

    private LeafNode Leaf(LeafNode leaf)
    {
        Leaves.Add(leaf);
        return leaf;
    }

    private LeafNode WithNumberReader<TFactory>(RuleOperand operand, TFactory factory)
        where TFactory : INumberNodeFactory<LeafNode> => Leaf(WithReader<TFactory, LeafNode>(operand, factory));

    private static TResult WithReader<TFactory, TResult>(RuleOperand operand, TFactory factory)
        where TFactory : INumberNodeFactory<TResult> => operand.Kind switch
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

    private LeafNode WithTextReader<TFactory>(RuleOperand operand, TFactory factory)
        where TFactory : ITextNodeFactory => Leaf(operand.Kind switch
        {
            RuleOperandKind.Stage => factory.Create(new StageReader()),
            RuleOperandKind.Tier => factory.Create(new TierReader()),
            RuleOperandKind.Owner => factory.Create(new OwnerReader()),
            RuleOperandKind.Plan => factory.Create(new PlanReader()),
            RuleOperandKind.Currency => factory.Create(new CurrencyReader()),
            _ => throw new ArgumentException($"{operand.Path} is not text.", nameof(operand)),
        });

    private interface INumberNodeFactory<TResult>
    {
        TResult Create<TReader>(TReader reader)
            where TReader : struct, INumberReader;
    }

    private interface ITextNodeFactory
    {
        LeafNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader;
    }

    private interface IComparisonNodeFactory<TResult>
    {
        TResult Create<TComparison>()
            where TComparison : struct, IComparison;
    }

    private readonly struct CompareFactory(ComparisonOperator comparison, double threshold, RuleOperand operand, int slot) : INumberNodeFactory<LeafNode>
    {
        public LeafNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader =>
            WithComparison<NumberNodeFactory<TReader>, LeafNode>(comparison, new NumberNodeFactory<TReader>(reader, threshold, operand, slot));
    }

    private readonly struct NumberNodeFactory<TReader>(TReader reader, double threshold, RuleOperand operand, int slot) : IComparisonNodeFactory<LeafNode>
        where TReader : struct, INumberReader
    {
        public LeafNode Create<TComparison>()
            where TComparison : struct, IComparison => new NumberNode<TReader, TComparison>(reader, threshold, operand, slot);
    }

    private readonly struct ExpressionNodeFactory(ValueNode left, ValueNode right, IReadOnlyList<RuleOperand> operands, int slot) : IComparisonNodeFactory<LeafNode>
    {
        public LeafNode Create<TComparison>()
            where TComparison : struct, IComparison => new ExpressionNode<TComparison>(left, right, operands, slot);
    }

    private readonly struct InFactory(double[] values, RuleOperand operand, int slot) : INumberNodeFactory<LeafNode>
    {
        public LeafNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => new NumberInNode<TReader>(reader, values, operand, slot);
    }

    private readonly struct MissingFactory(bool missing, RuleOperand operand, int slot) : INumberNodeFactory<LeafNode>
    {
        public LeafNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => new NumberMissingNode<TReader>(reader, missing, operand, slot);
    }

    private readonly struct OperandValueFactory(int input) : INumberNodeFactory<ValueNode>
    {
        public ValueNode Create<TReader>(TReader reader)
            where TReader : struct, INumberReader => new OperandValueNode<TReader>(reader, input);
    }

    private readonly struct TextFactory(string[] values, bool negate, RuleOperand operand, int slot) : ITextNodeFactory
    {
        public LeafNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader => new TextNode<TReader>(reader, values, negate, operand, slot);
    }

    private readonly struct TextMissingFactory(bool missing, RuleOperand operand, int slot) : ITextNodeFactory
    {
        public LeafNode Create<TReader>(TReader reader)
            where TReader : struct, ITextReader => new TextMissingNode<TReader>(reader, missing, operand, slot);
    }
}
