using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Core.Tests.Stages;

public sealed class ComparisonOperatorExtensionsTests
{
    [Theory]
    [InlineData(ComparisonOperator.Equal, 5, 5, true)]
    [InlineData(ComparisonOperator.Equal, 5, 6, false)]
    [InlineData(ComparisonOperator.NotEqual, 5, 6, true)]
    [InlineData(ComparisonOperator.LessThan, 5, 6, true)]
    [InlineData(ComparisonOperator.LessThan, 6, 6, false)]
    [InlineData(ComparisonOperator.LessThanOrEqual, 6, 6, true)]
    [InlineData(ComparisonOperator.GreaterThan, 7, 6, true)]
    [InlineData(ComparisonOperator.GreaterThan, 6, 6, false)]
    [InlineData(ComparisonOperator.GreaterThanOrEqual, 6, 6, true)]
    [InlineData((ComparisonOperator)99, 6, 6, false)]
    public void Holds_EvaluatesEachOperator(ComparisonOperator comparison, double value, double threshold, bool expected) =>
        Assert.Equal(expected, comparison.Holds(value, threshold));

    [Theory]
    [InlineData(">=", ComparisonOperator.GreaterThanOrEqual)]
    [InlineData("GreaterThan", ComparisonOperator.GreaterThan)]
    [InlineData("==", ComparisonOperator.Equal)]
    [InlineData("<>", ComparisonOperator.NotEqual)]
    public void TryParseOperator_AcceptsSymbolsAndNames(string text, ComparisonOperator expected)
    {
        Assert.True(SignalCriterion.TryParseOperator(text, out var parsed));
        Assert.Equal(expected, parsed);
        Assert.False(SignalCriterion.TryParseOperator("=>", out _));
        Assert.False(SignalCriterion.TryParseOperator("4", out _));
    }
}
