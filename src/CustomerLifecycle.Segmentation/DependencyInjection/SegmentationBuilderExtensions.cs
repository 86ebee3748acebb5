using CustomerLifecycle;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds segmentation to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class SegmentationBuilderExtensions
{
    /// <summary>
    /// Adds segmentation: <see cref="SegmentCatalog"/> and <see cref="Segmenter"/> (singletons, thread-safe), with
    /// <see cref="SegmentationOptions"/> validated at start-up. The default segments are included unless
    /// <see cref="SegmentationOptions.UseDefaultSegments"/> is false.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configure">Adds segments in code.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddCustomerLifecycle()
    ///         .AddHealthScoring()
    ///         .AddSegmentation(s =&gt; s.Add("Strategic", "tier == \"Strategic\" or contract.arr &gt;= 250000", priority: 5));
    /// </code>
    /// </example>
    public static ICustomerLifecycleBuilder AddSegmentation(this ICustomerLifecycleBuilder builder, Action<SegmentationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services, string.Empty);
        configure?.Invoke(new SegmentationBuilder(builder.Services));
        return builder;
    }

    /// <summary>Adds segmentation with options bound from configuration, for example the <c>CustomerLifecycle:Segmentation</c> section.</summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Adds segments in code.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddSegmentation(this ICustomerLifecycleBuilder builder, IConfiguration configuration, Action<SegmentationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        builder.Services.AddOptions<SegmentationOptions>().BindStrictly(configuration);
        configure?.Invoke(new SegmentationBuilder(builder.Services));
        return builder;
    }

    private static void AddCore(IServiceCollection services, string sectionPath)
    {
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<SegmentationOptions>)))
        {
            services.AddOptions<SegmentationOptions>().ValidateOnStart();
            services.AddSingleton<IValidateOptions<SegmentationOptions>>(sp => new SegmentationOptionsValidator(sectionPath, sp));
            services.TryAddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<SegmentationOptions>>().Value;
                var registered = sp.GetServices<SegmentRegistration>().Select(r => r.Segment);
                return SegmentationConfiguration.TryBuild(options, registered, sp.GetRequiredService<LifecycleStageModel>(), sectionPath, out var catalog, out var errors)
                    ? catalog
                    : throw new OptionsValidationException(nameof(SegmentationOptions), typeof(SegmentationOptions), errors);
            });
            services.TryAddSingleton(sp =>
            {
                sp.GetRequiredService<OptionsValidationGate>();
                return new Segmenter(sp.GetRequiredService<SegmentCatalog>(), sp.GetRequiredService<BusinessClock>());
            });
            services.TryAddSingleton<ISegmentSnapshotStore, InMemorySegmentSnapshotStore>();
        }
    }
}
