using CustomerLifecycle;
using CustomerLifecycle.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the daily pipeline to <see cref="ICustomerLifecycleBuilder"/>, and its health check to the host's checks.</summary>
public static class LifecyclePipelineBuilderExtensions
{
    /// <summary>
    /// Adds the daily pipeline: a <see cref="LifecyclePipeline"/> (singleton) whose steps are the domain packages
    /// registered, and, unless <see cref="LifecyclePipelineOptions.Schedule"/> is off, a hosted service that runs it every
    /// day. The ledger is the registered <see cref="IPipelineRunStore"/> (the SQLite and PostgreSQL storage packages
    /// register theirs), in memory otherwise. Options are validated at start-up, every error naming its key.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configure">Sets the account source (required), the usage source, your own steps and options.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddLifecyclePipeline(this ICustomerLifecycleBuilder builder, Action<LifecyclePipelineBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services, string.Empty);
        configure?.Invoke(new LifecyclePipelineBuilder(builder.Services));
        return builder;
    }

    /// <summary>Adds the daily pipeline with options bound from configuration, for example the <c>CustomerLifecycle:Pipeline</c> section.</summary>
    /// <param name="builder">The CustomerLifecycle builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Sets the account source (required), the usage source, your own steps and options.</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddLifecyclePipeline(this ICustomerLifecycleBuilder builder, IConfiguration configuration, Action<LifecyclePipelineBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
        builder.Services.AddOptions<LifecyclePipelineOptions>().BindStrictly(configuration);
        configure?.Invoke(new LifecyclePipelineBuilder(builder.Services));
        return builder;
    }

    /// <summary>
    /// Adds the pipeline's health check (<see cref="LifecyclePipelineHealthCheck"/>). A host whose services have no
    /// pipeline (no <c>AddLifecyclePipeline</c>) does not start, saying so, instead of failing the first check.
    /// </summary>
    /// <param name="builder">The host's health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags for filtering (for example <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddLifecyclePipelineCheck(this IHealthChecksBuilder builder, string name = "customerlifecycle-pipeline", params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, PipelineCheckGuard>());
        return builder.AddCheck<LifecyclePipelineHealthCheck>(name, failureStatus: null, tags: tags);
    }

    private static void AddCore(IServiceCollection services, string sectionPath)
    {
        if (services.Any(d => d.ServiceType == typeof(LifecyclePipeline)))
        {
            return;
        }

        services.AddOptions<LifecyclePipelineOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LifecyclePipelineOptions>>(new PipelineOptionsValidator(sectionPath));
        services.TryAddSingleton<IPipelineRunStore, InMemoryPipelineRunStore>();
        services.TryAddSingleton<IStateStore, InMemoryStateStore>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<LifecyclePipeline>();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => sp.GetRequiredService<IOptions<LifecyclePipelineOptions>>().Value.Schedule
            ? ActivatorUtilities.CreateInstance<LifecyclePipelineService>(sp)
            : new IdleService(sp));
    }

    private sealed class PipelineOptionsValidator(string sectionPath) : IValidateOptions<LifecyclePipelineOptions>
    {
        public ValidateOptionsResult Validate(string? name, LifecyclePipelineOptions options)
        {
            var errors = options.Validate(sectionPath).ToArray();
            return errors.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    // Stops a host that checks the pipeline's health without having a pipeline, at start-up.
    private sealed class PipelineCheckGuard(IServiceProvider services) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            services.GetService<IServiceProviderIsService>() is { } known && !known.IsService(typeof(LifecyclePipeline))
                ? throw new InvalidOperationException("AddLifecyclePipelineCheck was called, but no pipeline is registered: the check reads the daily pipeline's ledger. Add it (services.AddCustomerLifecycle(...).AddLifecyclePipeline(...)), or remove the check.")
                : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    // What the host runs when the schedule is off: nothing; the host calls LifecyclePipeline.RunAsync itself. It makes
    // the pipeline at start-up, so that a missing IAccountSource (or another registration the pipeline needs) stops the
    // host starting instead of failing the first call.
    private sealed class IdleService(IServiceProvider services) : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<LifecyclePipeline>().LogStart("not scheduled (LifecyclePipelineOptions.Schedule is off): the host runs dates itself");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
