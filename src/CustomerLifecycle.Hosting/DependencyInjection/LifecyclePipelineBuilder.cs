using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CustomerLifecycle.Hosting;

/// <summary>Adds the sources, your own steps and options to <c>AddLifecyclePipeline</c>.</summary>
public sealed class LifecyclePipelineBuilder
{
    internal LifecyclePipelineBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Reads the accounts from <typeparamref name="TSource"/> (singleton).</summary>
    /// <typeparam name="TSource">The source.</typeparam>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder UseAccountSource<TSource>()
        where TSource : class, IAccountSource
    {
        Services.Replace(ServiceDescriptor.Singleton<IAccountSource, TSource>());
        return this;
    }

    /// <summary>Reads the day's usage events from <typeparamref name="TSource"/> (singleton); the usage step runs when Usage is added too.</summary>
    /// <typeparam name="TSource">The source.</typeparam>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder UseUsageEvents<TSource>()
        where TSource : class, IUsageEventSource
    {
        Services.Replace(ServiceDescriptor.Singleton<IUsageEventSource, TSource>());
        return this;
    }

    /// <summary>Reads the day's usage events as Apache Arrow record batches from <typeparamref name="TSource"/> (singleton); the usage step runs when Usage is added too.</summary>
    /// <typeparam name="TSource">The source.</typeparam>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder UseUsageBatches<TSource>()
        where TSource : class, IUsageBatchSource
    {
        Services.Replace(ServiceDescriptor.Singleton<IUsageBatchSource, TSource>());
        return this;
    }

    /// <summary>Adds a step of your own after the built-in ones (and after the steps added before it): it runs once per date, in a DI scope of its own.</summary>
    /// <param name="name">The step's name, its key in the ledger; unique.</param>
    /// <param name="run">The work: saves the day's results, sends a digest; returns what it counted, or null.</param>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder AddStep(string name, Func<PipelineStepContext, CancellationToken, ValueTask<IReadOnlyDictionary<string, long>?>> run) =>
        AddStep(name, portfolioWide: false, run);

    /// <summary>Adds a step of your own after the built-in ones; in shards, <paramref name="portfolioWide"/> runs it once after every shard (<see cref="PipelineStepRegistration.PortfolioWide"/>) instead of once per shard.</summary>
    /// <param name="name">The step's name, its key in the ledger; unique.</param>
    /// <param name="portfolioWide">Whether it runs once per date after every shard, with the portfolio-wide results.</param>
    /// <param name="run">The work; returns what it counted, or null.</param>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder AddStep(string name, bool portfolioWide, Func<PipelineStepContext, CancellationToken, ValueTask<IReadOnlyDictionary<string, long>?>> run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        Services.AddSingleton(new PipelineStepRegistration(name, run) { PortfolioWide = portfolioWide });
        return this;
    }

    /// <summary>Sets options in code.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public LifecyclePipelineBuilder Configure(Action<LifecyclePipelineOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}
