using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation.Tests.Rules;

/// <summary>
/// A plain interpreter of the syntax tree, written independently of the compiler: it reads the account through
/// NodaTime's <c>Period.Between</c> and linear scans, so the compiled rules are checked against a second reading of
/// the same semantics (missing values never match; text ignores case).
/// </summary>
internal static class RuleInterpreter
{
    public static bool Evaluate(SegmentRule rule, SegmentSubject s, LocalDate today, Func<string, SegmentRule>? resolve = null) => rule switch
    {
        ConstantRule c => c.Value,
        AndRule a => Evaluate(a.Left, s, today, resolve) && Evaluate(a.Right, s, today, resolve),
        OrRule o => Evaluate(o.Left, s, today, resolve) || Evaluate(o.Right, s, today, resolve),
        NotRule n => !Evaluate(n.Operand, s, today, resolve),
        SegmentReferenceRule r => Evaluate(resolve!(r.SegmentName), s, today, resolve),
        MissingRule m => (Read(m.Operand, s, today) is null) == m.IsMissing,
        InRule i => Read(i.Operand, s, today) is { } v && i.Values.Any(x => Equal(v, x)),
        ComparisonRule c => Read(c.Operand, s, today) is { } v && Compare(v, c.Operator, c.Value),
        ExpressionComparisonRule e => Value(e.Left, s, today) is { } l && Value(e.Right, s, today) is { } r && Compare(l, e.Operator, r),
        _ => throw new InvalidOperationException(rule.GetType().Name),
    };

    private static bool Equal(object read, RuleValue value) => read switch
    {
        double d => !value.IsText && d == value.Number,
        string text => value.IsText && string.Equals(text, value.Text, StringComparison.OrdinalIgnoreCase),
        _ => throw new InvalidOperationException(),
    };

    private static bool Compare(object read, ComparisonOperator op, RuleValue value)
    {
        if (read is string)
        {
            return op == ComparisonOperator.Equal ? Equal(read, value) : !Equal(read, value);
        }

        return Compare((double)read, op, value.Number);
    }

    private static bool Compare(double d, ComparisonOperator op, double value) => op switch
    {
        ComparisonOperator.Equal => d == value,
        ComparisonOperator.NotEqual => d != value,
        ComparisonOperator.LessThan => d < value,
        ComparisonOperator.LessThanOrEqual => d <= value,
        ComparisonOperator.GreaterThan => d > value,
        _ => d >= value,
    };

    /// <summary>An expression's value, or null when an operand is missing, a divisor is zero or the result is NaN.</summary>
    private static double? Value(RuleExpression expression, SegmentSubject s, LocalDate today)
    {
        switch (expression)
        {
            case NumberExpression n:
                return n.Value;
            case OperandExpression o:
                return (double?)Read(o.Operand, s, today);
            case ArithmeticExpression a:
                if (Value(a.Left, s, today) is not { } l || Value(a.Right, s, today) is not { } r || (a.Operator == ArithmeticOperator.Divide && r == 0))
                {
                    return null;
                }

                var result = a.Operator switch
                {
                    ArithmeticOperator.Add => l + r,
                    ArithmeticOperator.Subtract => l - r,
                    ArithmeticOperator.Multiply => l * r,
                    _ => l / r,
                };
                return double.IsNaN(result) ? null : result;
            default:
                throw new InvalidOperationException(expression.GetType().Name);
        }
    }

    /// <summary>The operand's value: a double, a string, or null when missing.</summary>
    internal static object? Read(RuleOperand operand, SegmentSubject s, LocalDate today)
    {
        var a = s.Account;
        return operand.Kind switch
        {
            RuleOperandKind.Stage => a.Stage.IsEmpty ? null : a.Stage.Value,
            RuleOperandKind.StageCategory => LifecycleStageModel.Default.TryGetStage(a.Stage, out var stage) ? stage.Category.ToString() : null,
            RuleOperandKind.Tier => a.Tier,
            RuleOperandKind.Owner => a.Owner,
            RuleOperandKind.Plan => a.Contract?.Plan,
            RuleOperandKind.Currency => a.Contract?.AnnualRecurringRevenue.Currency.Code,
            RuleOperandKind.TenureDays => a.CustomerSince is { } since ? (double)Period.Between(since, today, PeriodUnits.Days).Days : null,
            RuleOperandKind.TenureMonths => a.CustomerSince is { } since ? (double)Period.Between(since, today, PeriodUnits.Months).Months : null,
            RuleOperandKind.DaysToRenewal => a.Contract is { } c ? (double)Period.Between(today, c.RenewalDate, PeriodUnits.Days).Days : null,
            RuleOperandKind.DaysSinceLastLogin => a.Signals[WellKnownSignals.DaysSinceLastLogin],
            RuleOperandKind.Arr => a.Contract is { } c ? (double)c.AnnualRecurringRevenue.Amount : null,
            RuleOperandKind.LicensedSeats => a.LicensedSeats,
            RuleOperandKind.SeatUtilization => a.SeatUtilization,
            RuleOperandKind.HealthScore => s.Health?.Value,
            RuleOperandKind.HealthColor => s.Health?.Color?.ToString(),
            RuleOperandKind.HealthConfidence => s.Health?.Confidence,
            RuleOperandKind.HealthChange => HealthChange(s, today.Minus(Period.FromDays(operand.Days))),
            RuleOperandKind.Signal => a.Signals[operand.Signal],
            _ => throw new InvalidOperationException(operand.Kind.ToString()),
        };
    }

    private static double? HealthChange(SegmentSubject s, LocalDate then)
    {
        if (s.Health?.Value is not { } current || s.History is null)
        {
            return null;
        }

        double? past = null;
        foreach (var point in s.History.Points)
        {
            if (point.Date <= then)
            {
                past = point.Score;
            }
        }

        return current - past;
    }
}
