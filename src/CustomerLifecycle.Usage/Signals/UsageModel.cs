using System.Globalization;
using System.Text;

namespace CustomerLifecycle.Usage;

/// <summary>The checked, compiled form of <see cref="UsageOptions"/>: definitions in name order, their event filters, and the day ring they need.</summary>
internal sealed class UsageModel
{
    public const int MaxFilters = 64;

    private UsageModel(UsageOptions options, List<Definition> definitions, List<Filter> filters, HashSet<string> catalog, List<Milestone> milestones, List<Drop> drops)
    {
        Definitions = [.. definitions];
        Filters = [.. filters];
        Catalog = catalog;
        Milestones = [.. milestones];
        Drops = [.. drops];
        LatenessDays = options.LatenessDays;
        FutureTolerance = options.FutureToleranceDuration;

        var span = 1;
        foreach (var d in Definitions)
        {
            span = Math.Max(span, d.Kind == UsageSignalKind.Change ? 2 * d.Window : d.Window);
        }

        WindowSpan = span;
        KeptDays = span + options.LatenessDays;
        RingDays = KeptDays + 2;
        Words = (RingDays + 63) >> 6;

        CountSlot = new int[Filters.Length];
        SumSlot = new int[Filters.Length];
        UserSlot = new int[Filters.Length];
        Array.Fill(CountSlot, -1);
        Array.Fill(SumSlot, -1);
        Array.Fill(UserSlot, -1);
        foreach (var d in Definitions)
        {
            switch (d.Kind)
            {
                case UsageSignalKind.Count when CountSlot[d.Filter] < 0:
                    CountSlot[d.Filter] = CountFilters++;
                    break;
                case UsageSignalKind.Sum when SumSlot[d.Filter] < 0:
                    SumSlot[d.Filter] = SumFilters++;
                    break;
                case UsageSignalKind.ActiveUsers or UsageSignalKind.Stickiness when UserSlot[d.Filter] < 0:
                    UserSlot[d.Filter] = UserFilters++;
                    break;
            }
        }

        var fingerprint = new StringBuilder();
        fingerprint.Append(CultureInfo.InvariantCulture, $"ring={RingDays};lateness={LatenessDays};catalog={string.Join(',', Catalog.Order(StringComparer.Ordinal))};");
        foreach (var d in Definitions)
        {
            var f = Filters[d.Filter];
            fingerprint.Append(CultureInfo.InvariantCulture, $"{d.Key}={d.Kind}/{d.Window}/{f}/{(d.Of >= 0 ? Definitions[d.Of].Key.Name : "")};");
        }

        foreach (var m in Milestones)
        {
            fingerprint.Append(CultureInfo.InvariantCulture, $"milestone {Definitions[m.Definition].Key}>={string.Join(',', m.Thresholds.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))};");
        }

        foreach (var d in Drops)
        {
            fingerprint.Append(CultureInfo.InvariantCulture, $"drop {Definitions[d.Definition].Key}<{d.Below.ToString("R", CultureInfo.InvariantCulture)};");
        }

        Fingerprint = fingerprint.ToString();
        MilestoneBits = Milestones.Sum(m => m.Thresholds.Length);
    }

    public Definition[] Definitions { get; }

    public Filter[] Filters { get; }

    public HashSet<string> Catalog { get; }

    public Milestone[] Milestones { get; }

    public int MilestoneBits { get; }

    public Drop[] Drops { get; }

    public int LatenessDays { get; }

    public NodaTime.Duration FutureTolerance { get; }

    /// <summary>The most days any definition reads back from the evaluation date (twice the window for a change).</summary>
    public int WindowSpan { get; }

    /// <summary>Days back from today whose events are accepted: the window span plus the lateness.</summary>
    public int KeptDays { get; }

    /// <summary>Days in the ring: the kept days and two ahead (an event up to 24 hours in the future may fall on the day after tomorrow where a day is 23 hours long).</summary>
    public int RingDays { get; }

    public int Words { get; }

    public int[] CountSlot { get; }

    public int[] SumSlot { get; }

    public int[] UserSlot { get; }

    public int CountFilters { get; }

    public int SumFilters { get; }

    public int UserFilters { get; }

    /// <summary>Everything that decides the meaning of a saved state; a state saved under another is refused.</summary>
    public string Fingerprint { get; }

    /// <summary>Which filters an event name matches, one bit per filter.</summary>
    public ulong FilterMask(string name)
    {
        var mask = 0UL;
        for (var f = 0; f < Filters.Length; f++)
        {
            if (Filters[f].Matches(name, Catalog))
            {
                mask |= 1UL << f;
            }
        }

        return mask;
    }

    /// <summary>Whether a first use of the name is an adoption: it is in the feature catalog.</summary>
    public bool IsFeature(string name) => Catalog.Contains(name);

