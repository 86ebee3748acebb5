using System.Data.Common;
using CustomerLifecycle;
using CustomerLifecycle.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds usage signals computed with SQL where the events are to <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class SqlUsageBuilderExtensions
{
    /// <summary>
    /// Registers a <see cref="SqlUsageSignalSource"/> as the <see cref="IUsageSignalSource"/>: the pipeline's usage step
    /// then computes its signals with the definitions of <c>AddUsage</c> as SQL over an events table, instead of
    /// ingesting events.
    /// </summary>
    /// <param name="builder">The CustomerLifecycle builder, after <c>AddUsage</c>.</param>
    /// <param name="dialect">The engine: <see cref="UsageSqlDialect.PostgreSql"/>, <see cref="UsageSqlDialect.DuckDb"/>, or your own.</param>
    /// <param name="events">The events table and its columns.</param>
    /// <param name="connection">Creates a connection (for PostgreSQL, <c>sp =&gt; dataSource.CreateConnection()</c>).</param>
    /// <returns>The builder.</returns>
    public static ICustomerLifecycleBuilder AddSqlUsageSignals(this ICustomerLifecycleBuilder builder, UsageSqlDialect dialect, UsageEventTable events, Func<IServiceProvider, DbConnection> connection)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(connection);
        builder.Services.Replace(ServiceDescriptor.Singleton<IUsageSignalSource>(sp => new SqlUsageSignalSource(
            sp.GetRequiredService<IOptions<UsageOptions>>().Value, sp.GetRequiredService<BusinessClock>(), dialect, events, () => connection(sp))));
        return builder;
    }
}
