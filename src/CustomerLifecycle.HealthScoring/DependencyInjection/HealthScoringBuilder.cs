using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CustomerLifecycle.HealthScoring;

/// <summary>Configures health scoring inside <c>AddHealthScoring(h =&gt; ...)</c>: custom factors, code-built scorecards, options.</summary>
/// <remarks>Not thread-safe; used once at start-up.</remarks>
public sealed class HealthScoringBuilder
{
    internal HealthScoringBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers a custom factor, created by the container (so it may take dependencies), usable by name in configured scorecards.</summary>
    /// <typeparam name="TFactor">The factor's type.</typeparam>
    /// <returns>This builder.</returns>
    public HealthScoringBuilder AddFactor<TFactor>()
        where TFactor : class, IHealthFactor
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthFactor, TFactor>());
        return this;
    }

    /// <summary>Registers a custom factor instance, usable by name in configured scorecards.</summary>
    /// <param name="factor">The factor.</param>
    /// <returns>This builder.</returns>
    public HealthScoringBuilder AddFactor(IHealthFactor factor)
    {
        ArgumentNullException.ThrowIfNull(factor);
        Services.AddSingleton(factor);
        return this;
    }

    /// <summary>Adds a scorecard built in code; a configured scorecard with the same id replaces it.</summary>
    /// <param name="scorecard">The scorecard.</param>
    /// <returns>This builder.</returns>
    public HealthScoringBuilder AddScorecard(Scorecard scorecard)
    {
        ArgumentNullException.ThrowIfNull(scorecard);
        Services.AddSingleton(new ScorecardRegistration(scorecard));
        return this;
    }

    /// <summary>Sets options in code.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public HealthScoringBuilder Configure(Action<HealthScoringOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}

internal sealed record ScorecardRegistration(Scorecard Scorecard);
