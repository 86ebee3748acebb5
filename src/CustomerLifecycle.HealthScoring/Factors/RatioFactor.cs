namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A factor whose measure is one signal divided by another (active seats per licensed seat, features used per
/// feature available); not applicable when either is missing or the denominator is not positive.
/// </summary>
/// <remarks>This type is immutable and thread-safe. The scorer evaluates it without a virtual call.</remarks>
public sealed class RatioFactor : IHealthFactor
{
    /// <summary>Creates the factor.</summary>
    /// <param name="name">The factor's name.</param>
    /// <param name="numerator">The signal divided.</param>
    /// <param name="denominator">The signal divided by.</param>
    /// <param name="mapping">The default point mapping of the ratio.</param>
    /// <param name="description">What it measures.</param>
    /// <exception cref="ArgumentException">The name is not a valid factor name, or a signal is default.</exception>
    public RatioFactor(string name, SignalKey numerator, SignalKey denominator, PointMapping mapping, string? description = null)
    {
        FactorName.Validate(name);
        if (numerator.IsEmpty || denominator.IsEmpty)
        {
            throw new ArgumentException($"Factor '{name}' needs both a numerator and a denominator signal.", nameof(numerator));
        }

        ArgumentNullException.ThrowIfNull(mapping);
        Name = name;
        Numerator = numerator;
        Denominator = denominator;
        DefaultMapping = mapping;
        Description = description ?? $"signals.{numerator.Name} / signals.{denominator.Name}";
        Inputs = [numerator, denominator];
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The signal divided.</summary>
    public SignalKey Numerator { get; }

    /// <summary>The signal divided by.</summary>
    public SignalKey Denominator { get; }

    /// <inheritdoc />
    public IReadOnlyList<SignalKey> Inputs { get; }

    /// <inheritdoc />
    public PointMapping DefaultMapping { get; }

    /// <inheritdoc />
    public double Measure(ReadOnlySpan<double> inputs) => Ratio(inputs[0], inputs[1]);

    internal static double Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : double.NaN;
}
