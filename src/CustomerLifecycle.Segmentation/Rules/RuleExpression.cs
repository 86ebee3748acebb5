using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A numeric expression in a rule: a numeric operand, a number, or <c>+ - * /</c> on two expressions
/// (<c>0.5 * signals.records_prev_30d</c>). An expression whose operand is missing is missing, and so is a division by
/// zero or a result that is not a number (an infinity minus an infinity); a comparison with a missing side never holds.
/// </summary>
/// <remarks>
/// Compare two expressions with <see cref="SegmentRule.Compare"/> or the operators (<c>RuleOperand.ForSignal(a) &lt;
/// 0.5 * RuleOperand.ForSignal(b)</c>). Expressions are immutable values with structural equality; their
/// <see cref="ToString"/> is the rule language's text, with the fewest parentheses that parse back to the same tree.
/// </remarks>
public abstract record RuleExpression
{
    private protected RuleExpression(int depth)
    {
        if (depth > SegmentRule.MaxDepth)
        {
            throw new ArgumentException($"A rule expression nests at most {SegmentRule.MaxDepth} levels deep; this one would nest {depth}.");
        }

        Depth = depth;
    }

    /// <summary>The height of the tree: 1 for an operand or a number.</summary>
    public int Depth { get; }

    /// <summary>An operand as an expression.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <exception cref="ArgumentException"><paramref name="operand"/> is not a number.</exception>
    public static implicit operator RuleExpression(RuleOperand operand) => new OperandExpression(operand);

    /// <summary>A number as an expression.</summary>
    /// <param name="value">A finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static implicit operator RuleExpression(double value) => new NumberExpression(value);

    /// <summary>The sum.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator +(RuleExpression left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Add, right);

    /// <summary>The difference.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator -(RuleExpression left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Subtract, right);

    /// <summary>The product.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator *(RuleExpression left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Multiply, right);

    /// <summary>The quotient; missing where <paramref name="right"/> is zero.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator /(RuleExpression left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Divide, right);

    /// <summary>A rule that holds when both sides are present and the left is below the right.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <(RuleExpression left, RuleExpression right) => SegmentRule.Compare(left, ComparisonOperator.LessThan, right);

    /// <summary>A rule that holds when both sides are present and the left is at most the right.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <=(RuleExpression left, RuleExpression right) => SegmentRule.Compare(left, ComparisonOperator.LessThanOrEqual, right);

    /// <summary>A rule that holds when both sides are present and the left is above the right.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >(RuleExpression left, RuleExpression right) => SegmentRule.Compare(left, ComparisonOperator.GreaterThan, right);

    /// <summary>A rule that holds when both sides are present and the left is at least the right.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >=(RuleExpression left, RuleExpression right) => SegmentRule.Compare(left, ComparisonOperator.GreaterThanOrEqual, right);

    /// <summary>A rule that holds when both sides are present and equal (<c>==</c>; the C# <c>==</c> is structural equality).</summary>
    /// <param name="other">The right-hand side.</param>
    /// <returns>The rule.</returns>
    public SegmentRule EqualTo(RuleExpression other) => SegmentRule.Compare(this, ComparisonOperator.Equal, other);

    /// <summary>A rule that holds when both sides are present and differ (<c>!=</c>).</summary>
    /// <param name="other">The right-hand side.</param>
    /// <returns>The rule.</returns>
    public SegmentRule NotEqualTo(RuleExpression other) => SegmentRule.Compare(this, ComparisonOperator.NotEqual, other);

    /// <summary>Same as <c>+</c>.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression Add(RuleExpression left, RuleExpression right) => left + right;

    /// <summary>Same as <c>-</c>.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression Subtract(RuleExpression left, RuleExpression right) => left - right;

    /// <summary>Same as <c>*</c>.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression Multiply(RuleExpression left, RuleExpression right) => left * right;

    /// <summary>Same as <c>/</c>.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="right">The right expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression Divide(RuleExpression left, RuleExpression right) => left / right;

