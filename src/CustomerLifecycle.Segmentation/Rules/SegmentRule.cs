using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A segment rule: a condition over an account, its health and its stage, as a syntax tree. Build one in code
/// (<c>RuleOperand.TenureDays &lt;= 90 &amp; RuleOperand.Stage.EqualTo("Onboarding")</c>) or parse text
/// (<see cref="Parse"/>); <see cref="ToString"/> prints the text back, and parsing it gives an equal rule.
/// Rules are immutable values with structural equality; a <see cref="SegmentCatalog"/> compiles them for evaluation.
/// </summary>
public abstract record SegmentRule
{
    /// <summary>The deepest tree any rule may have, however it is built, so that no evaluation can exhaust the stack.</summary>
    public const int MaxDepth = 256;

    private protected SegmentRule(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"A segment rule nests at most {MaxDepth} levels deep; this one would nest {depth}.");
        }

        Depth = depth;
    }

    /// <summary>The height of the tree: 1 for a single condition.</summary>
    public int Depth { get; }

    /// <summary>The rule that always holds.</summary>
    public static SegmentRule True { get; } = new ConstantRule(true);

    /// <summary>The rule that never holds.</summary>
    public static SegmentRule False { get; } = new ConstantRule(false);

    /// <summary>A rule that holds when another segment's rule holds.</summary>
    /// <param name="segment">The other segment's name.</param>
    /// <returns>The reference.</returns>
    public static SegmentRule InSegment(string segment) => new SegmentReferenceRule(segment);

    /// <summary>Parses a rule written in the rule language (see <c>docs/rule-language.md</c>).</summary>
    /// <param name="text">The rule text.</param>
    /// <param name="limits">Length and nesting limits; <see cref="RuleParserLimits.Default"/> when null.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="RuleParseException">The text is not a valid rule, or exceeds the limits; the exception gives the line, column and what was expected.</exception>
    public static SegmentRule Parse(string text, RuleParserLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new RuleParser(text, limits ?? RuleParserLimits.Default).ParseRule();
    }

    /// <summary>Parses a rule, returning the error instead of throwing it.</summary>
    /// <param name="text">The rule text.</param>
    /// <param name="rule">The rule, when the text is valid.</param>
    /// <param name="error">The error, when it is not.</param>
    /// <param name="limits">Length and nesting limits; <see cref="RuleParserLimits.Default"/> when null.</param>
    /// <returns>True when the text is a valid rule.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out SegmentRule? rule, [NotNullWhen(false)] out RuleParseException? error, RuleParserLimits? limits = null)
    {
        try
        {
            rule = Parse(text, limits);
            error = null;
            return true;
        }
        catch (RuleParseException e)
        {
            rule = null;
            error = e;
            return false;
        }
    }

    /// <summary>
    /// A comparison of two numeric expressions (<c>signals.records_30d &lt; 0.5 * signals.records_prev_30d</c>): it
    /// holds when both sides are present and compare as asked. An operand compared with a number gives the plain
    /// <see cref="ComparisonRule"/>, as the parser does, so code and text build equal rules.
    /// </summary>
    /// <param name="left">The left expression.</param>
    /// <param name="comparison">The comparison.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The rule.</returns>
    /// <exception cref="ArgumentException">The operator is not a comparison.</exception>
    public static SegmentRule Compare(RuleExpression left, ComparisonOperator comparison, RuleExpression right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return left is OperandExpression operand && right is NumberExpression number
            ? new ComparisonRule(operand.Operand, comparison, number.Value)
            : new ExpressionComparisonRule(left, comparison, right);
    }

    /// <summary>Both rules hold.</summary>
    /// <param name="other">The other rule.</param>
    /// <returns>The conjunction.</returns>
    public SegmentRule And(SegmentRule other) => new AndRule(this, other);

    /// <summary>Either rule holds.</summary>
    /// <param name="other">The other rule.</param>
    /// <returns>The disjunction.</returns>
    public SegmentRule Or(SegmentRule other) => new OrRule(this, other);

    /// <summary>This rule does not hold.</summary>
    /// <returns>The negation.</returns>
    public SegmentRule Not() => new NotRule(this);

    /// <summary>Both rules hold.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    /// <returns>The conjunction.</returns>
    public static SegmentRule operator &(SegmentRule left, SegmentRule right) => new AndRule(left, right);

    /// <summary>Either rule holds.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    /// <returns>The disjunction.</returns>
    public static SegmentRule operator |(SegmentRule left, SegmentRule right) => new OrRule(left, right);

    /// <summary>The rule does not hold.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The negation.</returns>
    public static SegmentRule operator !(SegmentRule rule) => new NotRule(rule);

    /// <summary>Same as <see cref="And"/>.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    /// <returns>The conjunction.</returns>
    public static SegmentRule BitwiseAnd(SegmentRule left, SegmentRule right) => new AndRule(left, right);

    /// <summary>Same as <see cref="Or"/>.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    /// <returns>The disjunction.</returns>
    public static SegmentRule BitwiseOr(SegmentRule left, SegmentRule right) => new OrRule(left, right);

    /// <summary>Same as <see cref="Not"/>.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>The negation.</returns>
    public static SegmentRule LogicalNot(SegmentRule rule) => new NotRule(rule);

    /// <summary>The names of the segments this rule refers to, each once, in order of appearance.</summary>
    /// <returns>The names.</returns>
    public IReadOnlyList<string> ReferencedSegments()
    {
        var names = new List<string>();
        Collect(this, names);
        return names;

        static void Collect(SegmentRule rule, List<string> names)
        {
            switch (rule)
            {
                case SegmentReferenceRule r when !names.Contains(r.SegmentName, StringComparer.OrdinalIgnoreCase):
                    names.Add(r.SegmentName);
                    break;
                case AndRule a:
                    Collect(a.Left, names);
                    Collect(a.Right, names);
                    break;
                case OrRule o:
                    Collect(o.Left, names);
                    Collect(o.Right, names);
                    break;
                case NotRule n:
                    Collect(n.Operand, names);
                    break;
            }
        }
    }

    /// <summary>The rule in the rule language; <see cref="Parse"/> reads it back as an equal rule.</summary>
    /// <returns>The rule text.</returns>
    public sealed override string ToString() => RulePrinter.Print(this);
}

