namespace CustomerLifecycle.Usage;

/// <summary>
/// An ingestion was cancelled: <see cref="Applied"/> says what was done with the events before the stop (each applied
/// whole, ignored or refused). With events that have ids, sending the batch again is safe (ids already applied are
/// ignored); a bulk load of columns is not de-duplicated, so send only the rows after
/// <see cref="UsageIngestionReport.Processed"/>.
/// </summary>
/// <remarks>Not thread-safe to mutate; its report is immutable.</remarks>
public sealed class UsageIngestionCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="applied">What the ingestion did before it stopped.</param>
    /// <param name="token">The token that stopped it.</param>
    public UsageIngestionCanceledException(UsageIngestionReport applied, CancellationToken token)
        : base($"The usage ingestion was cancelled after {applied.Processed} events ({applied}); those events are in.", token)
    {
        Applied = applied;
    }

    /// <summary>What the ingestion did with the events before it was cancelled.</summary>
    public UsageIngestionReport Applied { get; }
}
