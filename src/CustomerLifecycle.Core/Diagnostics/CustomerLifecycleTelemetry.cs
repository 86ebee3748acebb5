namespace CustomerLifecycle;

/// <summary>
/// The names under which the packages publish their telemetry: one <see cref="System.Diagnostics.Metrics.Meter"/> and
/// one <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="Name"/>. Subscribe to them with
/// OpenTelemetry (<c>AddMeter("CustomerLifecycle")</c>, <c>AddSource("CustomerLifecycle")</c>) or
/// <c>dotnet-counters monitor --counters CustomerLifecycle</c>. Every instrument, span and log event is listed in
/// docs/observability.md.
/// </summary>
public static class CustomerLifecycleTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "CustomerLifecycle";

    /// <summary>The version the packages report with their meter and activity source.</summary>
    public static string Version { get; } = typeof(CustomerLifecycleTelemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
