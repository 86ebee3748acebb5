namespace CustomerLifecycle.Stages;

/// <summary>Evaluating a <see cref="ComparisonOperator"/>; shared by stage criteria, health rules and segment rules.</summary>
/// <remarks>Pure functions; thread-safe.</remarks>
public static class ComparisonOperatorExtensions
{
    /// <summary>True when <c>value (comparison) threshold</c> holds, for example <c>7 &gt;= 5</c>. An undefined operator never holds.</summary>
    /// <param name="comparison">The comparison.</param>
    /// <param name="value">The left-hand value.</param>
    /// <param name="threshold">The right-hand value.</param>
    public static bool Holds(this ComparisonOperator comparison, double value, double threshold) => comparison switch
    {
        ComparisonOperator.Equal => value == threshold,
        ComparisonOperator.NotEqual => value != threshold,
        ComparisonOperator.LessThan => value < threshold,
        ComparisonOperator.LessThanOrEqual => value <= threshold,
        ComparisonOperator.GreaterThan => value > threshold,
        ComparisonOperator.GreaterThanOrEqual => value >= threshold,
        _ => false,
    };
}
