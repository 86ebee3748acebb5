using NodaTime;

namespace CustomerLifecycle;

/// <summary>
/// "Now" and "today" for the business: an injected <see cref="IClock"/> and the time zone in which contract dates,
/// tenure and due dates are reckoned.
/// </summary>
/// <remarks>This type is immutable and thread-safe (as long as the clock it wraps is).</remarks>
public sealed class BusinessClock
{
    /// <summary>Creates a business clock.</summary>
    /// <param name="clock">The source of the current instant.</param>
    /// <param name="zone">The business time zone.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public BusinessClock(IClock clock, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(zone);
        Clock = clock;
        Zone = zone;
    }

    /// <summary>The source of the current instant.</summary>
    public IClock Clock { get; }

    /// <summary>The business time zone.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>The current instant.</summary>
    public Instant Now => Clock.GetCurrentInstant();

    /// <summary>The current date in the business time zone.</summary>
    public LocalDate Today => Clock.GetCurrentInstant().InZone(Zone).Date;
}
