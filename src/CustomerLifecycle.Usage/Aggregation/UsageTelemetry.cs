using System.Diagnostics.Metrics;

namespace CustomerLifecycle.Usage;

/// <summary>The usage aggregator's instrument (docs/observability.md lists it), on the host's meter or the shared one.</summary>
internal sealed class UsageMetrics
{
    private const string OutcomeTag = "customerlifecycle.usage.outcome";

    private readonly Counter<long> _events;

    public UsageMetrics(IMeterFactory? meterFactory) =>
        _events = CustomerLifecycleTelemetry.CreateMeter(meterFactory).CreateCounter<long>("customerlifecycle.usage.events", "{event}", "Usage events ingested, by outcome: accepted, duplicate (an id already seen) or refused.");

    /// <summary>The instrument on the process's shared meter, for aggregators not made by dependency injection.</summary>
    public static UsageMetrics Shared { get; } = new(null);

    /// <summary>The instrument on <paramref name="meterFactory"/>'s meter, or the shared one when there is none.</summary>
    public static UsageMetrics For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory);

    /// <summary>Counts a finished ingestion call (a cancelled one is not counted, though the events before its stop were applied).</summary>
    public UsageIngestionReport Record(UsageIngestionReport report)
    {
        if (_events.Enabled)
        {
            if (report.Accepted > 0)
            {
                _events.Add(report.Accepted, new KeyValuePair<string, object?>(OutcomeTag, "accepted"));
            }

            if (report.Duplicates > 0)
            {
                _events.Add(report.Duplicates, new KeyValuePair<string, object?>(OutcomeTag, "duplicate"));
            }

            if (report.Refused.Count > 0)
            {
                _events.Add(report.Refused.Count, new KeyValuePair<string, object?>(OutcomeTag, "refused"));
            }
        }

        return report;
    }
}
