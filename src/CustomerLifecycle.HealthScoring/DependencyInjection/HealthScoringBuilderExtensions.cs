using CustomerLifecycle;
using CustomerLifecycle.HealthScoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds health scoring to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class HealthScoringBuilderExtensions
{
    /// <summary>
    /// Adds health scoring: <see cref="HealthScorer"/> (singleton, thread-safe), <see cref="HealthOverrideRegistry"/>,
    /// <see cref="HealthCalibrator"/>, and <see cref="HealthScoringOptions"/> validated at start-up.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configure">Adds custom factors and scorecards, or sets options.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddCustomerLifecycle()
    ///         .AddHealthScoring(h =&gt; h.AddFactor&lt;ApiAdoptionFactor&gt;());
    /// </code>
    /// </example>
    public static ICustomerLifecycleBuilder AddHealthScoring(this ICustomerLifecycleBuilder builder, Action<HealthScoringBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services, string.Empty);
        configure?.Invoke(new HealthScoringBuilder(builder.Services));
        return builder;
    }

    /// <summary>Adds health scoring with options bound (and reloaded) from configuration, for example <c>CustomerLifecycle:HealthScoring</c>.</summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Adds custom factors and scorecards.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddHealthScoring(this ICustomerLifecycleBuilder builder, IConfiguration configuration, Action<HealthScoringBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        builder.Services.AddOptions<HealthScoringOptions>().BindStrictly(configuration);
        configure?.Invoke(new HealthScoringBuilder(builder.Services));
        return builder;
    }

    private static void AddCore(IServiceCollection services, string sectionPath)
    {
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<HealthScoringOptions>)))
        {
            services.AddOptions<HealthScoringOptions>().ValidateOnStart();

            // Keeps the last valid scorecards when a configuration change is invalid, instead of throwing on the
            // reload thread; a closed registration takes precedence over the framework's open-generic monitor.
            services.AddSingleton<IOptionsMonitor<HealthScoringOptions>, RetainingOptionsMonitor<HealthScoringOptions>>();
            services.AddSingleton<IValidateOptions<HealthScoringOptions>>(sp =>
                new HealthScoringOptionsValidator(sectionPath, sp.GetServices<IHealthFactor>(), sp.GetServices<ScorecardRegistration>()));
        }

        services.TryAddSingleton(sp => new HealthOverrideRegistry(sp.GetRequiredService<IClock>()));
        services.TryAddSingleton<HealthScorerHost>();
        services.TryAddSingleton(sp =>
        {
            sp.GetRequiredService<OptionsValidationGate>();
            return sp.GetRequiredService<HealthScorerHost>().Scorer;
        });
        services.TryAddSingleton(sp => new HealthCalibrator(sp.GetRequiredService<HealthScorer>()));
        services.TryAddSingleton<IHealthHistoryStore, InMemoryHealthHistoryStore>();
    }
}
