using System.Globalization;
using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>The milestone events, as the aggregator and the SQL sources both make them: the same ids, values and notes.</summary>
internal static class UsageMilestones
{
    public static LifecycleEvent Adopted(AccountId account, string feature, Instant at) => new()
    {
        Account = account,
        Type = LifecycleEventType.FeatureAdopted,
        At = at,
        Id = $"usage:feature_adopted:{account}:{feature}",
        Note = feature,
    };

    public static LifecycleEvent Reached(AccountId account, SignalKey signal, double threshold, Instant at)
    {
        var t = threshold.ToString("R", CultureInfo.InvariantCulture);
        return new LifecycleEvent
        {
            Account = account,
            Type = LifecycleEventType.UsageMilestone,
            At = at,
            Value = threshold,
            Id = $"usage:usage_milestone:{account}:{signal}:{t}",
            Note = $"{signal} reached {t}",
        };
    }

    public static LifecycleEvent Dropped(AccountId account, SignalKey signal, double change, double below, LocalDate date, Instant at) => new()
    {
        Account = account,
        Type = LifecycleEventType.UsageDropped,
        At = at,
        Value = change,
        Id = $"usage:usage_dropped:{account}:{signal}:{date:yyyy-MM-dd}",
        Note = $"{signal} {change.ToString("P0", CultureInfo.InvariantCulture)}, below {below.ToString("P0", CultureInfo.InvariantCulture)}",
    };
}