/// <summary>Both rules hold (<c>a and b</c>).</summary>
public sealed record AndRule : SegmentRule
{
    /// <summary>Creates the conjunction.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    public AndRule(SegmentRule left, SegmentRule right)
        : base(Math.Max(NotNull(left).Depth, NotNull(right).Depth) + 1)
    {
        Left = left;
        Right = right;
    }

    /// <summary>The left rule, evaluated first.</summary>
    public SegmentRule Left { get; }

    /// <summary>The right rule, evaluated only when the left holds.</summary>
    public SegmentRule Right { get; }

    internal static SegmentRule NotNull(SegmentRule rule, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(rule))] string? name = null) =>
        rule ?? throw new ArgumentNullException(name);
}

/// <summary>Either rule holds (<c>a or b</c>).</summary>
public sealed record OrRule : SegmentRule
{
    /// <summary>Creates the disjunction.</summary>
    /// <param name="left">The left rule.</param>
    /// <param name="right">The right rule.</param>
    public OrRule(SegmentRule left, SegmentRule right)
        : base(Math.Max(AndRule.NotNull(left).Depth, AndRule.NotNull(right).Depth) + 1)
    {
        Left = left;
        Right = right;
    }

    /// <summary>The left rule, evaluated first.</summary>
    public SegmentRule Left { get; }

    /// <summary>The right rule, evaluated only when the left does not hold.</summary>
    public SegmentRule Right { get; }
}

/// <summary>The rule does not hold (<c>not a</c>).</summary>
public sealed record NotRule : SegmentRule
{
    /// <summary>Creates the negation.</summary>
    /// <param name="operand">The rule to negate.</param>
    public NotRule(SegmentRule operand)
        : base(AndRule.NotNull(operand).Depth + 1) => Operand = operand;

    /// <summary>The negated rule.</summary>
    public SegmentRule Operand { get; }
}

/// <summary>Always or never holds (<c>true</c>, <c>false</c>).</summary>
public sealed record ConstantRule : SegmentRule
{
    /// <summary>Creates the constant.</summary>
    /// <param name="value">Whether the rule holds.</param>
    public ConstantRule(bool value)
        : base(1) => Value = value;

    /// <summary>Whether the rule holds.</summary>
    public bool Value { get; }
}

/// <summary>Another segment's rule holds (<c>segment("At-risk")</c>). The reference is resolved when the catalog is built.</summary>
public sealed record SegmentReferenceRule : SegmentRule
{
    /// <summary>Creates the reference.</summary>
    /// <param name="segment">The other segment's name.</param>
    /// <exception cref="ArgumentException">The name is not a valid segment name.</exception>
    public SegmentReferenceRule(string segment)
        : base(1)
    {
        Segment.ValidateName(segment, nameof(segment));
        SegmentName = segment;
    }

    /// <summary>The referenced segment's name.</summary>
    public string SegmentName { get; }

