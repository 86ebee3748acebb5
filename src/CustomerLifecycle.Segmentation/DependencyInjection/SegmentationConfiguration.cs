using System.Diagnostics.CodeAnalysis;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>Builds the catalog from options: defaults, then segments registered in code, then configuration.</summary>
internal static class SegmentationConfiguration
{
    private static readonly SegmentRule Unparsable = SegmentRule.Parse("tenure.days < 0");

    public static bool TryBuild(
        SegmentationOptions options,
        IEnumerable<Segment> registered,
        LifecycleStageModel stageModel,
        string sectionPath,
        [NotNullWhen(true)] out SegmentCatalog? catalog,
        out IReadOnlyList<string> errors)
    {
        var prefix = string.IsNullOrEmpty(sectionPath) ? string.Empty : sectionPath + ":";
        var found = new List<string>();
        catalog = null;
        RuleParserLimits? limits = null;
        if (options.MaxRuleLength is < 1 or > 1_000_000)
        {
            found.Add($"{prefix}MaxRuleLength: must be 1 to 1,000,000 characters (was {options.MaxRuleLength}).");
        }

        if (options.MaxRuleDepth < 1 || options.MaxRuleDepth > SegmentRule.MaxDepth)
        {
            found.Add($"{prefix}MaxRuleDepth: must be 1 to {SegmentRule.MaxDepth} (was {options.MaxRuleDepth}).");
        }

        if (!Enum.IsDefined(options.Membership))
        {
            found.Add($"{prefix}Membership: must be Overlapping or Exclusive (was {options.Membership}).");
        }

        if (found.Count == 0)
        {
            limits = new RuleParserLimits { MaxLength = options.MaxRuleLength, MaxDepth = options.MaxRuleDepth };
        }

        var segments = new Dictionary<string, Segment>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in (options.UseDefaultSegments ? DefaultSegments.All : []).Concat(registered))
        {
            segments[segment.Name] = segment;
        }

        foreach (var (name, configured) in options.Segments)
        {
            var key = $"{prefix}Segments:{name}";
            if (configured is null)
            {
                continue;
            }

            if (!Segment.IsValidName(name))
            {
                found.Add($"{key}: '{name}' is not a valid segment name (1 to {Segment.MaxNameLength} characters, no control characters).");
                continue;
            }

            if (!configured.Enabled)
            {
                segments.Remove(name);
                continue;
            }

            segments.TryGetValue(name, out var existing);
            SegmentRule? rule = existing?.Rule;
            if (configured.Rule is { } text)
            {
                if (limits is null)
                {
                    // The limits themselves are wrong (reported above): the rule cannot be judged, only referenced.
                    rule = Unparsable;
                }
                else if (!SegmentRule.TryParse(text, out rule, out var parseError, limits))
                {
                    found.Add($"{key}:Rule: {parseError.Message}");

                    // Kept under its name with a rule that references nothing, so the catalog still reports the
                    // reference and cycle errors of the other segments in the same pass.
                    rule = Unparsable;
                }
            }
            else if (existing is null)
            {
                found.Add($"{key}:Rule: a new segment needs a rule, for example \"tenure.days <= 90\".");
                continue;
            }

            var group = configured.Group is null ? existing?.Group : configured.Group.Length == 0 ? null : configured.Group;
            if (group is not null && !Segment.IsValidName(group))
            {
                found.Add($"{key}:Group: '{group}' is not a valid group name (1 to {Segment.MaxNameLength} characters, no control characters).");
                continue;
            }

            segments[name] = new Segment(
                existing?.Name ?? name,
                rule!,
                configured.Priority ?? existing?.Priority ?? 0,
                group,
                configured.Description ?? existing?.Description);
        }

        if (!SegmentCatalog.TryCreate(segments.Values, out catalog, out var catalogErrors, stageModel, Enum.IsDefined(options.Membership) ? options.Membership : default))
        {
            found.AddRange(catalogErrors.Select(e => $"{prefix}Segments:{e.Key}: {e.Message}"));
        }

        if (found.Count > 0 || catalog is null)
        {
            catalog = null;
            errors = found;
            return false;
        }

        errors = [];
        return true;
    }
}
