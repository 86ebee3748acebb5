namespace CustomerLifecycle.Segmentation;

/// <summary>
/// Segmentation settings, bindable from configuration (for example the <c>CustomerLifecycle:Segmentation</c> section)
/// and validated at start-up: every parse error, unknown reference and reference cycle is reported together, each
/// with its key.
/// </summary>
/// <example>
/// <code>
/// "Segmentation": {
///   "Membership": "Overlapping",
///   "Segments": {
///     "Growth": { "Rule": "seats.utilization > 0.9" },
///     "Champions": { "Rule": "signals.nps >= 9 and segment(\"HighEngagement\")", "Priority": 60 }
///   }
/// }
/// </code>
/// </example>
public sealed class SegmentationOptions
{
    /// <summary>Start from <see cref="DefaultSegments.All"/>. Default true.</summary>
    public bool UseDefaultSegments { get; set; } = true;

    /// <summary>Overlapping (default) or exclusive membership.</summary>
    public SegmentMembershipMode Membership { get; set; }

    /// <summary>
    /// Segments by name (ignoring case). A name that matches a default or code-registered segment overrides the
    /// properties it sets; a new name defines a segment and must give a <see cref="SegmentOptions.Rule"/>.
    /// </summary>
    public Dictionary<string, SegmentOptions> Segments { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The longest rule text, in characters. Default 4096; 1 to 1,000,000.</summary>
    public int MaxRuleLength { get; set; } = RuleParserLimits.Default.MaxLength;

    /// <summary>The deepest rule. Default 32; 1 to <see cref="SegmentRule.MaxDepth"/>.</summary>
    public int MaxRuleDepth { get; set; } = RuleParserLimits.Default.MaxDepth;
}

/// <summary>One segment in configuration.</summary>
public sealed class SegmentOptions
{
    /// <summary>The rule, in the rule language; required for a new segment, optional when overriding one.</summary>
    public string? Rule { get; set; }

    /// <summary>Evaluation order, lower first; unset keeps the overridden segment's priority (0 for a new one).</summary>
    public int? Priority { get; set; }

    /// <summary>The exclusive group; unset keeps the overridden segment's group, an empty string removes it.</summary>
    public string? Group { get; set; }

    /// <summary>What the segment is for.</summary>
    public string? Description { get; set; }

    /// <summary>False removes the segment (a default one included). Default true.</summary>
    public bool Enabled { get; set; } = true;
}
