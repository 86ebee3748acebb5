using System.Diagnostics.Metrics;

namespace CustomerLifecycle.Usage;

/// <summary>The usage aggregator's instrument (docs/observability.md lists it).</summary>
internal static class UsageTelemetry
{
    private const string OutcomeTag = "customerlifecycle.usage.outcome";

    private static readonly Meter Meter = new(CustomerLifecycleTelemetry.Name, CustomerLifecycleTelemetry.Version);

    private static readonly Counter<long> Events = Meter.CreateCounter<long>("customerlifecycle.usage.events", "{event}", "Usage events ingested, by outcome: accepted, duplicate (an id already seen) or refused.");

    /// <summary>Counts a finished ingestion call (a cancelled one is not counted, though the events before its stop were applied).</summary>
    public static UsageIngestionReport Record(UsageIngestionReport report)
    {
        if (Events.Enabled)
        {
            if (report.Accepted > 0)
            {
                Events.Add(report.Accepted, new KeyValuePair<string, object?>(OutcomeTag, "accepted"));
            }

            if (report.Duplicates > 0)
            {
                Events.Add(report.Duplicates, new KeyValuePair<string, object?>(OutcomeTag, "duplicate"));
            }

            if (report.Refused.Count > 0)
            {
                Events.Add(report.Refused.Count, new KeyValuePair<string, object?>(OutcomeTag, "refused"));
            }
        }

        return report;
    }
}
