using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Sample;

/// <summary>
/// A health factor the library does not ship: API calls in the last 7 days per licensed seat, for plans with the API.
/// One class, registered with <c>AddHealthScoring(h =&gt; h.AddFactor&lt;ApiAdoptionFactor&gt;())</c> and used by name
/// in appsettings.json.
/// </summary>
public sealed class ApiAdoptionFactor : IHealthFactor
{
    /// <summary>1 when the account's plan includes the API; missing otherwise.</summary>
    public static readonly SignalKey ApiPlan = new("api_plan");

    public string Name => "api_adoption";

    public string Description => "API calls in the last 7 days per licensed seat";

    public IReadOnlyList<SignalKey> Inputs { get; } = [PortfolioGenerator.ApiCalls, WellKnownSignals.LicensedSeats, ApiPlan];

    public PointMapping DefaultMapping { get; } = PointMapping.Linear((0, 0), (10, 60), (30, 100));

    // NaN means "not applicable": accounts whose plan has no API are scored on their other factors.
    public double Measure(ReadOnlySpan<double> inputs) => inputs[2] == 1 && inputs[1] > 0 ? inputs[0] / inputs[1] : double.NaN;
}

/// <summary>A clock fixed at the portfolio's as-of date, so the sample's output does not depend on the day it is run.</summary>
internal sealed class FixedClock(NodaTime.Instant now) : NodaTime.IClock
{
    public NodaTime.Instant GetCurrentInstant() => now;
}
