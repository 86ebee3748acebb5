namespace CustomerLifecycle.Usage;

/// <summary>An event an ingestion refused, and why.</summary>
/// <param name="Index">Its position in the input, from 0.</param>
/// <param name="Id">Its id, as given (null or blank when that is the reason).</param>
/// <param name="Reason">The field, the value and the rule it breaks.</param>
public sealed record RefusedUsageEvent(long Index, string? Id, string Reason);
