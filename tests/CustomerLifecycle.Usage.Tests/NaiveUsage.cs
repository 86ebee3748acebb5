using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// The usage signals recomputed from raw events with plain LINQ, straight from the definitions in docs/usage.md and
/// written without looking at the aggregator: the reference the property tests hold it to.
/// </summary>
internal static class NaiveUsage
{
    public static double Compute(IEnumerable<UsageEvent> events, UsageOptions options, string signal, AccountId account, LocalDate asOf, DateTimeZone zone)
    {
        var d = options.Signals[signal];
        if (d.Kind == UsageSignalKind.Change)
        {
            var of = options.Signals[d.Of!];
            var n = of.Window!.Value;
            var current = Window(events, options, of, account, asOf, zone);
            var previous = Window(events, options, of, account, asOf.PlusDays(-n), zone);
            return double.IsNaN(current) || double.IsNaN(previous) || previous == 0 ? double.NaN : (current - previous) / previous;
        }

        return Window(events, options, d, account, asOf, zone);
    }

    private static double Window(IEnumerable<UsageEvent> events, UsageOptions options, UsageSignalOptions d, AccountId account, LocalDate end, DateTimeZone zone)
    {
        var matching = events
            .Where(e => e.Account == account && Matches(d, options, e.Name))
            .Select(e => (Event: e, Date: e.At.InZone(zone).Date))
            .ToList();
        if (d.Kind == UsageSignalKind.DaysSinceLast)
        {
            var before = matching.Where(x => x.Date <= end).ToList();
            return before.Count == 0 ? double.NaN : Period.Between(before.Max(x => x.Date), end, PeriodUnits.Days).Days;
        }

        var n = d.Window!.Value;
        var start = end.PlusDays(-(n - 1));
        var inWindow = matching.Where(x => x.Date >= start && x.Date <= end).ToList();
        switch (d.Kind)
        {
            case UsageSignalKind.Count:
                return inWindow.Count;
            case UsageSignalKind.Sum:
                return inWindow.Sum(x => x.Event.Quantity);
            case UsageSignalKind.ActiveUsers:
                return inWindow.Select(x => x.Event.User).Distinct().Count();
            case UsageSignalKind.ActiveDays:
                return inWindow.Select(x => x.Date).Distinct().Count();
            case UsageSignalKind.DistinctFeatures:
                return inWindow.Select(x => x.Event.Name).Distinct().Count();
            case UsageSignalKind.Stickiness:
                var users = inWindow.Select(x => x.Event.User).Distinct().Count();
                if (users == 0)
                {
                    return double.NaN;
                }

                var daily = inWindow.GroupBy(x => x.Date).Sum(g => g.Select(x => x.Event.User).Distinct().Count());
                return daily / (double)n / users;
            default:
                throw new InvalidOperationException(d.Kind.ToString());
        }
    }

    private static bool Matches(UsageSignalOptions d, UsageOptions options, string name)
    {
        if (d.CatalogOnly && !options.FeatureCatalog.Contains(name))
        {
            return false;
        }

        return d.Events switch
        {
            null => true,
            var p when p.EndsWith(".*", StringComparison.Ordinal) => name.StartsWith(p[..^1], StringComparison.Ordinal),
            var exact => name == exact,
        };
    }
}