    /// <summary>Same as the implicit conversion from <see cref="RuleOperand"/>.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression FromRuleOperand(RuleOperand operand) => operand;

    /// <summary>Same as the implicit conversion from <see cref="double"/>.</summary>
    /// <param name="value">A finite number.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression FromDouble(double value) => value;

    /// <summary>The expression in the rule language.</summary>
    /// <returns>The text.</returns>
    public sealed override string ToString() => RulePrinter.Print(this);
}

/// <summary>A numeric operand in an expression (<c>signals.records_30d</c>).</summary>
public sealed record OperandExpression : RuleExpression
{
    /// <summary>Creates the expression.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <exception cref="ArgumentException"><paramref name="operand"/> reads text, a color or a category.</exception>
    public OperandExpression(RuleOperand operand)
        : base(1)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (operand.ValueType != RuleValueType.Number)
        {
            throw new ArgumentException($"{operand.Path} is {RuleTypes.Describe(operand.ValueType)}; arithmetic needs a number.", nameof(operand));
        }

        Operand = operand;
    }

    /// <summary>What the expression reads.</summary>
    public RuleOperand Operand { get; }
}

/// <summary>A finite number in an expression (<c>0.5</c>).</summary>
public sealed record NumberExpression : RuleExpression
{
    /// <summary>Creates the expression.</summary>
    /// <param name="value">A finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public NumberExpression(double value)
        : base(1)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A rule's numbers are finite; NaN and infinities are refused.");
        }

        Value = value;
    }

    /// <summary>The number.</summary>
    public double Value { get; }
}

/// <summary>Arithmetic on two expressions (<c>a + b</c>, <c>a / b</c>).</summary>
public sealed record ArithmeticExpression : RuleExpression
{
    /// <summary>Creates the expression.</summary>
    /// <param name="left">The left expression.</param>
    /// <param name="arithmetic">The operator.</param>
    /// <param name="right">The right expression.</param>
    /// <exception cref="ArgumentException">The operator is not defined, or the tree would be deeper than <see cref="SegmentRule.MaxDepth"/>.</exception>
    public ArithmeticExpression(RuleExpression left, ArithmeticOperator arithmetic, RuleExpression right)
        : base(Math.Max(NotNull(left).Depth, NotNull(right).Depth) + 1)
    {
        if (!Enum.IsDefined(arithmetic))
        {
            throw new ArgumentException($"'{arithmetic}' is not an arithmetic operator.", nameof(arithmetic));
        }

        Left = left;
        Operator = arithmetic;
        Right = right;
    }

    /// <summary>The left expression.</summary>
    public RuleExpression Left { get; }

    /// <summary>The operator.</summary>
    public ArithmeticOperator Operator { get; }

    /// <summary>The right expression.</summary>
    public RuleExpression Right { get; }

    /// <summary>The operator's symbol: <c>+</c>, <c>-</c>, <c>*</c> or <c>/</c>.</summary>
    /// <param name="arithmetic">The operator.</param>
    /// <returns>The symbol.</returns>
    public static string Symbol(ArithmeticOperator arithmetic) => arithmetic switch
    {
        ArithmeticOperator.Add => "+",
        ArithmeticOperator.Subtract => "-",
        ArithmeticOperator.Multiply => "*",
        ArithmeticOperator.Divide => "/",
        _ => throw new ArgumentOutOfRangeException(nameof(arithmetic), arithmetic, "Not an arithmetic operator."),
    };

    private static RuleExpression NotNull(RuleExpression expression, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(expression))] string? name = null) =>
        expression ?? throw new ArgumentNullException(name);
}

/// <summary>An arithmetic operator.</summary>
public enum ArithmeticOperator
{
    /// <summary><c>+</c>.</summary>
    Add = 0,

    /// <summary><c>-</c>.</summary>
    Subtract = 1,

    /// <summary><c>*</c>.</summary>
    Multiply = 2,

    /// <summary><c>/</c>: missing where the divisor is zero.</summary>
    Divide = 3,
}
