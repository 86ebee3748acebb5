namespace CustomerLifecycle.Usage;

/// <summary>What a usage signal computes over its window of days. See docs/usage.md for the exact semantics.</summary>
public enum UsageSignalKind
{
    /// <summary>The number of matching events; 0 when there are none.</summary>
    Count = 1,

    /// <summary>The sum of the matching events' quantities; 0 when there are none.</summary>
    Sum = 2,

    /// <summary>The number of distinct users with a matching event; 0 when there are none.</summary>
    ActiveUsers = 3,

    /// <summary>The number of distinct local dates with a matching event; 0 when there are none.</summary>
    ActiveDays = 4,

    /// <summary>The number of distinct matching event names (only those in the feature catalog when the definition says so); 0 when there are none.</summary>
    DistinctFeatures = 5,

    /// <summary>Whole days from the local date of the latest matching event to the evaluation date; missing when there never was one. Has no window.</summary>
    DaysSinceLast = 6,

    /// <summary>
    /// The mean over the window's days of each day's distinct users, divided by the distinct users of the whole
    /// window (daily over monthly active users, for a 30-day window); missing when the window has no user.
    /// </summary>
    Stickiness = 7,

    /// <summary>
    /// Of another definition: (this window − the previous window of the same length) / the previous window; missing
    /// when the previous window is 0 or missing.
    /// </summary>
    Change = 8,
}
