using System.Diagnostics.CodeAnalysis;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A named segment: a rule, a priority (lower is evaluated first), and an optional exclusive group. Segments in the
/// same group are mutually exclusive: an account joins the first of them whose rule holds, by priority. Segments
/// without a group overlap freely. Names compare case-insensitively.
/// </summary>
public sealed record Segment
{
    /// <summary>The longest segment name.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Creates a segment.</summary>
    /// <param name="name">1 to <see cref="MaxNameLength"/> characters, no control characters, not blank.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="priority">Evaluation order; lower first. Ties are broken by name.</param>
    /// <param name="group">The exclusive group, if any.</param>
    /// <param name="description">What the segment is for, shown in summaries and docs.</param>
    /// <exception cref="ArgumentException">The name or group is not valid.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="rule"/> is null.</exception>
    public Segment(string name, SegmentRule rule, int priority = 0, string? group = null, string? description = null)
    {
        ValidateName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(rule);
        if (group is not null)
        {
            ValidateName(group, nameof(group));
        }

        Name = name;
        Rule = rule;
        Priority = priority;
        Group = group;
        Description = description;
    }

    /// <summary>The segment's name.</summary>
    public string Name { get; }

    /// <summary>The rule an account must meet.</summary>
    public SegmentRule Rule { get; }

    /// <summary>Evaluation order; lower first.</summary>
    public int Priority { get; }

    /// <summary>The exclusive group, or null when the segment overlaps freely.</summary>
    public string? Group { get; }

    /// <summary>What the segment is for.</summary>
    public string? Description { get; }

    /// <summary>Returns true when <paramref name="name"/> is a valid segment or group name.</summary>
    /// <param name="name">The candidate.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidName([NotNullWhen(true)] string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxNameLength && !name.Any(char.IsControl) && StoredText.IndexOfProblem(name) < 0;

    internal static void ValidateName(string? name, string parameter)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"A segment or group name has 1 to {MaxNameLength} characters, is not blank, has no control characters and no lone surrogate; '{name}' is not valid.", parameter);
        }
    }
}
