using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Usage;

/// <summary>Defines usage signals and milestones in code for <c>AddUsage</c>; configuration can still override a signal by name.</summary>
public sealed class UsageBuilder
{
    internal UsageBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a <see cref="UsageSignalKind.Count"/> signal: the number of matching events in the last <paramref name="days"/> days.</summary>
    /// <param name="signal">The signal name, for example <c>logins_30d</c>.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Count(string signal, int days, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.Count, Window = days, Events = events });

    /// <summary>Adds a <see cref="UsageSignalKind.Sum"/> signal: the sum of the matching events' quantities.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Sum(string signal, int days, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.Sum, Window = days, Events = events });

    /// <summary>Adds an <see cref="UsageSignalKind.ActiveUsers"/> signal: distinct users with a matching event.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder ActiveUsers(string signal, int days, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.ActiveUsers, Window = days, Events = events });

    /// <summary>Adds an <see cref="UsageSignalKind.ActiveDays"/> signal: distinct local dates with a matching event.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder ActiveDays(string signal, int days, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.ActiveDays, Window = days, Events = events });

    /// <summary>Adds a <see cref="UsageSignalKind.DistinctFeatures"/> signal: distinct matching event names.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <param name="catalogOnly">Count only names in the feature catalog.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder DistinctFeatures(string signal, int days, string? events = null, bool catalogOnly = false) =>
        Add(signal, new() { Kind = UsageSignalKind.DistinctFeatures, Window = days, Events = events, CatalogOnly = catalogOnly });

    /// <summary>Adds a <see cref="UsageSignalKind.DaysSinceLast"/> signal: days since the latest matching event.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder DaysSinceLast(string signal, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.DaysSinceLast, Events = events });

    /// <summary>Adds a <see cref="UsageSignalKind.Stickiness"/> signal: mean daily users over the window's users.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="days">The window.</param>
    /// <param name="events">An event name, a prefix ending in <c>.*</c>, or null for every event.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Stickiness(string signal, int days, string? events = null) => Add(signal, new() { Kind = UsageSignalKind.Stickiness, Window = days, Events = events });

    /// <summary>Adds a <see cref="UsageSignalKind.Change"/> signal: the relative change of another signal against its previous window.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="of">The signal compared.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Change(string signal, string of) => Add(signal, new() { Kind = UsageSignalKind.Change, Of = of });

    /// <summary>Announces a <see cref="Events.LifecycleEventType.UsageMilestone"/> when a signal first reaches each threshold.</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="thresholds">The thresholds.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Milestones(string signal, params double[] thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        return Configure(o => o.Milestones[signal] = [.. thresholds]);
    }

    /// <summary>Announces a <see cref="Events.LifecycleEventType.UsageDropped"/> when a change signal falls below a threshold.</summary>
    /// <param name="signal">The change signal.</param>
    /// <param name="below">The threshold, for example -0.5.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Drop(string signal, double below) => Configure(o => o.Drops[signal] = below);

    /// <summary>Sets options in code.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public UsageBuilder Configure(Action<UsageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    private UsageBuilder Add(string signal, UsageSignalOptions options)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return Configure(o => o.Signals.TryAdd(signal, options));
    }
}
