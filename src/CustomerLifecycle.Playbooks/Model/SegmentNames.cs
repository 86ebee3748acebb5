using System.Collections;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// An account's segment names, compared without regard to case: an array searched in order, since an account is in
/// a handful of segments. A snapshot of a million accounts holds a million of these; a hash set each would cost
/// several times the memory. Immutable and thread-safe.
/// </summary>
internal sealed class SegmentNames : IReadOnlySet<string>
{
    private readonly string[] _names;

    public SegmentNames(IEnumerable<string> names)
    {
        var distinct = new List<string>();
        foreach (var name in names)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(names));
            if (!Contains(distinct, name))
            {
                distinct.Add(name);
            }
        }

        _names = [.. distinct];
    }

    public int Count => _names.Length;

    public bool Contains(string item) => Contains(_names, item);

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool IsProperSubsetOf(IEnumerable<string> other) => Set().IsProperSubsetOf(other);

    public bool IsProperSupersetOf(IEnumerable<string> other) => Set().IsProperSupersetOf(other);

    public bool IsSubsetOf(IEnumerable<string> other) => Set().IsSubsetOf(other);

    public bool IsSupersetOf(IEnumerable<string> other) => Set().IsSupersetOf(other);

    public bool Overlaps(IEnumerable<string> other) => Set().Overlaps(other);

    public bool SetEquals(IEnumerable<string> other) => Set().SetEquals(other);

    private static bool Contains(IReadOnlyList<string> names, string item)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], item, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // The set algebra is for callers outside the hot path; a hash set is made for it on demand.
    private HashSet<string> Set() => new(_names, StringComparer.OrdinalIgnoreCase);
}
