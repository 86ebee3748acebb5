using System.Globalization;
using System.Text;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>A literal on the right-hand side of a comparison: a finite number or a piece of text.</summary>
public readonly record struct RuleValue
{
    /// <summary>The longest text value, in characters.</summary>
    public const int MaxTextLength = 256;

    private readonly string? _text;

    /// <summary>Creates a number value.</summary>
    /// <param name="number">A finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="number"/> is NaN or infinite.</exception>
    public RuleValue(double number)
    {
        if (!double.IsFinite(number))
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, "A rule compares with finite numbers only; NaN and infinities are refused.");
        }

        IsText = false;
        Number = number;
        _text = null;
    }

    /// <summary>Creates a text value.</summary>
    /// <param name="text">The text, at most <see cref="MaxTextLength"/> characters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="text"/> is too long.</exception>
    public RuleValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxTextLength)
        {
            throw new ArgumentException($"A rule's text value is at most {MaxTextLength} characters; this one has {text.Length}.", nameof(text));
        }

        IsText = true;
        Number = 0;
        _text = text;
    }

    /// <summary>True for text, false for a number.</summary>
    public bool IsText { get; }

    /// <summary>The number; 0 for text.</summary>
    public double Number { get; }

    /// <summary>The text; empty for a number.</summary>
    public string Text => _text ?? string.Empty;

    /// <summary>A number value.</summary>
    /// <param name="number">A finite number.</param>
    public static implicit operator RuleValue(double number) => new(number);

    /// <summary>A text value.</summary>
    /// <param name="text">The text.</param>
    public static implicit operator RuleValue(string text) => new(text);

    /// <summary>A health color, as its name.</summary>
    /// <param name="color">The color.</param>
    public static implicit operator RuleValue(HealthColor color) => new(color.ToString());

    /// <summary>A stage category, as its name.</summary>
    /// <param name="category">The category.</param>
    public static implicit operator RuleValue(StageCategory category) => new(category.ToString());

    /// <summary>A stage, as its id.</summary>
    /// <param name="stage">The stage.</param>
    public static implicit operator RuleValue(StageId stage) => new(stage.Value);

    /// <summary>Creates a number value.</summary>
    /// <param name="number">A finite number.</param>
    /// <returns>The value.</returns>
    public static RuleValue FromDouble(double number) => new(number);

    /// <summary>Creates a text value.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The value.</returns>
    public static RuleValue FromString(string text) => new(text);

    /// <summary>Value equality: numbers by value, text ordinally.</summary>
    /// <param name="other">The other value.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(RuleValue other) =>
        IsText == other.IsText && (IsText ? string.Equals(_text, other._text, StringComparison.Ordinal) : Number.Equals(other.Number));

    /// <inheritdoc />
    public override int GetHashCode() => IsText ? StringComparer.Ordinal.GetHashCode(Text) : Number.GetHashCode();

    /// <summary>The value as the rule language writes it: a round-trip number or a quoted string.</summary>
    /// <returns>The literal.</returns>
    public override string ToString() => IsText ? Quote(Text) : Number.ToString("R", CultureInfo.InvariantCulture);

    internal static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }
}
