namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A health factor: turns some of an account's signals into a raw measure, which the scorecard maps to 0–100
/// points. This is the main extension point: write one class and register it with
/// <c>builder.AddHealthScoring(h =&gt; h.AddFactor&lt;MyFactor&gt;())</c>.
/// </summary>
/// <remarks>
/// <para>
/// A factor reads only signals, which is what lets the same scorecard score an <see cref="Account"/> or a whole
/// columnar <see cref="SignalMatrix"/> without allocating. The scorer gathers the values of <see cref="Inputs"/>,
/// in that order, and calls <see cref="Measure"/>; a missing input arrives as <see cref="double.NaN"/>.
/// </para>
/// <para>
/// Implementations must be thread-safe and side-effect free, and should not allocate in <see cref="Measure"/>:
/// it runs once per account per scoring.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// public sealed class ApiAdoptionFactor : IHealthFactor
/// {
///     private static readonly SignalKey ApiCalls = new("api_calls_7d");
///     public string Name =&gt; "api_adoption";
///     public string Description =&gt; "API calls in the last 7 days per licensed seat.";
///     public IReadOnlyList&lt;SignalKey&gt; Inputs { get; } = [ApiCalls, WellKnownSignals.LicensedSeats];
///     public PointMapping DefaultMapping { get; } = PointMapping.Linear((0, 0), (10, 60), (50, 100));
///     public double Measure(ReadOnlySpan&lt;double&gt; inputs) =&gt; inputs[1] &gt; 0 ? inputs[0] / inputs[1] : double.NaN;
/// }
/// </code>
/// </example>
public interface IHealthFactor
{
    /// <summary>The factor's unique name, in the style of signal names (for example <c>seat_utilization</c>).</summary>
    string Name { get; }

    /// <summary>What the factor measures, for people reading an explanation.</summary>
    string Description { get; }

    /// <summary>The signals the factor reads, in the order <see cref="Measure"/> receives them.</summary>
    IReadOnlyList<SignalKey> Inputs { get; }

    /// <summary>The mapping from the raw measure to points, used unless a scorecard gives its own.</summary>
    PointMapping DefaultMapping { get; }

    /// <summary>
    /// Computes the raw measure from the input values. Returns <see cref="double.NaN"/> when the factor does not
    /// apply (its data is missing); the scorecard's missing-data policy then decides what happens.
    /// </summary>
    /// <param name="inputs">The values of <see cref="Inputs"/>, in order; NaN for a missing signal.</param>
    double Measure(ReadOnlySpan<double> inputs);
}
