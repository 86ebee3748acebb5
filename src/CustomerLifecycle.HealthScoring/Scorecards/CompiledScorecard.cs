namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A scorecard flattened into arrays once, so that scoring walks spans: the distinct signals it reads, each leaf
/// factor's inputs, mapping knots and policy, and the factor/group tree in post-order.
/// </summary>
internal sealed class CompiledScorecard
{
    public const int StackLimit = 256;

    public CompiledScorecard(Scorecard scorecard)
    {
        Scorecard = scorecard;
        var signals = new List<SignalKey>();
        var leaves = new List<ScorecardFactor>();
        var parent = new List<int>();
        var weight = new List<double>();
        var leafOfNode = new List<int>();
        var share = new List<double>();
        var groups = new List<string>();
        Flatten(scorecard.Root, "root", -1, 1.0, leaves, groups, parent, weight, leafOfNode, share);
        LeafGroup = [.. groups];

        Leaves = [.. leaves];
        NodeCount = parent.Count;
        Parent = [.. parent];
        Weight = [.. weight];
        LeafOfNode = [.. leafOfNode];
        NodeOfLeaf = new int[Leaves.Length];
        for (var n = 0; n < NodeCount; n++)
        {
            if (LeafOfNode[n] >= 0)
            {
                NodeOfLeaf[LeafOfNode[n]] = n;
            }
        }

        var count = Leaves.Length;
        Factor = new IHealthFactor[count];
        InputOffset = new int[count];
        InputCount = new int[count];
        Plans = new LeafPlan[count];
        var inputs = new List<int>();
        var xs = new List<double>();
        var ys = new List<double>();
        var slopes = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var leaf = Leaves[i];
            var factor = leaf.Factor;
            Factor[i] = factor;
            InputOffset[i] = inputs.Count;
            InputCount[i] = factor.Inputs.Count;
            foreach (var key in factor.Inputs)
            {
                inputs.Add(IndexOf(signals, key));
            }

            MaxInputs = Math.Max(MaxInputs, factor.Inputs.Count);
            var missing = leaf.MissingData;
            Plans[i] = new LeafPlan
            {
                Kind = factor switch { SignalFactor => FactorKind.Signal, RatioFactor => FactorKind.Ratio, _ => FactorKind.Custom },
                In0 = factor.Inputs.Count > 0 ? inputs[InputOffset[i]] : -1,
                In1 = factor.Inputs.Count > 1 ? inputs[InputOffset[i] + 1] : -1,
                MapKind = leaf.Mapping.Kind,
                XOffset = xs.Count,
                XCount = leaf.Mapping.X.Length,
                YOffset = ys.Count,
                Policy = missing.Policy,
                Share = share[i],
                Neutral = missing.Policy == MissingDataPolicy.Zero ? 0 : missing.NeutralPoints,
                HalfLifeDays = missing.HalfLife.TotalDays,
                MaxAgeDays = missing.MaxAge.TotalDays,
            };
            xs.AddRange(leaf.Mapping.X);
            ys.AddRange(leaf.Mapping.Y);
            slopes.AddRange(leaf.Mapping.Slopes);
        }

        Rules = [.. scorecard.CriticalRules];
        RuleSignal = new int[Rules.Length];
        for (var r = 0; r < Rules.Length; r++)
        {
            RuleSignal[r] = IndexOf(signals, Rules[r].Signal);
        }

