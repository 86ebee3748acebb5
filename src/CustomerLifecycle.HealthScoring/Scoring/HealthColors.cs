namespace CustomerLifecycle.HealthScoring;

/// <summary>Reading a <see cref="HealthColor"/> from text, as configuration and rules write it.</summary>
public static class HealthColors
{
    /// <summary>
    /// Parses one color name (<c>Red</c>, <c>Yellow</c>, <c>Green</c>), ignoring case. Numbers (<c>"0"</c>) and
    /// combinations (<c>"Red, Green"</c>), which <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> accepts, are refused.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="color">The color, when the text names one.</param>
    /// <returns>True when the text names a color.</returns>
    public static bool TryParse(string? text, out HealthColor color)
    {
        color = default;
        return !string.IsNullOrEmpty(text)
            && char.IsAsciiLetter(text[0])
            && text.All(char.IsAsciiLetterOrDigit)
            && Enum.TryParse(text, ignoreCase: true, out color)
            && Enum.IsDefined(color);
    }
}
