using CustomerLifecycle;
using CustomerLifecycle.Usage;
using CustomerLifecycle.Usage.DuckDb;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds usage signals computed by DuckDB to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class DuckDbUsageBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="DuckDbUsageSignalSource"/> as the <see cref="IUsageSignalSource"/>: the pipeline's usage
    /// step then takes its signals from the events in files or a DuckDB database, with the definitions of
    /// <c>AddUsage</c>, instead of ingesting events.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder, after <c>AddUsage</c>.</param>
    /// <param name="events">The events: <see cref="DuckDbUsageEvents.Parquet"/>, <see cref="DuckDbUsageEvents.Csv"/>, or a table of <paramref name="database"/>.</param>
    /// <param name="database">A DuckDB database file holding the events table, or null.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddCustomerLifecycle()
    ///         .AddUsage(u =&gt; u.Count("logins_30d", 30, "user.login"))
    ///         .AddDuckDbUsageSignals(DuckDbUsageEvents.Parquet("events/*.parquet"));
    /// </code>
    /// </example>
    public static ICustomerLifecycleBuilder AddDuckDbUsageSignals(this ICustomerLifecycleBuilder builder, UsageEventTable events, string? database = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(events);
        builder.Services.Replace(ServiceDescriptor.Singleton<IUsageSignalSource>(sp => new DuckDbUsageSignalSource(
            sp.GetRequiredService<IOptions<UsageOptions>>().Value, sp.GetRequiredService<BusinessClock>(), events, database)));
        return builder;
    }
}
