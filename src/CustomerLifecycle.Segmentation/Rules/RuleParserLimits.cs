namespace CustomerLifecycle.Segmentation;

/// <summary>
/// Limits that keep hostile or mistaken rule text from exhausting the process: the parser refuses longer or deeper
/// text with a <see cref="RuleParseException"/> before doing any work proportional to it.
/// </summary>
public sealed record RuleParserLimits
{
    private readonly int _maxLength = 4096;
    private readonly int _maxDepth = 32;

    /// <summary>4096 characters, 32 levels.</summary>
    public static RuleParserLimits Default { get; } = new();

    /// <summary>
    /// The longest rule, in characters, both as written and as printed back (<c>SegmentRule.ToString</c>), so a parsed
    /// rule always prints to text that parses again. Default 4096; 1 to 1,000,000.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1–1,000,000.</exception>
    public int MaxLength
    {
        get => _maxLength;
        init => _maxLength = value is >= 1 and <= 1_000_000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxLength), value, "RuleParserLimits.MaxLength must be 1 to 1,000,000 characters.");
    }

    /// <summary>
    /// The deepest syntax tree: parentheses, <c>not</c>, and chains of <c>and</c> / <c>or</c> each add a level.
    /// Default 32; 1 to <see cref="SegmentRule.MaxDepth"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1–<see cref="SegmentRule.MaxDepth"/>.</exception>
    public int MaxDepth
    {
        get => _maxDepth;
        init => _maxDepth = value is >= 1 and <= SegmentRule.MaxDepth
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDepth), value, $"RuleParserLimits.MaxDepth must be 1 to {SegmentRule.MaxDepth}.");
    }
}
