using CustomerLifecycle;
using CustomerLifecycle.Feedback;
using CustomerLifecycle.Stages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The entry point of CustomerLifecycle: <c>services.AddCustomerLifecycle(...)</c>.</summary>
public static class CustomerLifecycleServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Core services: the clock (the system clock unless one is registered or given with
    /// <see cref="CustomerLifecycleBuilderExtensions.UseClock"/>), <see cref="BusinessClock"/>,
    /// <see cref="LifecycleStageModel"/>, <see cref="LifecycleStageMachine"/> and <see cref="FeedbackLoopTracker"/>,
    /// with <see cref="CustomerLifecycleOptions"/> validated at start-up. Calling it again adds nothing twice.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options in code, if wanted.</param>
    /// <returns>The builder the other packages extend.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ICustomerLifecycleBuilder AddCustomerLifecycle(this IServiceCollection services, Action<CustomerLifecycleOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services, sectionPath: string.Empty);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Adds the Core services with options bound from configuration, for example
    /// <c>configuration.GetSection("CustomerLifecycle")</c>. Validation messages name the full configuration key.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>The builder the other packages extend.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ICustomerLifecycleBuilder AddCustomerLifecycle(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        services.AddOptions<CustomerLifecycleOptions>().BindStrictly(configuration);
        return builder;
    }

    private static CustomerLifecycleBuilder AddCore(IServiceCollection services, string sectionPath)
    {
        // ValidateOnStart adds a configure action on every call; register it (and the validator) only once.
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<CustomerLifecycleOptions>) && d.ImplementationInstance is CustomerLifecycleOptionsValidator))
        {
            services.AddOptions<CustomerLifecycleOptions>().ValidateOnStart();
            services.AddSingleton<IValidateOptions<CustomerLifecycleOptions>>(new CustomerLifecycleOptionsValidator(sectionPath));

            // An invalid edit of the section keeps the last valid options instead of throwing on the reload thread.
            services.AddSingleton<IOptionsMonitor<CustomerLifecycleOptions>, RetainingOptionsMonitor<CustomerLifecycleOptions>>();
        }

        // The one place the library names the system clock: everything else reads time from the injected IClock.
#pragma warning disable RS0030 // Banned API
        services.TryAddSingleton<IClock>(SystemClock.Instance);
#pragma warning restore RS0030
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CustomerLifecycleOptions>>().Value;
            return new BusinessClock(sp.GetRequiredService<IClock>(), DateTimeZoneProviders.Tzdb[options.TimeZone]);
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CustomerLifecycleOptions>>().Value;
            options.StageModel.TryCreateModel(out var model, out var errors);
            return model ?? throw new InvalidLifecycleModelException(errors);
        });
        // Without a host, every package's options are validated at the first resolve of one of their services (not of
        // the clock or the stage model, which the validators themselves read).
        services.TryAddSingleton(sp => new OptionsValidationGate(sp));
        services.TryAddSingleton(sp =>
        {
            sp.GetRequiredService<OptionsValidationGate>();
            return new LifecycleStageMachine(sp.GetRequiredService<LifecycleStageModel>(), sp.GetRequiredService<BusinessClock>(), sp.GetService<Microsoft.Extensions.Logging.ILogger<LifecycleStageMachine>>());
        });
        services.TryAddSingleton(sp =>
        {
            sp.GetRequiredService<OptionsValidationGate>();
            return new FeedbackLoopTracker(sp.GetRequiredService<IClock>());
        });
        services.TryAddSingleton<IStageHistoryStore, InMemoryStageHistoryStore>();
        return new CustomerLifecycleBuilder(services);
    }
}
