namespace CustomerLifecycle.Usage;

/// <summary>
/// An ingestion stopped before the end of its events because the event source threw: <see cref="Applied"/> says what
/// was done with the events read before (each applied whole, ignored or refused), so a caller that sends the rest, or
/// the whole batch again, knows what is already in. The source's exception is the inner exception.
/// </summary>
/// <remarks>Not thread-safe to mutate; its report is immutable.</remarks>
public sealed class UsageIngestionInterruptedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="applied">What the ingestion did before it stopped.</param>
    /// <param name="inner">What the event source threw.</param>
    public UsageIngestionInterruptedException(UsageIngestionReport applied, Exception inner)
        : base($"The usage ingestion stopped after {applied.Accepted + applied.Duplicates + applied.Refused.Count} events ({applied}): the event source failed. Those events are in; an event sent again is ignored by its id. {inner.Message}", inner)
    {
        Applied = applied;
    }

    /// <summary>What the ingestion did with the events before the source failed.</summary>
    public UsageIngestionReport Applied { get; }
}
