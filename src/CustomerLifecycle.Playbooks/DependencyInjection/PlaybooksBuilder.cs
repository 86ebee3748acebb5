using CustomerLifecycle;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Playbooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Playbooks
{
    /// <summary>Adds playbooks, handlers and a store in code to <c>AddPlaybooks</c>.</summary>
    public sealed class PlaybooksBuilder
    {
        internal PlaybooksBuilder(IServiceCollection services) => Services = services;

        /// <summary>The service collection.</summary>
        public IServiceCollection Services { get; }

        /// <summary>Adds a playbook, or replaces the default of the same id.</summary>
        /// <param name="playbook">The playbook.</param>
        /// <returns>This builder.</returns>
        public PlaybooksBuilder Add(Playbook playbook)
        {
            ArgumentNullException.ThrowIfNull(playbook);
            Services.AddSingleton(new PlaybookRegistration(playbook));
            return this;
        }

        /// <summary>
        /// Adds a task handler, scoped: the engine resolves the handlers in a new DI scope for each task it hands off,
        /// so a handler can take scoped services (a <c>DbContext</c>) and they are disposed after the task.
        /// </summary>
        /// <typeparam name="THandler">The handler.</typeparam>
        /// <returns>This builder.</returns>
        public PlaybooksBuilder AddHandler<THandler>()
            where THandler : class, IPlaybookTaskHandler
        {
            Services.TryAddEnumerable(ServiceDescriptor.Scoped<IPlaybookTaskHandler, THandler>());
            return this;
        }

        /// <summary>Uses a durable run store instead of the in-memory one (singleton).</summary>
        /// <typeparam name="TStore">The store.</typeparam>
        /// <returns>This builder.</returns>
        public PlaybooksBuilder UseStore<TStore>()
            where TStore : class, IPlaybookRunStore
        {
            Services.Replace(ServiceDescriptor.Singleton<IPlaybookRunStore, TStore>());
            return this;
        }

        /// <summary>Sets options in code.</summary>
        /// <param name="configure">Changes the options.</param>
        /// <returns>This builder.</returns>
        public PlaybooksBuilder Configure(Action<PlaybooksOptions> configure)
        {
            Services.Configure(configure);
            return this;
        }
    }

    internal sealed record PlaybookRegistration(Playbook Playbook);

    /// <summary>The registered handlers, resolved in a new scope for each task, in registration order; the scope is disposed after the task.</summary>
    internal sealed class ScopedTaskHandlers(IServiceScopeFactory scopes) : IPlaybookTaskHandler
    {
        public async ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                foreach (var handler in scope.ServiceProvider.GetServices<IPlaybookTaskHandler>())
                {
                    await handler.HandleAsync(task, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    internal sealed class PlaybooksOptionsValidator(string sectionPath, IServiceProvider services) : IValidateOptions<PlaybooksOptions>
    {
        public ValidateOptionsResult Validate(string? name, PlaybooksOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var errors = new List<string>();
            PlaybooksConfiguration.Build(options, services.GetServices<PlaybookRegistration>().Select(r => r.Playbook), sectionPath, errors, segments: Resolve<SegmentCatalog>(), stages: Resolve<LifecycleStageModel>());
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        // What the playbooks may name, when its package is added and valid; an invalid one reports its own errors.
        private T? Resolve<T>()
            where T : class
        {
            try
            {
                return services.GetService<T>();
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidLifecycleModelException)
            {
                return null;
            }
        }
    }
}

namespace Microsoft.Extensions.DependencyInjection
{
    /// <summary>Adds playbooks to <see cref="ICustomerLifecycleBuilder"/>.</summary>
    public static class PlaybooksBuilderExtensions
    {
        /// <summary>
        /// Adds the <see cref="PlaybookEngine"/> (singleton, thread-safe) with the default playbooks, the in-memory
        /// <see cref="IPlaybookRunStore"/> unless another is registered, and <see cref="PlaybooksOptions"/> validated at start-up.
        /// </summary>
        /// <param name="builder">The CustomerLifecycle builder.</param>
        /// <param name="configure">Adds playbooks, handlers or a store.</param>
        /// <returns>The builder.</returns>
        public static ICustomerLifecycleBuilder AddPlaybooks(this ICustomerLifecycleBuilder builder, Action<PlaybooksBuilder>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            AddCore(builder.Services, string.Empty);
            configure?.Invoke(new PlaybooksBuilder(builder.Services));
            return builder;
        }

        /// <summary>Adds playbooks with options bound from configuration, for example the <c>CustomerLifecycle:Playbooks</c> section.</summary>
        /// <param name="builder">The CustomerLifecycle builder.</param>
        /// <param name="configuration">The section to bind.</param>
        /// <param name="configure">Adds playbooks, handlers or a store.</param>
        /// <returns>The builder.</returns>
        public static ICustomerLifecycleBuilder AddPlaybooks(this ICustomerLifecycleBuilder builder, IConfiguration configuration, Action<PlaybooksBuilder>? configure = null)
        {
            ArgumentNullException.ThrowIfNull(builder);
            ArgumentNullException.ThrowIfNull(configuration);
            AddCore(builder.Services, (configuration as IConfigurationSection)?.Path ?? string.Empty);
            builder.Services.AddOptions<PlaybooksOptions>().BindStrictly(configuration);
            configure?.Invoke(new PlaybooksBuilder(builder.Services));
            return builder;
        }

        private static void AddCore(IServiceCollection services, string sectionPath)
        {
            if (services.Any(d => d.ServiceType == typeof(IValidateOptions<PlaybooksOptions>)))
            {
                return;
            }

            services.AddOptions<PlaybooksOptions>().ValidateOnStart();
            services.AddSingleton<IValidateOptions<PlaybooksOptions>>(sp => new PlaybooksOptionsValidator(sectionPath, sp));
            services.TryAddSingleton<IPlaybookRunStore, InMemoryPlaybookRunStore>();
            services.TryAddSingleton(sp =>
            {
                sp.GetRequiredService<OptionsValidationGate>();
                var errors = new List<string>();
                var (playbooks, assigner, calendar, engineOptions) = PlaybooksConfiguration.Build(
                    sp.GetRequiredService<IOptions<PlaybooksOptions>>().Value, sp.GetServices<PlaybookRegistration>().Select(r => r.Playbook), sectionPath, errors, sp.GetService<TimeProvider>(), sp.GetService<SegmentCatalog>(), sp.GetService<LifecycleStageModel>());
                if (errors.Count > 0)
                {
                    throw new OptionsValidationException(nameof(PlaybooksOptions), typeof(PlaybooksOptions), errors);
                }

                var scopes = sp.GetRequiredService<IServiceScopeFactory>();
                IPlaybookTaskHandler[] handlers;
                using (var probe = scopes.CreateScope())
                {
                    handlers = probe.ServiceProvider.GetServices<IPlaybookTaskHandler>().Any() ? [new ScopedTaskHandlers(scopes)] : [];
                }

                return new PlaybookEngine(playbooks, sp.GetRequiredService<IPlaybookRunStore>(), sp.GetRequiredService<BusinessClock>(), handlers, sp.GetService<IOwnerAssigner>() ?? assigner, calendar, engineOptions, sp.GetService<ILogger<PlaybookEngine>>())
                {
                    Metrics = PlaybooksMetrics.For(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()),
                };
            });
        }
    }
}
