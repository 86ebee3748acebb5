using System.Globalization;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A rule that forces a color whatever the weighted score, for example "two or more unresolved high-severity
/// tickets → Red". When several rules fire, the worst color wins. A missing signal never fires a rule.
/// </summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record CriticalRule
{
    /// <summary>Creates a rule.</summary>
    /// <param name="name">What the rule is, shown in explanations.</param>
    /// <param name="signal">The signal compared.</param>
    /// <param name="comparison">The comparison.</param>
    /// <param name="threshold">A finite threshold.</param>
    /// <param name="color">The color forced when the rule fires.</param>
    /// <exception cref="ArgumentException">The name is blank or the signal is default.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is not finite, or the comparison or color is undefined.</exception>
    public CriticalRule(string name, SignalKey signal, ComparisonOperator comparison, double threshold, HealthColor color)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A critical rule needs a name.", nameof(name));
        }

        if (signal.IsEmpty)
        {
            throw new ArgumentException($"Critical rule '{name}' needs a signal.", nameof(signal));
        }

        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"Critical rule '{name}' needs a finite threshold.");
        }

        if (!Enum.IsDefined(comparison) || !Enum.IsDefined(color))
        {
            throw new ArgumentOutOfRangeException(nameof(comparison), comparison, $"Critical rule '{name}' has an undefined comparison or color.");
        }

        Name = name;
        Signal = signal;
        Comparison = comparison;
        Threshold = threshold;
        Color = color;
    }

    /// <summary>What the rule is.</summary>
    public string Name { get; }

    /// <summary>The signal compared.</summary>
    public SignalKey Signal { get; }

    /// <summary>The comparison.</summary>
    public ComparisonOperator Comparison { get; }

    /// <summary>The threshold.</summary>
    public double Threshold { get; }

    /// <summary>The color forced when the rule fires.</summary>
    public HealthColor Color { get; }

    /// <summary>True when a present value fires the rule.</summary>
    /// <param name="value">The signal's value.</param>
    public bool Fires(double value) => Comparison.Holds(value, Threshold);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}: signals.{Signal.Name} {SignalCriterion.Symbol(Comparison)} {Threshold} → {Color}");
}
