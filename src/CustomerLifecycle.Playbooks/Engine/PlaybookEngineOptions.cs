using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>How a <see cref="PlaybookEngine"/> hands off tasks and guards against mass cancellation. Immutable once given to an engine.</summary>
/// <remarks>Thread-safe: the engine only reads it.</remarks>
public sealed record PlaybookEngineOptions
{
    private readonly Duration _handOffLease = Duration.FromMinutes(5);
    private readonly int _handOffBatchSize = 256;
    private readonly double _maxCancellationShare = 0.5;
    private readonly int _massCancellationMinimum = 10;
    private readonly TimeProvider _leaseTime = TimeProvider.System;

    /// <summary>The options every engine starts from.</summary>
    public static PlaybookEngineOptions Default { get; } = new();

    /// <summary>
    /// How long a claim on a batch of tasks lasts if the evaluation holding it stops before completing or releasing it
    /// (a crash, a kill). Measured in real elapsed time on <see cref="LeaseTime"/>, never on the business clock, so a
    /// host whose business clock is fixed still recovers a crashed claim.
    /// </summary>
    /// <value>The default value is 5 minutes. Must be from 1 second to 1 day.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside that range.</exception>
    public Duration HandOffLease
    {
        get => _handOffLease;
        init => _handOffLease = value >= Duration.FromSeconds(1) && value <= Duration.FromDays(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HandOffLease), value, "The hand-off lease must be from 1 second to 1 day.");
    }

    /// <summary>
    /// How many tasks one claim takes. The engine claims, hands off and completes a batch before claiming the next, so a
    /// crash leaves at most one batch claimed until its lease expires.
    /// </summary>
    /// <value>The default value is 256. Must be from 1 to 100,000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside that range.</exception>
    public int HandOffBatchSize
    {
        get => _handOffBatchSize;
        init => _handOffBatchSize = value is >= 1 and <= 100_000
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HandOffBatchSize), value, "The hand-off batch size must be from 1 to 100,000 tasks.");
    }

    /// <summary>
    /// The largest share of the open runs one evaluation may cancel without the caller's confirmation. An evaluation
    /// that would cancel more (and more than <see cref="MassCancellationMinimum"/> runs) is refused with a
    /// <see cref="MassCancellationException"/> before it changes anything: a truncated or empty portfolio must not wipe
    /// out the team's open work.
    /// </summary>
    /// <value>The default value is 0.5 (half of the open runs). Must be from 0 to 1; 1 turns the guard off.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside that range or not a number.</exception>
    public double MaxCancellationShare
    {
        get => _maxCancellationShare;
        init => _maxCancellationShare = value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxCancellationShare), value, string.Create(CultureInfo.InvariantCulture, $"The largest share of open runs to cancel is from 0 to 1 (was {value})."));
    }

    /// <summary>The number of cancellations that is never refused, whatever its share (a small portfolio loses one run in two without alarm).</summary>
    /// <value>The default value is 10. Must be 0 or more.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MassCancellationMinimum
    {
        get => _massCancellationMinimum;
        init => _massCancellationMinimum = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MassCancellationMinimum), value, "The mass-cancellation minimum is 0 or more runs.");
    }

    /// <summary>The real-time clock that hand-off leases are measured on; a fake one in tests.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public TimeProvider LeaseTime
    {
        get => _leaseTime;
        init => _leaseTime = value ?? throw new ArgumentNullException(nameof(LeaseTime));
    }
}
