namespace CustomerLifecycle.Usage;

/// <summary>
/// What one ingestion did: how many events it applied, how many it ignored as duplicates, and which it refused with
/// the reason. Each event is applied whole or not at all.
/// </summary>
public sealed class UsageIngestionReport
{
    internal UsageIngestionReport(long accepted, long duplicates, IReadOnlyList<RefusedUsageEvent> refused, long processed)
    {
        Accepted = accepted;
        Duplicates = duplicates;
        Refused = refused;
        Processed = processed;
    }

    /// <summary>
    /// How many of the input's events were dealt with, from the first: all of them for an ingestion that ended, the
    /// first <c>Processed</c> for one that was cancelled or whose source failed (see
    /// <see cref="UsageIngestionCanceledException"/> and <see cref="UsageIngestionInterruptedException"/>).
    /// </summary>
    public long Processed { get; }

    /// <summary>The events applied.</summary>
    public long Accepted { get; }

    /// <summary>The events ignored because an event with the same id was already applied (in this call or before, inside the kept days).</summary>
    public long Duplicates { get; }

    /// <summary>The events refused, in input order, each with its reason.</summary>
    public IReadOnlyList<RefusedUsageEvent> Refused { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Accepted} accepted, {Duplicates} {(Duplicates == 1 ? "duplicate" : "duplicates")} ignored, {Refused.Count} refused";
}
