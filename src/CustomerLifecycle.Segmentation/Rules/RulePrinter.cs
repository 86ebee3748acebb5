using System.Text;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>Prints a rule in the rule language, with the fewest parentheses that parse back to the same tree.</summary>
internal static class RulePrinter
{
    private const int OrLevel = 1;
    private const int AndLevel = 2;
    private const int UnaryLevel = 3;

    // Expression levels: + and - bind less tightly than * and /.
    private const int SumLevel = 1;
    private const int ProductLevel = 2;

    public static string Print(RuleExpression expression)
    {
        var builder = new StringBuilder();
        Write(builder, expression, SumLevel);
        return builder.ToString();
    }

    public static string Print(SegmentRule rule)
    {
        var builder = new StringBuilder();
        Write(builder, rule, OrLevel);
        return builder.ToString();
    }

    // level: the lowest precedence that may appear here without parentheses. And and or are left-associative,
    // so a right operand of the same operator needs parentheses to keep its shape.
    private static void Write(StringBuilder builder, SegmentRule rule, int level)
    {
        switch (rule)
        {
            case OrRule or:
                Group(builder, level > OrLevel, () =>
                {
                    Write(builder, or.Left, OrLevel);
                    builder.Append(" or ");
                    Write(builder, or.Right, AndLevel);
                });
                break;
            case AndRule and:
                Group(builder, level > AndLevel, () =>
                {
                    Write(builder, and.Left, AndLevel);
                    builder.Append(" and ");
                    Write(builder, and.Right, UnaryLevel);
                });
                break;
            case NotRule not:
                builder.Append("not ");
                Write(builder, not.Operand, UnaryLevel);
                break;
            case ConstantRule constant:
                builder.Append(constant.Value ? "true" : "false");
                break;
            case SegmentReferenceRule reference:
                builder.Append("segment(").Append(RuleValue.Quote(reference.SegmentName)).Append(')');
                break;
            case ComparisonRule comparison:
                builder.Append(comparison.Operand.Path).Append(' ').Append(SignalCriterion.Symbol(comparison.Operator)).Append(' ');
                WriteValue(builder, comparison.Operand, comparison.Value);
                break;
            case ExpressionComparisonRule comparison:
                Write(builder, comparison.Left, SumLevel);
                builder.Append(' ').Append(SignalCriterion.Symbol(comparison.Operator)).Append(' ');
                Write(builder, comparison.Right, SumLevel);
                break;
            case InRule inRule:
                builder.Append(inRule.Operand.Path).Append(" in [");
                for (var i = 0; i < inRule.Values.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    WriteValue(builder, inRule.Operand, inRule.Values[i]);
                }

                builder.Append(']');
                break;
            case MissingRule missing:
                builder.Append(missing.Operand.Path).Append(missing.IsMissing ? " is missing" : " is not missing");
                break;
            default:
                throw new ArgumentException($"'{rule.GetType().Name}' is not a rule the language can print.", nameof(rule));
        }
    }

    // Arithmetic is left-associative: a right operand of the same level needs parentheses to keep its shape.
    private static void Write(StringBuilder builder, RuleExpression expression, int level)
    {
        switch (expression)
        {
            case OperandExpression operand:
                builder.Append(operand.Operand.Path);
                break;
            case NumberExpression number:
                builder.Append(new RuleValue(number.Value).ToString());
                break;
            case ArithmeticExpression arithmetic:
                var own = arithmetic.Operator is ArithmeticOperator.Add or ArithmeticOperator.Subtract ? SumLevel : ProductLevel;
                Group(builder, level > own, () =>
                {
                    Write(builder, arithmetic.Left, own);
                    builder.Append(' ').Append(ArithmeticExpression.Symbol(arithmetic.Operator)).Append(' ');
                    Write(builder, arithmetic.Right, own + 1);
                });
                break;
            default:
                throw new ArgumentException($"'{expression.GetType().Name}' is not an expression the language can print.", nameof(expression));
        }
    }

    // Colors and categories are names and print bare (health.color == Red); other text prints quoted.
    private static void WriteValue(StringBuilder builder, RuleOperand operand, RuleValue value)
    {
        if (operand.ValueType is RuleValueType.HealthColor or RuleValueType.StageCategory)
        {
            builder.Append(value.Text);
        }
        else
        {
            builder.Append(value.ToString());
        }
    }

    private static void Group(StringBuilder builder, bool parenthesize, Action write)
    {
        if (parenthesize)
        {
            builder.Append('(');
        }

        write();
        if (parenthesize)
        {
            builder.Append(')');
        }
    }
}
