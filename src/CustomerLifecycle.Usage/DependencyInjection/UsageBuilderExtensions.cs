using CustomerLifecycle;
using CustomerLifecycle.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds product usage to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class UsageBuilderExtensions
{
    /// <summary>
    /// Adds product usage: a <see cref="UsageAggregator"/> (singleton, thread-safe) with <see cref="UsageOptions"/>
    /// validated at start-up, every error naming its key.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configure">Defines signals and milestones in code.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddCustomerLifecycle()
    ///         .AddUsage(u =&gt; u.Count("logins_30d", 30, "user.login")
    ///                         .ActiveUsers("active_users_30d", 30)
    ///                         .Change("logins_trend", of: "logins_30d")
    ///                         .Drop("logins_trend", below: -0.5));
    /// </code>
    /// </example>
    public static ICustomerLifecycleBuilder AddUsage(this ICustomerLifecycleBuilder builder, Action<UsageBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services, string.Empty);
        configure?.Invoke(new UsageBuilder(builder.Services));
        return builder;
    }

    /// <summary>Adds product usage with options bound from configuration, for example the <c>CustomerLifecycle:Usage</c> section.</summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Defines signals and milestones in code; configuration overrides a signal of the same name.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddUsage(this ICustomerLifecycleBuilder builder, IConfiguration configuration, Action<UsageBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        builder.Services.AddOptions<UsageOptions>().BindStrictly(configuration);
        configure?.Invoke(new UsageBuilder(builder.Services));
        return builder;
    }

    private static void AddCore(IServiceCollection services, string sectionPath)
    {
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<UsageOptions>)))
        {
            services.AddOptions<UsageOptions>().ValidateOnStart();
            services.AddSingleton<IValidateOptions<UsageOptions>>(new UsageOptionsValidator(sectionPath));
            services.TryAddSingleton(sp =>
            {
                sp.GetRequiredService<OptionsValidationGate>();
                return new UsageAggregator(UsageModel.Create(sp.GetRequiredService<IOptions<UsageOptions>>().Value, sectionPath), sp.GetRequiredService<BusinessClock>())
                {
                    Metrics = UsageMetrics.For(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()),
                };
            });
        }
    }
}
