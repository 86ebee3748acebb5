using System.Globalization;

namespace CustomerLifecycle.HealthScoring;

/// <summary>Adds factors and nested groups to a scorecard or to a group of it.</summary>
/// <remarks>Not thread-safe.</remarks>
public class ScorecardGroupBuilder
{
    private readonly List<ScorecardNode> _children = [];

    private protected ScorecardGroupBuilder()
    {
    }

    /// <summary>Adds a factor.</summary>
    /// <param name="factor">The factor.</param>
    /// <param name="weight">Its weight among its siblings; finite and zero or more.</param>
    /// <param name="mapping">Its point mapping; the factor's default when null.</param>
    /// <param name="missingData">Its missing-data policy; drop and reweight when null.</param>
    /// <param name="colorBands">Its own color bands, for explanations.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is not 0 or within [<see cref="Scorecard.MinPositiveWeight"/>, <see cref="Scorecard.MaxWeight"/>] (see <see cref="Scorecard.IsValidWeight"/>).</exception>
    public ScorecardGroupBuilder AddFactor(IHealthFactor factor, double weight, PointMapping? mapping = null, MissingData? missingData = null, ColorBands? colorBands = null)
    {
        ArgumentNullException.ThrowIfNull(factor);
        CheckWeight(factor.Name, weight);
        _children.Add(new ScorecardFactor(factor, weight, mapping ?? factor.DefaultMapping, missingData ?? MissingData.DropAndReweight, colorBands));
        return this;
    }

    /// <summary>Adds a nested group.</summary>
    /// <param name="name">The group's name, unique within the scorecard.</param>
    /// <param name="weight">Its weight among its siblings; finite and zero or more.</param>
    /// <param name="configure">Adds the group's members.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="weight"/> is not 0 or within [<see cref="Scorecard.MinPositiveWeight"/>, <see cref="Scorecard.MaxWeight"/>] (see <see cref="Scorecard.IsValidWeight"/>).</exception>
    public ScorecardGroupBuilder AddGroup(string name, double weight, Action<ScorecardGroupBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A scorecard group needs a name.", nameof(name));
        }

        CheckWeight(name, weight);
        var group = new ScorecardGroupBuilder();
        configure(group);
        _children.Add(new ScorecardGroup(name, weight, [.. group._children]));
        return this;
    }

    internal List<ScorecardNode> Children => _children;

    private static void CheckWeight(string name, double weight)
    {
        if (!Scorecard.IsValidWeight(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, string.Create(CultureInfo.InvariantCulture, $"The weight of '{name}' is {weight}; weights are 0 or from {Scorecard.MinPositiveWeight} to {Scorecard.MaxWeight}."));
        }
    }
}
