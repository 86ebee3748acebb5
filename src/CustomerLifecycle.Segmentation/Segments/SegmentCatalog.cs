using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.InteropServices;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>How an account's segments relate to each other.</summary>
public enum SegmentMembershipMode
{
    /// <summary>An account is in every segment whose rule holds, except that within an exclusive group only the first counts.</summary>
    Overlapping = 0,

    /// <summary>An account is in at most one segment: the first, by priority, whose rule holds.</summary>
    Exclusive = 1,
}

/// <summary>
/// A compiled, validated set of segments: the rules compiled once into allocation-free predicates, references
/// linked, segments ordered by priority. Build one with <see cref="Create"/>; evaluate single accounts or whole
/// portfolios with it. Immutable and thread-safe.
/// </summary>
public sealed class SegmentCatalog
{
    /// <summary>The most exclusive groups a catalog may have.</summary>
    public const int MaxGroups = 64;

    private readonly Segment[] _segments;
    private readonly RuleNode[] _nodes;
    private readonly int[] _groups;
    private readonly Dictionary<string, int> _indexByName;
    private readonly LeafNode[] _leaves;
    private readonly int[] _leafSegments;

    private SegmentCatalog(Segment[] segments, RuleNode[] nodes, LeafNode[] leaves, int[] leafSegments, int[] groups, SegmentMembershipMode membership, LifecycleStageModel stageModel)
    {
        _segments = segments;
        _nodes = nodes;
        _leaves = leaves;
        _leafSegments = leafSegments;
        Operands = leaves.SelectMany(l => l.Operands).Distinct().ToArray();
        _groups = groups;
        Membership = membership;
        StageModel = stageModel;
        _indexByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < segments.Length; i++)
        {
            _indexByName[segments[i].Name] = i;
        }

