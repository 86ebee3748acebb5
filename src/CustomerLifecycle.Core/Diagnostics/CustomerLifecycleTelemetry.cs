using System.Diagnostics.Metrics;

namespace CustomerLifecycle;

/// <summary>
/// The names under which the packages publish their telemetry: one <see cref="Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="Name"/>. Subscribe to them with
/// OpenTelemetry (<c>AddMeter("CustomerLifecycle")</c>, <c>AddSource("CustomerLifecycle")</c>) or
/// <c>dotnet-counters monitor --counters CustomerLifecycle</c>. Every instrument, span and log event is listed in
/// docs/observability.md.
/// </summary>
public static class CustomerLifecycleTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "CustomerLifecycle";

    private static readonly Meter Shared = new(Name, Version);

    /// <summary>The version the packages report with their meter and activity source.</summary>
    public static string Version { get; } = typeof(CustomerLifecycleTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// The packages' meter: from <paramref name="meterFactory"/> when the host registers one (so each host, and each
    /// test's provider, has its own meter, scoped to that factory and disposed with it), else one meter shared by the
    /// process. The packages' services built by dependency injection take the host's factory; those you construct
    /// yourself use the shared meter. Either way the meter and its instruments keep their names.
    /// </summary>
    /// <param name="meterFactory">The host's factory, or null.</param>
    /// <returns>The meter named <see cref="Name"/>.</returns>
    public static Meter CreateMeter(IMeterFactory? meterFactory) =>
        meterFactory is null ? Shared : meterFactory.Create(new MeterOptions(Name) { Version = Version });
}
