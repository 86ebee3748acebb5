using CustomerLifecycle;
using CustomerLifecycle.Forecasting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds forecasting to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class ForecastingBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="RenewalForecaster"/> (singleton, thread-safe) whose probabilities come from the CSM's call, then
    /// the health band table, both from <see cref="ForecastingOptions"/> validated at start-up. Register your own
    /// <see cref="IRenewalProbabilityModel"/> first to replace the chain.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configure">Sets options in code.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddForecasting(this ICustomerLifecycleBuilder builder, Action<ForecastingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services, string.Empty);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Adds forecasting with options bound from configuration, for example the <c>CustomerLifecycle:Forecasting</c> section.</summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddForecasting(this ICustomerLifecycleBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        builder.Services.AddOptions<ForecastingOptions>().BindStrictly(configuration);
        return builder;
    }

    private static void AddCore(IServiceCollection services, string sectionPath)
    {
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<ForecastingOptions>)))
        {
            services.AddOptions<ForecastingOptions>().ValidateOnStart();
            services.AddSingleton<IValidateOptions<ForecastingOptions>>(new ForecastingOptionsValidator(sectionPath));
            services.TryAddSingleton(sp =>
            {
                sp.GetRequiredService<OptionsValidationGate>();
                var options = sp.GetRequiredService<IOptions<ForecastingOptions>>().Value;
                if (!ForecastingConfiguration.TryBuild(options, sectionPath, out var forecaster, out var errors))
                {
                    throw new OptionsValidationException(nameof(ForecastingOptions), typeof(ForecastingOptions), errors);
                }

                return sp.GetService<IRenewalProbabilityModel>() is { } custom
                    ? new RenewalForecaster(custom, options.Breakdown, options.CommitThreshold, options.RefusedRenewals)
                    : forecaster;
            });
        }
    }
}
