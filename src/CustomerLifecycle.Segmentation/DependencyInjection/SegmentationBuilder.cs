using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Segmentation;

/// <summary>Adds segments in code to <c>AddSegmentation</c>; configuration can still override them by name.</summary>
public sealed class SegmentationBuilder
{
    internal SegmentationBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a segment, or replaces the default segment of the same name.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>This builder.</returns>
    public SegmentationBuilder Add(Segment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        Services.AddSingleton(new SegmentRegistration(segment));
        return this;
    }

    /// <summary>Adds a segment written in code.</summary>
    /// <param name="name">The segment's name.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="priority">Evaluation order, lower first.</param>
    /// <param name="group">The exclusive group, if any.</param>
    /// <returns>This builder.</returns>
    public SegmentationBuilder Add(string name, SegmentRule rule, int priority = 0, string? group = null) => Add(new Segment(name, rule, priority, group));

    /// <summary>Adds a segment written in the rule language.</summary>
    /// <param name="name">The segment's name.</param>
    /// <param name="rule">The rule text.</param>
    /// <param name="priority">Evaluation order, lower first.</param>
    /// <param name="group">The exclusive group, if any.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="RuleParseException">The text is not a valid rule.</exception>
    public SegmentationBuilder Add(string name, string rule, int priority = 0, string? group = null) => Add(new Segment(name, SegmentRule.Parse(rule), priority, group));

    /// <summary>Sets options in code.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public SegmentationBuilder Configure(Action<SegmentationOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}