    public static UsageModel Create(UsageOptions options, string sectionPath)
    {
        var errors = Validate(options, sectionPath, out var model);
        return errors.Count == 0
            ? model!
            : throw new ArgumentException("Usage options are invalid: " + string.Join(" ", errors), nameof(options));
    }

    public static List<string> Validate(UsageOptions options, string sectionPath, out UsageModel? model)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = string.IsNullOrEmpty(sectionPath) ? string.Empty : sectionPath + ":";
        var errors = new List<string>();
        model = null;

        if (options.LatenessDays is < 0 or > UsageOptions.MaxWindowDays)
        {
            errors.Add($"{prefix}LatenessDays: {options.LatenessDays} must be from 0 to {UsageOptions.MaxWindowDays}.");
        }

        if (options.FutureTolerance < TimeSpan.Zero || options.FutureTolerance > TimeSpan.FromHours(24))
        {
            errors.Add($"{prefix}FutureTolerance: {options.FutureTolerance} must be from 00:00:00 to 1.00:00:00.");
        }

        var catalog = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.FeatureCatalog.Count; i++)
        {
            var name = options.FeatureCatalog[i];
            if (!SignalKey.IsValidName(name))
            {
                errors.Add($"{prefix}FeatureCatalog:{i}: '{name}' is not an event name (1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter).");
            }
            else if (!catalog.Add(name))
            {
                errors.Add($"{prefix}FeatureCatalog:{i}: '{name}' is listed twice.");
            }
        }

        var names = options.Signals.Keys.Order(StringComparer.Ordinal).ToList();
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            indexOf[names[i]] = i;
        }

        var definitions = new List<Definition>();
        var filters = new List<Filter>();
        foreach (var name in names)
        {
            var key = $"{prefix}Signals:{name}";
            var s = options.Signals[name] ?? new UsageSignalOptions();
            var valid = true;
            if (!SignalKey.IsValidName(name))
            {
                errors.Add($"{key}: '{name}' is not a signal name (1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter).");
                valid = false;
            }

            if (s.Kind is not { } kind || !Enum.IsDefined(kind))
            {
                errors.Add($"{key}:Kind: {(s.Kind is null ? "is required" : $"'{s.Kind}' is not a kind")}; use one of {string.Join(", ", Enum.GetNames<UsageSignalKind>())}.");
                definitions.Add(default);
                continue;
            }

            var window = 0;
            if (kind is UsageSignalKind.DaysSinceLast or UsageSignalKind.Change)
            {
                if (s.Window is not null)
                {
                    errors.Add($"{key}:Window: {kind} takes no window ({(kind == UsageSignalKind.Change ? "it uses the window of the signal in Of" : "it looks back as far as the kept days")}); remove it.");
                    valid = false;
                }
            }
            else if (s.Window is not { } w || w < 1 || w > UsageOptions.MaxWindowDays)
            {
                errors.Add($"{key}:Window: {(s.Window is null ? "is required" : s.Window.Value.ToString(CultureInfo.InvariantCulture))}; {kind} needs a window of 1 to {UsageOptions.MaxWindowDays} days.");
                valid = false;
            }
            else
            {
                window = w;
            }

            var of = -1;
            var filter = -1;
            if (kind == UsageSignalKind.Change)
            {
                if (s.Events is not null)
                {
                    errors.Add($"{key}:Events: a Change takes the events of the signal in Of; remove it.");
                    valid = false;
                }

                if (string.IsNullOrEmpty(s.Of))
                {
                    errors.Add($"{key}:Of: is required; name the signal whose change this is.");
                    valid = false;
                }
                else if (!indexOf.TryGetValue(s.Of, out of))
                {
                    errors.Add($"{key}:Of: '{s.Of}' is not a usage signal; defined: {string.Join(", ", names)}.");
                    valid = false;
                }
                else if (options.Signals[s.Of]?.Kind is UsageSignalKind.Change or UsageSignalKind.DaysSinceLast)
                {
                    errors.Add($"{key}:Of: '{s.Of}' is a {options.Signals[s.Of]!.Kind}, which has no window to compare; name a signal with a window.");
                    valid = false;
                }
            }
            else
            {
                if (s.Of is not null)
                {
                    errors.Add($"{key}:Of: only a Change names another signal; remove it.");
                    valid = false;
                }

                if (s.CatalogOnly && kind != UsageSignalKind.DistinctFeatures)
                {
                    errors.Add($"{key}:CatalogOnly: only DistinctFeatures counts catalog features; remove it.");
                    valid = false;
                }
                else if (s.CatalogOnly && catalog.Count == 0)
                {
                    errors.Add($"{key}:CatalogOnly: FeatureCatalog is empty; list the features in {prefix}FeatureCatalog.");
                    valid = false;
                }

                if (Filter.TryParse(s.Events, s.CatalogOnly, out var parsed, out var why))
                {
                    filter = filters.IndexOf(parsed);
                    if (filter < 0)
                    {
                        filter = filters.Count;
                        filters.Add(parsed);
                    }
                }
                else
                {
                    errors.Add($"{key}:Events: '{s.Events}' {why}");
                    valid = false;
                }
            }

            definitions.Add(valid ? new Definition(new SignalKey(name), kind, window, filter, of) : default);
        }

        if (filters.Count > MaxFilters)
        {
            errors.Add($"{prefix}Signals: {filters.Count} distinct event filters; at most {MaxFilters} are supported.");
        }

        // A change takes the window and the filter of the signal it compares.
        for (var i = 0; i < definitions.Count; i++)
        {
            var d = definitions[i];
            if (d.Kind == UsageSignalKind.Change && definitions[d.Of].Kind != 0)
            {
                var o = definitions[d.Of];
                definitions[i] = d with { Window = o.Window, Filter = o.Filter };
            }
        }

        var milestones = new List<Milestone>();
        foreach (var (signal, thresholds) in options.Milestones.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = $"{prefix}Milestones:{signal}";
            if (!indexOf.TryGetValue(signal, out var d))
            {
                errors.Add($"{key}: '{signal}' is not a usage signal; defined: {string.Join(", ", names)}.");
                continue;
            }

            var list = thresholds ?? [];
            if (list.Count == 0)
            {
                errors.Add($"{key}: list at least one threshold.");
            }

            for (var i = 0; i < list.Count; i++)
            {
                if (!double.IsFinite(list[i]))
                {
                    errors.Add($"{key}:{i}: {list[i].ToString(CultureInfo.InvariantCulture)} must be a finite number.");
                }
                else if (list.IndexOf(list[i]) != i)
                {
                    errors.Add($"{key}:{i}: {list[i].ToString(CultureInfo.InvariantCulture)} is listed twice.");
                }
            }

            milestones.Add(new Milestone(d, [.. list.Order()]));
        }

        if (milestones.Sum(m => m.Thresholds.Length) > 64)
        {
            errors.Add($"{prefix}Milestones: {milestones.Sum(m => m.Thresholds.Length)} thresholds in all; at most 64 are supported.");
        }

        var drops = new List<Drop>();
        foreach (var (signal, below) in options.Drops.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = $"{prefix}Drops:{signal}";
            if (!indexOf.TryGetValue(signal, out var d))
            {
                errors.Add($"{key}: '{signal}' is not a usage signal; defined: {string.Join(", ", names)}.");
            }
            else if (options.Signals[signal]?.Kind != UsageSignalKind.Change)
            {
                errors.Add($"{key}: '{signal}' is not a Change; a drop is a change falling below a threshold.");
            }
            else if (!double.IsFinite(below))
            {
                errors.Add($"{key}: {below.ToString(CultureInfo.InvariantCulture)} must be a finite number.");
            }
            else
            {
                drops.Add(new Drop(d, below));
            }
        }

        if (drops.Count > 64)
        {
            errors.Add($"{prefix}Drops: {drops.Count} drops; at most 64 are supported.");
        }

        if (errors.Count == 0)
        {
            model = new UsageModel(options, definitions, filters, catalog, milestones, drops);
        }

        return errors;
    }

    /// <summary>A compiled signal definition. <see cref="Of"/> is the compared definition's index for a change, else -1.</summary>
    public readonly record struct Definition(SignalKey Key, UsageSignalKind Kind, int Window, int Filter, int Of);

    public readonly record struct Milestone(int Definition, double[] Thresholds);

    public readonly record struct Drop(int Definition, double Below);

    /// <summary>Which event names a definition reads: all, an exact name, or a prefix; optionally only catalog features.</summary>
    public readonly record struct Filter(string? Exact, string? Prefix, bool CatalogOnly)
    {
        public bool Matches(string name, HashSet<string> catalog) =>
            (Exact is null || string.Equals(name, Exact, StringComparison.Ordinal))
            && (Prefix is null || name.StartsWith(Prefix, StringComparison.Ordinal))
            && (!CatalogOnly || catalog.Contains(name));

        public override string ToString() => (Exact ?? (Prefix is null ? "*" : Prefix + "*")) + (CatalogOnly ? "[catalog]" : string.Empty);

        public static bool TryParse(string? text, bool catalogOnly, out Filter filter, out string why)
        {
            why = string.Empty;
            filter = new Filter(null, null, catalogOnly);
            if (text is null)
            {
                return true;
            }

            if (text.EndsWith(".*", StringComparison.Ordinal))
            {
                var stem = text[..^2];
                if (SignalKey.IsValidName(stem))
                {
                    filter = new Filter(null, stem + ".", catalogOnly);
                    return true;
                }
            }
            else if (SignalKey.IsValidName(text))
            {
                filter = new Filter(text, null, catalogOnly);
                return true;
            }

            why = $"is not an event filter: use an event name (report.exported), a prefix ending in .* (report.*), or leave it out for every event.";
            return false;
        }
    }
}
