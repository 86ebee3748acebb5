using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>Met when a signal is present and compares with a threshold as given; a missing signal never meets it.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed class SignalCriterion : IStageEntryCriterion
{
    /// <summary>Creates the criterion.</summary>
    /// <param name="signal">The signal to compare.</param>
    /// <param name="comparison">The comparison.</param>
    /// <param name="threshold">A finite threshold.</param>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is default.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not finite, or <paramref name="comparison"/> is undefined.</exception>
    public SignalCriterion(SignalKey signal, ComparisonOperator comparison, double threshold)
    {
        if (signal.IsEmpty)
        {
            throw new ArgumentException("A signal criterion needs a signal key.", nameof(signal));
        }

        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold of a signal criterion must be finite.");
        }

        if (!Enum.IsDefined(comparison))
        {
            throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown comparison operator.");
        }

        Signal = signal;
        Comparison = comparison;
        Threshold = threshold;
    }

    /// <summary>The signal compared.</summary>
    public SignalKey Signal { get; }

    /// <summary>The comparison.</summary>
    public ComparisonOperator Comparison { get; }

    /// <summary>The threshold.</summary>
    public double Threshold { get; }

    /// <inheritdoc />
    public string Description => string.Create(CultureInfo.InvariantCulture, $"signals.{Signal.Name} {Symbol(Comparison)} {Threshold}");

    /// <inheritdoc />
    public bool IsMet(Account account, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Signals.TryGetValue(Signal, out var value) && Comparison.Holds(value, Threshold);
    }

    /// <summary>The symbol of a comparison, for example <c>&gt;=</c>.</summary>
    /// <param name="comparison">The comparison.</param>
    public static string Symbol(ComparisonOperator comparison) => comparison switch
    {
        ComparisonOperator.Equal => "==",
        ComparisonOperator.NotEqual => "!=",
        ComparisonOperator.LessThan => "<",
        ComparisonOperator.LessThanOrEqual => "<=",
        ComparisonOperator.GreaterThan => ">",
        ComparisonOperator.GreaterThanOrEqual => ">=",
        _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown comparison operator."),
    };

    /// <summary>Parses a symbol (<c>&gt;=</c>) or a name (<c>GreaterThanOrEqual</c>) of a comparison.</summary>
    /// <param name="text">The text.</param>
    /// <param name="comparison">The comparison, when the text names one.</param>
    public static bool TryParseOperator(string? text, out ComparisonOperator comparison)
    {
        switch (text?.Trim())
        {
            case "==" or "=": comparison = ComparisonOperator.Equal; return true;
            case "!=" or "<>": comparison = ComparisonOperator.NotEqual; return true;
            case "<": comparison = ComparisonOperator.LessThan; return true;
            case "<=": comparison = ComparisonOperator.LessThanOrEqual; return true;
            case ">": comparison = ComparisonOperator.GreaterThan; return true;
            case ">=": comparison = ComparisonOperator.GreaterThanOrEqual; return true;
            default:
                return Enum.TryParse(text, ignoreCase: true, out comparison) && Enum.IsDefined(comparison) && !int.TryParse(text, out _);
        }
    }
}
