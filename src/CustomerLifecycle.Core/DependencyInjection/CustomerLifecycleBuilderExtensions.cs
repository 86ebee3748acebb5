using CustomerLifecycle;
using CustomerLifecycle.Stages;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NodaTime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Core configuration on <see cref="ICustomerLifecycleBuilder"/>.</summary>
public static class CustomerLifecycleBuilderExtensions
{
    /// <summary>
    /// Uses <paramref name="time"/> for every clock of the packages: the NodaTime <see cref="IClock"/> they read "now"
    /// from, and the <see cref="TimeProvider"/> the daily pipeline schedules, leases and waits with. One
    /// <c>FakeTimeProvider</c> given here moves both in a test.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="time">The time provider.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ICustomerLifecycleBuilder UseTimeProvider(this ICustomerLifecycleBuilder builder, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(time);
        builder.Services.Replace(ServiceDescriptor.Singleton(time));
        builder.Services.Replace(ServiceDescriptor.Singleton<IClock>(new TimeProviderClock(time)));
        return builder;
    }

    /// <summary>
    /// Uses <paramref name="clock"/> as the source of "now" (a fixed clock in tests, for instance). The daily pipeline
    /// schedules with the <see cref="TimeProvider"/>: <see cref="UseTimeProvider"/> sets both.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="clock">The clock.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ICustomerLifecycleBuilder UseClock(this ICustomerLifecycleBuilder builder, IClock clock)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(clock);
        builder.Services.Replace(ServiceDescriptor.Singleton(clock));
        return builder;
    }

    /// <summary>Uses a lifecycle model built in code; it takes precedence over <c>CustomerLifecycleOptions.StageModel</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="model">The model.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ICustomerLifecycleBuilder UseStageModel(this ICustomerLifecycleBuilder builder, LifecycleStageModel model)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(model);
        builder.Services.Replace(ServiceDescriptor.Singleton(model));
        return builder;
    }
}

/// <summary>A NodaTime clock reading a <see cref="TimeProvider"/>.</summary>
internal sealed class TimeProviderClock(TimeProvider time) : IClock
{
    public Instant GetCurrentInstant() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
