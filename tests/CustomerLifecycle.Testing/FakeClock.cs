using NodaTime;

namespace CustomerLifecycle.Testing;

/// <summary>A clock for tests: it shows a set instant and moves only when told. Thread-safe.</summary>
public sealed class FakeClock : IClock
{
    private long _ticks;

    public FakeClock(Instant now) => _ticks = now.ToUnixTimeTicks();

    /// <summary>A clock at 2026-01-05T09:00:00Z (a Monday).</summary>
    public static FakeClock AtDefaultStart() => new(Instant.FromUtc(2026, 1, 5, 9, 0));

    public Instant GetCurrentInstant() => Instant.FromUnixTimeTicks(Interlocked.Read(ref _ticks));

    public void Advance(Duration by) => Interlocked.Add(ref _ticks, by.BclCompatibleTicks);

    public void AdvanceDays(int days) => Advance(Duration.FromDays(days));

    public void Set(Instant now) => Interlocked.Exchange(ref _ticks, now.ToUnixTimeTicks());

    /// <summary>This clock as a <see cref="TimeProvider"/> (what hand-off leases are measured on): it moves with the clock.</summary>
    public TimeProvider AsTimeProvider() => new ClockTimeProvider(this);

    private sealed class ClockTimeProvider(FakeClock clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetCurrentInstant().ToDateTimeOffset();
    }
}
