namespace CustomerLifecycle.Usage;

/// <summary>One usage signal, as bound from configuration (<c>CustomerLifecycle:Usage:Signals:&lt;signal name&gt;</c>).</summary>
/// <example>
/// <code>
/// "Signals": {
///   "logins_30d":   { "Kind": "Count", "Window": 30, "Events": "user.login" },
///   "reports_30d":  { "Kind": "Count", "Window": 30, "Events": "report.*" },
///   "logins_trend": { "Kind": "Change", "Of": "logins_30d" }
/// }
/// </code>
/// </example>
public sealed class UsageSignalOptions
{
    /// <summary>What it computes. Required.</summary>
    public UsageSignalKind? Kind { get; set; }

    /// <summary>The window in days, 1 to <see cref="UsageOptions.MaxWindowDays"/>; required except for <see cref="UsageSignalKind.DaysSinceLast"/> and <see cref="UsageSignalKind.Change"/>, which take none.</summary>
    public int? Window { get; set; }

    /// <summary>
    /// Which events count: an exact name (<c>report.exported</c>), a prefix ending in <c>.*</c> (<c>report.*</c>:
    /// every name starting with <c>report.</c>), or nothing for every event. Not used by <see cref="UsageSignalKind.Change"/>.
    /// </summary>
    public string? Events { get; set; }

    /// <summary>For <see cref="UsageSignalKind.DistinctFeatures"/>: count only names in <see cref="UsageOptions.FeatureCatalog"/>.</summary>
    public bool CatalogOnly { get; set; }

    /// <summary>For <see cref="UsageSignalKind.Change"/>: the signal whose change it is; any other kind but a change.</summary>
    public string? Of { get; set; }
}
