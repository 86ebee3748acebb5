namespace CustomerLifecycle.HealthScoring;

/// <summary>A factor whose measure is one signal's value, mapped to points; not applicable when the signal is missing.</summary>
/// <remarks>This type is immutable and thread-safe. The scorer evaluates it without a virtual call.</remarks>
public sealed class SignalFactor : IHealthFactor
{
    /// <summary>Creates the factor.</summary>
    /// <param name="name">The factor's name.</param>
    /// <param name="signal">The signal measured.</param>
    /// <param name="mapping">Its default point mapping.</param>
    /// <param name="description">What it measures.</param>
    /// <exception cref="ArgumentException">The name is not a valid factor name, or the signal is default.</exception>
    public SignalFactor(string name, SignalKey signal, PointMapping mapping, string? description = null)
    {
        FactorName.Validate(name);
        if (signal.IsEmpty)
        {
            throw new ArgumentException($"Factor '{name}' needs a signal.", nameof(signal));
        }

        ArgumentNullException.ThrowIfNull(mapping);
        Name = name;
        Signal = signal;
        DefaultMapping = mapping;
        Description = description ?? $"signals.{signal.Name}";
        Inputs = [signal];
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The signal measured.</summary>
    public SignalKey Signal { get; }

    /// <inheritdoc />
    public IReadOnlyList<SignalKey> Inputs { get; }

    /// <inheritdoc />
    public PointMapping DefaultMapping { get; }

    /// <inheritdoc />
    public double Measure(ReadOnlySpan<double> inputs) => inputs[0];
}