        LeafInputs = [.. inputs];
        X = [.. xs];
        Y = [.. ys];
        Slopes = [.. slopes];
        Signals = [.. signals];
        if (Signals.Length > StackLimit || NodeCount > StackLimit || MaxInputs > StackLimit)
        {
            throw new InvalidOperationException($"Scorecard '{scorecard.Id}' reads {Signals.Length} signals with {NodeCount} nodes; the limit is {StackLimit} of each.");
        }
    }

    public Scorecard Scorecard { get; }

    public ScorecardFactor[] Leaves { get; }

    public SignalKey[] Signals { get; }

    public string[] LeafGroup { get; }

    public int NodeCount { get; }

    public int[] Parent { get; }

    public double[] Weight { get; }

    public int[] LeafOfNode { get; }

    public int[] NodeOfLeaf { get; }

    public IHealthFactor[] Factor { get; }

    /// <summary>Everything the kernel needs about each leaf, side by side in memory.</summary>
    public LeafPlan[] Plans { get; }

    public int[] InputOffset { get; }

    public int[] InputCount { get; }

    public int[] LeafInputs { get; }

    public int MaxInputs { get; }

    public double[] X { get; }

    public double[] Y { get; }

    /// <summary>Each linear segment's slope, aligned with <see cref="X"/>.</summary>
    public double[] Slopes { get; }

    public CriticalRule[] Rules { get; }

    public int[] RuleSignal { get; }

    // Per shared key layout (SignalSet.LayoutId), made the first time a batch meets it: see LayoutMaps.
    private int[]?[]? _layoutMaps;

    /// <summary>
    /// Per shared key layout (<see cref="SignalSet.LayoutId"/>), where each of <see cref="Signals"/> is in a set with
    /// those keys: its index in the set's values, or −1 when the set lacks it. An entry is null until
    /// <see cref="MakeLayoutMap"/> makes it; maps are kept for the scorecard's life (a reference per layout, a small
    /// array per layout met).
    /// </summary>
    public int[]?[] LayoutMaps
    {
        get
        {
            var maps = Volatile.Read(ref _layoutMaps);
            if (maps is null)
            {
                maps = new int[]?[SignalSet.SharedLayoutCapacity];
                maps = Interlocked.CompareExchange(ref _layoutMaps, maps, null) ?? maps;
            }

            return maps;
        }
    }

    /// <summary>
    /// Makes the entry of <paramref name="maps"/> (<see cref="LayoutMaps"/>) for <paramref name="layout"/>, whose keys
    /// are <paramref name="keys"/>: two threads that meet a new layout at once make the same map, and either is kept.
    /// </summary>
    public int[] MakeLayoutMap(int[]?[] maps, int layout, ReadOnlySpan<SignalKey> keys)
    {
        var map = new int[Signals.Length];
        for (var j = 0; j < map.Length; j++)
        {
            map[j] = keys.IndexOf(Signals[j]);
        }

        Volatile.Write(ref maps[layout], map);
        return map;
    }

    private static int IndexOf(List<SignalKey> signals, SignalKey key)
    {
        var index = signals.IndexOf(key);
        if (index >= 0)
        {
            return index;
        }

        signals.Add(key);
        return signals.Count - 1;
    }

    /// <summary>Post-order: children before their parent, the root last.</summary>
    private static int Flatten(ScorecardNode node, string groupName, int parentSlot, double share, List<ScorecardFactor> leaves, List<string> groups, List<int> parent, List<double> weight, List<int> leafOfNode, List<double> shares)
    {
        if (node is ScorecardFactor factor)
        {
            leaves.Add(factor);
            groups.Add(groupName);
            shares.Add(share);
            parent.Add(parentSlot);
            weight.Add(factor.Weight);
            leafOfNode.Add(leaves.Count - 1);
            return parent.Count - 1;
        }

        var group = (ScorecardGroup)node;
        var total = 0.0;
        foreach (var child in group.Children)
        {
            total += child.Weight;
        }

        var childSlots = new List<int>();
        foreach (var child in group.Children)
        {
            childSlots.Add(Flatten(child, group.Name, -2, share * child.Weight / total, leaves, groups, parent, weight, leafOfNode, shares));
        }

        parent.Add(parentSlot);
        weight.Add(group.Weight);
        leafOfNode.Add(-1);
        var self = parent.Count - 1;
        foreach (var slot in childSlots)
        {
            parent[slot] = self;
        }

        return self;
    }
}

internal struct LeafPlan
{
    public FactorKind Kind;
    public int In0;
    public int In1;
    public PointMappingKind MapKind;
    public int XOffset;
    public int XCount;
    public int YOffset;
    public MissingDataPolicy Policy;
    public double Share;
    public double Neutral;
    public double HalfLifeDays;
    public double MaxAgeDays;
}

internal enum FactorKind
{
    Signal = 0,
    Ratio = 1,
    Custom = 2,
}
