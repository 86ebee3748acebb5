namespace CustomerLifecycle.HealthScoring;

/// <summary>Builds a <see cref="Scorecard"/>.</summary>
/// <remarks>Not thread-safe; the scorecard it builds is.</remarks>
/// <example>
/// <code>
/// var scorecard = Scorecard.CreateBuilder("enterprise", version: 3)
///     .AddGroup("usage", 40, g =&gt; g
///         .AddFactor(HealthFactors.UsageFrequency, 1)
///         .AddFactor(HealthFactors.FeatureDepth, 1)
///         .AddFactor(HealthFactors.SeatUtilization, 2))
///     .AddFactor(HealthFactors.Nps, 20, missingData: MissingData.Neutral())
///     .AddFactor(HealthFactors.UnresolvedTickets, 20)
///     .AddFactor(HealthFactors.CsmSentiment, 10)
///     .WithColorBands(new ColorBands(40, 70))
///     .AddCriticalRule(new CriticalRule("high-severity tickets", WellKnownSignals.HighSeverityTickets, ComparisonOperator.GreaterThanOrEqual, 2, HealthColor.Red))
///     .Build();
/// </code>
/// </example>
public sealed class ScorecardBuilder : ScorecardGroupBuilder
{
    private readonly string _id;
    private readonly int _version;
    private readonly List<CriticalRule> _rules = [];
    private ColorBands _colorBands = ColorBands.Default;
    private string? _description;

    internal ScorecardBuilder(string id, int version)
    {
        if (!Scorecard.IsValidId(id))
        {
            throw new ArgumentException($"Scorecard id '{id}' is invalid: use 1 to 64 ASCII letters, digits, '_' or '-', starting with a letter.", nameof(id));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        _id = id;
        _version = version;
    }

    /// <inheritdoc cref="ScorecardGroupBuilder.AddFactor"/>
    public new ScorecardBuilder AddFactor(IHealthFactor factor, double weight, PointMapping? mapping = null, MissingData? missingData = null, ColorBands? colorBands = null)
    {
        base.AddFactor(factor, weight, mapping, missingData, colorBands);
        return this;
    }

    /// <inheritdoc cref="ScorecardGroupBuilder.AddGroup"/>
    public new ScorecardBuilder AddGroup(string name, double weight, Action<ScorecardGroupBuilder> configure)
    {
        base.AddGroup(name, weight, configure);
        return this;
    }

    /// <summary>Sets the color bands of the score.</summary>
    /// <param name="colorBands">The bands.</param>
    /// <returns>This builder.</returns>
    public ScorecardBuilder WithColorBands(ColorBands colorBands)
    {
        _colorBands = colorBands;
        return this;
    }

    /// <summary>Adds a rule that forces a color.</summary>
    /// <param name="rule">The rule.</param>
    /// <returns>This builder.</returns>
    public ScorecardBuilder AddCriticalRule(CriticalRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _rules.Add(rule);
        return this;
    }

    /// <summary>Describes the scorecard for people.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    public ScorecardBuilder WithDescription(string? description)
    {
        _description = description;
        return this;
    }

    /// <summary>
    /// Checks and builds the scorecard: at least one factor, no factor twice, group names unique, every group with
    /// members and a positive total weight.
    /// </summary>
    /// <returns>The scorecard.</returns>
    /// <exception cref="InvalidOperationException">The scorecard breaks a rule; the message names it.</exception>
    public Scorecard Build()
    {
        var root = new ScorecardGroup("root", 1, [.. Children]);
        var factors = new HashSet<string>(StringComparer.Ordinal);
        var groups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Check(root, factors, groups);
        if (factors.Count == 0)
        {
            throw new InvalidOperationException($"Scorecard '{_id}' has no factor.");
        }

        return new Scorecard(_id, _version, root, _colorBands, [.. _rules], _description);
    }

    private void Check(ScorecardGroup group, HashSet<string> factors, HashSet<string> groups)
    {
        if (group.Children.Count == 0)
        {
            throw new InvalidOperationException($"Scorecard '{_id}': group '{group.Name}' has no members.");
        }

        if (group.Children.Sum(c => c.Weight) <= 0)
        {
            throw new InvalidOperationException($"Scorecard '{_id}': the weights in group '{group.Name}' add up to zero; at least one must be positive.");
        }

        foreach (var child in group.Children)
        {
            if (child is ScorecardGroup nested)
            {
                if (!groups.Add(nested.Name) || nested.Name == "root")
                {
                    throw new InvalidOperationException($"Scorecard '{_id}': group name '{nested.Name}' is used more than once (or is the reserved 'root').");
                }

                Check(nested, factors, groups);
            }
            else if (!factors.Add(child.Name))
            {
                throw new InvalidOperationException($"Scorecard '{_id}': factor '{child.Name}' appears more than once.");
            }
        }
    }
}
