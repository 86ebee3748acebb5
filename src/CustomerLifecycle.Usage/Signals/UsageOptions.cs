using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// The usage signals, milestones and ingestion rules, bound from <c>CustomerLifecycle:Usage</c> or set in code with
/// <see cref="UsageBuilder"/>. Checked at start-up; every error names its key.
/// </summary>
public sealed class UsageOptions
{
    /// <summary>The longest window accepted, in days (ten years).</summary>
    public const int MaxWindowDays = 3660;

    /// <summary>The signals, by signal name.</summary>
    public Dictionary<string, UsageSignalOptions> Signals { get; init; } = [];

    /// <summary>
    /// How many days, beyond those the windows need, late events are still accepted and duplicate ids remembered;
    /// 0 to <see cref="MaxWindowDays"/>, 7 by default. Events whose local date is before the oldest kept day are refused.
    /// </summary>
    public int LatenessDays { get; set; } = 7;

    /// <summary>How far past the clock's now an event may be (clock skew); 0 to 24 hours, 5 minutes by default. Later events are refused.</summary>
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The product's features, as event names (exact): an account's first event with one of these names is a
    /// <see cref="Events.LifecycleEventType.FeatureAdopted"/> event, and <see cref="UsageSignalKind.DistinctFeatures"/>
    /// signals with <see cref="UsageSignalOptions.CatalogOnly"/> count only these. Empty by default: no adoption events.
    /// </summary>
    public List<string> FeatureCatalog { get; init; } = [];

    /// <summary>
    /// Usage milestones: for a signal, the thresholds whose first reaching (value at least the threshold) is a
    /// <see cref="Events.LifecycleEventType.UsageMilestone"/> event, once per account and threshold.
    /// </summary>
    /// <example><c>"Milestones": { "active_users_30d": [ 5, 10, 25 ] }</c></example>
    public Dictionary<string, List<double>> Milestones { get; init; } = [];

    /// <summary>
    /// Usage drops: for a <see cref="UsageSignalKind.Change"/> signal, the threshold below which it is a
    /// <see cref="Events.LifecycleEventType.UsageDropped"/> event; once per drop (the account must come back to the
    /// threshold or above before a second one).
    /// </summary>
    /// <example><c>"Drops": { "logins_trend": -0.5 }</c> (logins down by more than half).</example>
    public Dictionary<string, double> Drops { get; init; } = [];

    internal Duration FutureToleranceDuration => Duration.FromTimeSpan(FutureTolerance);
}
