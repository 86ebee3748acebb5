namespace CustomerLifecycle.HealthScoring;

/// <summary>A node of a scorecard: a factor or a group of nodes, with its weight among its siblings.</summary>
/// <remarks>Weights need not sum to anything: each group normalises its children's weights. Immutable and thread-safe.</remarks>
public abstract class ScorecardNode
{
    private protected ScorecardNode(string name, double weight)
    {
        Name = name;
        Weight = weight;
    }

    /// <summary>The factor's or group's name.</summary>
    public string Name { get; }

    /// <summary>The weight among siblings; zero or more.</summary>
    public double Weight { get; }
}

/// <summary>A factor in a scorecard, with its weight, point mapping, missing-data policy and optional color bands.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ScorecardFactor : ScorecardNode
{
    internal ScorecardFactor(IHealthFactor factor, double weight, PointMapping mapping, MissingData missingData, ColorBands? colorBands)
        : base(factor.Name, weight)
    {
        Factor = factor;
        Mapping = mapping;
        MissingData = missingData;
        ColorBands = colorBands;
    }

    /// <summary>The factor.</summary>
    public IHealthFactor Factor { get; }

    /// <summary>The mapping from raw measure to points.</summary>
    public PointMapping Mapping { get; }

    /// <summary>What happens when the factor's data is missing.</summary>
    public MissingData MissingData { get; }

    /// <summary>The factor's own color bands, for coloring it in explanations; the scorecard's when null.</summary>
    public ColorBands? ColorBands { get; }
}

/// <summary>A group of factors and groups (usage = frequency + depth + breadth), nested to any depth.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ScorecardGroup : ScorecardNode
{
    internal ScorecardGroup(string name, double weight, IReadOnlyList<ScorecardNode> children)
        : base(name, weight)
    {
        Children = children;
    }

    /// <summary>The group's members.</summary>
    public IReadOnlyList<ScorecardNode> Children { get; }
}