        WordsPerAccount = Math.Max(1, (segments.Length + 63) / 64);
    }

    /// <summary>The default segments (<see cref="DefaultSegments.All"/>) over the default stage model.</summary>
    public static SegmentCatalog Default { get; } = Create(DefaultSegments.All);

    /// <summary>The segments in evaluation order: by priority, then by name.</summary>
    public IReadOnlyList<Segment> Segments => _segments;

    /// <summary>Whether segments overlap or exclude each other.</summary>
    public SegmentMembershipMode Membership { get; }

    /// <summary>The stage model that gives <c>stage.category</c>.</summary>
    public LifecycleStageModel StageModel { get; }

    /// <summary>
    /// The operands the rules read, each once: the columns a <see cref="SegmentPortfolio"/> needs (a signal in its
    /// matrix; <c>stage.category</c> from the <c>stage</c> column).
    /// </summary>
    public IReadOnlyList<RuleOperand> Operands { get; }

    /// <summary>The number of 64-bit words one account's membership takes: one bit per segment, in <see cref="Segments"/> order.</summary>
    public int WordsPerAccount { get; }

    /// <summary>Validates and compiles segments.</summary>
    /// <param name="segments">The segments; names unique ignoring case.</param>
    /// <param name="stageModel">The stage model for <c>stage.category</c>; <see cref="LifecycleStageModel.Default"/> when null.</param>
    /// <param name="membership">Overlapping (the default) or exclusive membership.</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="InvalidSegmentCatalogException">Duplicate names, unknown references, reference cycles, or too many groups; every problem is listed.</exception>
    public static SegmentCatalog Create(IEnumerable<Segment> segments, LifecycleStageModel? stageModel = null, SegmentMembershipMode membership = SegmentMembershipMode.Overlapping) =>
        TryCreate(segments, out var catalog, out var errors, stageModel, membership) ? catalog : throw new InvalidSegmentCatalogException(errors);

    /// <summary>Validates and compiles segments, returning every problem instead of throwing.</summary>
    /// <param name="segments">The segments.</param>
    /// <param name="catalog">The catalog, when valid.</param>
    /// <param name="errors">Every problem, each keyed by segment name; empty when valid.</param>
    /// <param name="stageModel">The stage model for <c>stage.category</c>; <see cref="LifecycleStageModel.Default"/> when null.</param>
    /// <param name="membership">Overlapping (the default) or exclusive membership.</param>
    /// <returns>True when valid.</returns>
    public static bool TryCreate(
        IEnumerable<Segment> segments,
        [NotNullWhen(true)] out SegmentCatalog? catalog,
        out IReadOnlyList<SegmentError> errors,
        LifecycleStageModel? stageModel = null,
        SegmentMembershipMode membership = SegmentMembershipMode.Overlapping)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (!Enum.IsDefined(membership))
        {
            throw new ArgumentOutOfRangeException(nameof(membership), membership, "SegmentMembershipMode must be Overlapping or Exclusive.");
        }

        stageModel ??= LifecycleStageModel.Default;
        var list = segments.ToArray();
        var found = Validate(list);
        if (found.Count > 0)
        {
            catalog = null;
            errors = found;
            return false;
        }

        var ordered = list
            .OrderBy(s => s.Priority)
            .ThenBy(s => s.Name, StringComparer.OrdinalIgnoreCase)
            .ToArray();
        var groupNames = new List<string>();
        var groups = new int[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            var group = membership == SegmentMembershipMode.Exclusive ? string.Empty : ordered[i].Group;
            groups[i] = -1;
            if (group is not null)
            {
                var index = groupNames.FindIndex(g => string.Equals(g, group, StringComparison.OrdinalIgnoreCase));
                groups[i] = index >= 0 ? index : groupNames.Count;
                if (index < 0)
                {
                    groupNames.Add(group);
                }
            }
        }

        if (groupNames.Count > MaxGroups)
        {
            catalog = null;
            errors = [new SegmentError(groupNames[MaxGroups], $"A catalog has at most {MaxGroups} exclusive groups; these segments use {groupNames.Count}.")];
            return false;
        }

        var categories = stageModel.Stages.ToDictionary(s => s.Id, s => s.Category);
        var references = new Dictionary<string, ReferenceNode>(StringComparer.OrdinalIgnoreCase);
        var compiler = new RuleCompiler(categories, name => references.TryGetValue(name, out var node) ? node : references[name] = new ReferenceNode());
        var nodes = new RuleNode[ordered.Length];
        var leafSegments = new List<int>();
        for (var i = 0; i < ordered.Length; i++)
        {
            nodes[i] = compiler.Compile(ordered[i].Rule);
            leafSegments.AddRange(Enumerable.Repeat(i, compiler.Leaves.Count - leafSegments.Count));
        }

        for (var i = 0; i < ordered.Length; i++)
        {
            if (references.TryGetValue(ordered[i].Name, out var reference))
            {
                reference.Target = nodes[i];
            }
        }

        catalog = new SegmentCatalog(ordered, nodes, [.. compiler.Leaves], [.. leafSegments], groups, membership, stageModel);
        errors = [];
        return true;
    }

    /// <summary>The position of a segment in <see cref="Segments"/>.</summary>
    /// <param name="segment">The segment's name, ignoring case.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">No segment has that name.</exception>
    public int IndexOf(string segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return _indexByName.TryGetValue(segment, out var index)
            ? index
            : throw new ArgumentException($"No segment is named '{segment}'; the catalog has {string.Join(", ", _segments.Select(s => s.Name))}.", nameof(segment));
    }

    /// <summary>Whether a segment with this name exists, ignoring case.</summary>
    /// <param name="segment">The name.</param>
    /// <returns>True when it exists.</returns>
    public bool Contains(string segment) => segment is not null && _indexByName.ContainsKey(segment);

    /// <summary>Whether the segment's rule holds for the subject on <paramref name="today"/>, regardless of exclusive groups. Allocation-free.</summary>
    /// <param name="segment">The segment's index in <see cref="Segments"/>.</param>
    /// <param name="subject">The account and its health.</param>
    /// <param name="today">The current date, for relative dates.</param>
    /// <returns>True when the rule holds.</returns>
    public bool Matches(int segment, in SegmentSubject subject, LocalDate today)
    {
        CheckSubject(subject);
        return _nodes[segment].Matches(subject, today);
    }

    /// <summary>Whether the named segment's rule holds for the subject, regardless of exclusive groups.</summary>
    /// <param name="segment">The segment's name.</param>
    /// <param name="subject">The account and its health.</param>
    /// <param name="today">The current date.</param>
    /// <returns>True when the rule holds.</returns>
    public bool Matches(string segment, in SegmentSubject subject, LocalDate today) => Matches(IndexOf(segment), subject, today);

    /// <summary>
    /// Writes one account's membership, one bit per segment in <see cref="Segments"/> order, honouring exclusive groups.
    /// Allocation-free.
    /// </summary>
    /// <param name="subject">The account and its health.</param>
    /// <param name="today">The current date.</param>
    /// <param name="membership">At least <see cref="WordsPerAccount"/> words; cleared, then written.</param>
    /// <exception cref="ArgumentException"><paramref name="membership"/> is too short, or the subject has no account.</exception>
    public void Evaluate(in SegmentSubject subject, LocalDate today, Span<ulong> membership)
    {
        CheckSubject(subject);
        if (membership.Length < WordsPerAccount)
        {
            throw new ArgumentException($"The membership span needs {WordsPerAccount} words for {_segments.Length} segments; it has {membership.Length}.", nameof(membership));
        }

        EvaluateUnchecked(subject, today, membership);
    }

    /// <summary>The segments an account belongs to, honouring exclusive groups.</summary>
    /// <param name="subject">The account and its health.</param>
    /// <param name="today">The current date.</param>
    /// <returns>The segments, in <see cref="Segments"/> order.</returns>
    public IReadOnlyList<Segment> SegmentsOf(in SegmentSubject subject, LocalDate today)
    {
        Span<ulong> bits = WordsPerAccount <= 16 ? stackalloc ulong[WordsPerAccount] : new ulong[WordsPerAccount];
        Evaluate(subject, today, bits);
        return FromBits(bits);
    }

    /// <summary>Evaluates a portfolio. Allocates the result only: a bit per account and segment, and the account list.</summary>
    /// <param name="subjects">The accounts and their health; account ids unique.</param>
    /// <param name="today">The current date.</param>
    /// <returns>The membership of every account.</returns>
    public SegmentEvaluation Evaluate(ReadOnlySpan<SegmentSubject> subjects, LocalDate today)
    {
        var accounts = new Account[subjects.Length];
        var colors = new sbyte[subjects.Length];
        var bits = new ulong[checked(subjects.Length * WordsPerAccount)];
        for (var i = 0; i < subjects.Length; i++)
        {
            ref readonly var subject = ref subjects[i];
            CheckSubject(subject, i);
            accounts[i] = subject.Account;
            colors[i] = subject.Health?.Color is { } color ? (sbyte)color : (sbyte)-1;
            EvaluateUnchecked(subject, today, bits.AsSpan(i * WordsPerAccount, WordsPerAccount));
        }

        return new SegmentEvaluation(this, today, accounts, colors, bits);
    }

    /// <summary>Evaluates a portfolio given as a sequence.</summary>
    /// <param name="subjects">The accounts and their health; account ids unique.</param>
    /// <param name="today">The current date.</param>
    /// <returns>The membership of every account.</returns>
    public SegmentEvaluation Evaluate(IEnumerable<SegmentSubject> subjects, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        return subjects is SegmentSubject[] array ? Evaluate(array.AsSpan(), today)
            : subjects is List<SegmentSubject> list ? Evaluate(CollectionsMarshal.AsSpan(list), today)
            : Evaluate(subjects.ToArray().AsSpan(), today);
    }

    /// <summary>
    /// Evaluates a portfolio held in columns, a block of rows at a time: the same membership as evaluating the same
    /// accounts one by one, at a cost per account that does not grow with the portfolio. Allocates the result only
    /// (a bit per account and segment) and, per call, the resolution of the columns.
    /// </summary>
    /// <param name="portfolio">The portfolio; its date is the evaluation's.</param>
    /// <returns>The membership of every account.</returns>
    /// <exception cref="ArgumentException">A rule reads a column the portfolio does not have; every such column is named, with the segments that read it.</exception>
    public SegmentEvaluation Evaluate(SegmentPortfolio portfolio)
    {
        ArgumentNullException.ThrowIfNull(portfolio);
        var absent = _leaves
            .SelectMany((leaf, i) => leaf.Operands.Select(operand => (Operand: operand, Segment: _segments[_leafSegments[i]].Name)))
            .Where(x => !portfolio.HasColumn(x.Operand))
            .GroupBy(x => x.Operand)
            .Select(g => $"'{g.Key.Path}' (read by {string.Join(", ", g.Select(x => $"'{x.Segment}'").Distinct())})")
            .ToList();
        if (absent.Count > 0)
        {
            throw new ArgumentException($"The portfolio has no column for {string.Join("; ", absent)}. Set it (SetNumbers, SetTexts, SetColors, or a signal in SetSignals) or use SegmentPortfolio.FromSubjects.", nameof(portfolio));
        }

        var columns = new LeafColumn[_leaves.Length];
        foreach (var leaf in _leaves)
        {
            leaf.Bind(portfolio, columns);
        }

        var count = portfolio.Count;
        var words = WordsPerAccount;
        var bits = new ulong[checked(count * words)];
        var groupCount = _groups.Length == 0 ? 0 : _groups.Max() + 1;
        const int BlockWords = RuleNode.BlockRows / 64;
        Span<ulong> mask = stackalloc ulong[BlockWords];
        var taken = new ulong[groupCount * BlockWords];
        for (var start = 0; start < count; start += RuleNode.BlockRows)
        {
            var rows = Math.Min(RuleNode.BlockRows, count - start);
            var blockWords = (rows + 63) >> 6;
            var block = mask[..blockWords];
            Array.Clear(taken);
            for (var s = 0; s < _nodes.Length; s++)
            {
                _nodes[s].Evaluate(columns, start, rows, block);
                if (_groups[s] is var group and >= 0)
                {
                    var t = taken.AsSpan(group * BlockWords, blockWords);
                    for (var w = 0; w < blockWords; w++)
                    {
                        block[w] &= ~t[w];
                        t[w] |= block[w];
                    }
                }

                var bit = 1UL << (s & 63);
                var offset = s >> 6;
                for (var w = 0; w < blockWords; w++)
                {
                    for (var word = block[w]; word != 0; word &= word - 1)
                    {
                        var row = start + (w << 6) + BitOperations.TrailingZeroCount(word);
                        bits[(row * words) + offset] |= bit;
                    }
                }
            }
        }

        var colors = portfolio.Colors ?? [];
        return new SegmentEvaluation(this, portfolio.Date, portfolio, colors, bits);
    }

    internal IReadOnlyList<Segment> FromBits(ReadOnlySpan<ulong> bits)
    {
        var result = new List<Segment>();
        for (var i = 0; i < _segments.Length; i++)
        {
            if ((bits[i >> 6] & (1UL << (i & 63))) != 0)
            {
                result.Add(_segments[i]);
            }
        }

        return result;
    }

    private void EvaluateUnchecked(in SegmentSubject subject, LocalDate today, Span<ulong> membership)
    {
        membership[..WordsPerAccount].Clear();
        var taken = 0UL;
        for (var i = 0; i < _nodes.Length; i++)
        {
            var group = _groups[i];
            if (group >= 0 && (taken & (1UL << group)) != 0)
            {
                continue;
            }

            if (_nodes[i].Matches(subject, today))
            {
                membership[i >> 6] |= 1UL << (i & 63);
                if (group >= 0)
                {
                    taken |= 1UL << group;
                }
            }
        }
    }

    private static void CheckSubject(in SegmentSubject subject, int index = -1)
    {
        if (subject.Account is null)
        {
            throw new ArgumentException(index < 0
                ? "The subject has no account; default(SegmentSubject) cannot be evaluated."
                : $"The subject at index {index} has no account; default(SegmentSubject) cannot be evaluated.");
        }
    }

    private static List<SegmentError> Validate(Segment[] segments)
    {
        var errors = new List<SegmentError>();
        var byName = new Dictionary<string, Segment>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in segments)
        {
            ArgumentNullException.ThrowIfNull(segment, nameof(segments));
            if (!byName.TryAdd(segment.Name, segment))
            {
                errors.Add(new SegmentError(segment.Name, $"Two segments are named '{segment.Name}' (names ignore case); keep one."));
            }
        }

        foreach (var segment in segments)
        {
            foreach (var reference in segment.Rule.ReferencedSegments())
            {
                if (!byName.ContainsKey(reference))
                {
                    errors.Add(new SegmentError(segment.Name, $"The rule refers to segment(\"{reference}\"), which is not defined."));
                }
            }
        }

        // Depth-first search for cycles; each cycle is reported once, from the first segment on it.
        var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var path = new List<string>();
        foreach (var segment in segments)
        {
            Visit(segment.Name);
        }

        return errors;

        void Visit(string name)
        {
            if (!byName.TryGetValue(name, out var segment) || state.GetValueOrDefault(name) == 2)
            {
                return;
            }

            if (state.GetValueOrDefault(name) == 1)
            {
                var start = path.FindIndex(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
                var cycle = string.Join(" → ", path.Skip(start).Append(segment.Name));
                errors.Add(new SegmentError(segment.Name, $"Segment references form a cycle: {cycle}. A segment cannot depend on itself."));
                return;
            }

            state[name] = 1;
            path.Add(segment.Name);
            foreach (var reference in segment.Rule.ReferencedSegments())
            {
                Visit(reference);
            }

            path.RemoveAt(path.Count - 1);
            state[name] = 2;
        }
    }
}
