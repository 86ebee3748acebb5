using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>The one place that decides which operators and literals suit an operand; the parser and the rule constructors both ask it.</summary>
internal static class RuleTypes
{
    public static string? CheckOperator(RuleOperand operand, ComparisonOperator comparison)
    {
        if (!Enum.IsDefined(comparison))
        {
            return $"'{comparison}' is not a comparison operator.";
        }

        return operand.ValueType != RuleValueType.Number && comparison is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual)
            ? $"{operand.Path} is {Describe(operand.ValueType)} and compares only with ==, != or in; '{SignalCriterion.Symbol(comparison)}' needs a number."
            : null;
    }

    public static string? CheckValue(RuleOperand operand, RuleValue value) => operand.ValueType switch
    {
        RuleValueType.Number when value.IsText => $"{operand.Path} is a number and cannot be compared with the text {value}.",
        RuleValueType.Text when !value.IsText => $"{operand.Path} is text; write the value in quotes, for example \"{value}\".",
        RuleValueType.HealthColor when !TryParseColor(value, out _) => $"{operand.Path} is one of Red, Yellow or Green; {value} is none of them.",
        RuleValueType.StageCategory when !TryParseCategory(value, out _) => $"{operand.Path} is one of PreCustomer, Customer or Terminal; {value} is none of them.",
        _ => null,
    };

    public static bool TryParseColor(RuleValue value, out HealthColor color)
    {
        color = default;
        return value.IsText && HealthColors.TryParse(value.Text, out color);
    }

    public static bool TryParseCategory(RuleValue value, out StageCategory category)
    {
        category = default;
        return value.IsText && IsName(value.Text) && Enum.TryParse(value.Text, ignoreCase: true, out category) && Enum.IsDefined(category);
    }

    public static string Describe(RuleValueType type) => type switch
    {
        RuleValueType.Number => "a number",
        RuleValueType.Text => "text",
        RuleValueType.HealthColor => "a health color",
        _ => "a stage category",
    };

    // Enum.TryParse also accepts "1" and "Red, Green"; a rule names one member.
    private static bool IsName(string text) => text.Length > 0 && char.IsAsciiLetter(text[0]) && text.All(char.IsAsciiLetterOrDigit);
}