    /// <summary>Names compare case-insensitively, as segment names do.</summary>
    /// <param name="other">The other reference.</param>
    /// <returns>True when both name the same segment.</returns>
    public bool Equals(SegmentReferenceRule? other) =>
        other is not null && string.Equals(SegmentName, other.SegmentName, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(SegmentName);
}

/// <summary>A comparison of an operand with a literal (<c>tenure.days &lt;= 90</c>, <c>health.color == Red</c>).</summary>
public sealed record ComparisonRule : SegmentRule
{
    /// <summary>Creates the comparison.</summary>
    /// <param name="operand">What to read.</param>
    /// <param name="comparison">How to compare: every operator for numbers, equality only for text, colors and categories.</param>
    /// <param name="value">The literal, of the operand's type.</param>
    /// <exception cref="ArgumentException">The operator or the value does not suit the operand's type.</exception>
    public ComparisonRule(RuleOperand operand, ComparisonOperator comparison, RuleValue value)
        : base(1)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (RuleTypes.CheckOperator(operand, comparison) is { } operatorError)
        {
            throw new ArgumentException(operatorError, nameof(comparison));
        }

        if (RuleTypes.CheckValue(operand, value) is { } valueError)
        {
            throw new ArgumentException(valueError, nameof(value));
        }

        Operand = operand;
        Operator = comparison;
        Value = value;
    }

    /// <summary>What the comparison reads.</summary>
    public RuleOperand Operand { get; }

    /// <summary>The comparison operator.</summary>
    public ComparisonOperator Operator { get; }

    /// <summary>The literal compared with.</summary>
    public RuleValue Value { get; }
}

/// <summary>
/// A comparison of two numeric expressions, at least one of them more than an operand compared with a number
/// (<c>signals.records_30d &lt; 0.5 * signals.records_prev_30d</c>, <c>5 &lt; tenure.days</c>). Build it with
/// <see cref="SegmentRule.Compare"/> or the <see cref="RuleExpression"/> operators.
/// </summary>
public sealed record ExpressionComparisonRule : SegmentRule
{
    internal ExpressionComparisonRule(RuleExpression left, ComparisonOperator comparison, RuleExpression right)
        : base(Math.Max(left.Depth, right.Depth))
    {
        if (!Enum.IsDefined(comparison))
        {
            throw new ArgumentException($"'{comparison}' is not a comparison operator.", nameof(comparison));
        }

        Left = left;
        Operator = comparison;
        Right = right;
    }

    /// <summary>The left expression.</summary>
    public RuleExpression Left { get; }

    /// <summary>The comparison operator.</summary>
    public ComparisonOperator Operator { get; }

    /// <summary>The right expression.</summary>
    public RuleExpression Right { get; }
}

/// <summary>The operand equals one of a list of values (<c>tier in ["Enterprise", "Strategic"]</c>).</summary>
public sealed record InRule : SegmentRule
{
    /// <summary>The most values an <c>in</c> list may hold.</summary>
    public const int MaxValues = 1024;

    /// <summary>Creates the membership test.</summary>
    /// <param name="operand">What to read.</param>
    /// <param name="values">One to <see cref="MaxValues"/> literals of the operand's type.</param>
    /// <exception cref="ArgumentException">The list is empty or too long, or a value does not suit the operand.</exception>
    public InRule(RuleOperand operand, IEnumerable<RuleValue> values)
        : base(1)
    {
        ArgumentNullException.ThrowIfNull(operand);
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToImmutableArray();
        if (list.Length is 0 or > MaxValues)
        {
            throw new ArgumentException($"An 'in' list holds 1 to {MaxValues} values; this one has {list.Length}.", nameof(values));
        }

        foreach (var value in list)
        {
            if (RuleTypes.CheckValue(operand, value) is { } error)
            {
                throw new ArgumentException(error, nameof(values));
            }
        }

        Operand = operand;
        Values = list;
    }

    /// <summary>What the test reads.</summary>
    public RuleOperand Operand { get; }

    /// <summary>The values, in the order written.</summary>
    public ImmutableArray<RuleValue> Values { get; }

    /// <summary>Structural equality, the values compared in order.</summary>
    /// <param name="other">The other rule.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(InRule? other) =>
        other is not null && Operand == other.Operand && Values.AsSpan().SequenceEqual(other.Values.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Operand);
        foreach (var value in Values)
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }
}

/// <summary>The operand's value is missing, or present (<c>signals.nps is missing</c>, <c>health.score is not missing</c>).</summary>
public sealed record MissingRule : SegmentRule
{
    /// <summary>Creates the test.</summary>
    /// <param name="operand">What to read.</param>
    /// <param name="isMissing">True to hold when the value is missing, false to hold when it is present.</param>
    public MissingRule(RuleOperand operand, bool isMissing)
        : base(1)
    {
        ArgumentNullException.ThrowIfNull(operand);
        Operand = operand;
        IsMissing = isMissing;
    }

    /// <summary>What the test reads.</summary>
    public RuleOperand Operand { get; }

    /// <summary>True when the rule holds for a missing value; false when it holds for a present one.</summary>
    public bool IsMissing { get; }
}
