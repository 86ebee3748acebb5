using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// Segment memberships by business date, kept across restarts and shared by every instance of a host: what
/// <see cref="SegmentEvaluation.ChangesSince(SegmentMembershipSnapshot)"/> compares today's evaluation with.
/// <see cref="InMemorySegmentSnapshotStore"/> is the default; the SQLite and PostgreSQL packages ship durable ones,
/// checked by the same conformance suite.
/// </summary>
public interface ISegmentSnapshotStore
{
    /// <summary>Writes a snapshot, replacing a snapshot of the same date whole (so a day run again writes it again).</summary>
    /// <param name="snapshot">The snapshot; it must have a date.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when it is written.</returns>
    /// <exception cref="ArgumentException">The snapshot has no date.</exception>
    ValueTask WriteAsync(SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>The latest snapshot dated on or before <paramref name="date"/>; null when there is none.</summary>
    /// <param name="date">The latest date to consider: yesterday, for today's changes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The snapshot, or null.</returns>
    ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default);

    /// <summary>Deletes the snapshots dated before <paramref name="date"/> (retention).</summary>
    /// <param name="date">The first date to keep.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many snapshots were deleted.</returns>
    ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default);
}

/// <summary>Segment snapshots in memory: for tests and hosts that may lose them when they stop. Thread-safe.</summary>
public sealed class InMemorySegmentSnapshotStore : ISegmentSnapshotStore
{
    private readonly object _lock = new();
    private readonly SortedList<LocalDate, SegmentMembershipSnapshot> _snapshots = [];

    /// <inheritdoc />
    public ValueTask WriteAsync(SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var date = SegmentMembershipSnapshot.DateOf(snapshot);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _snapshots[date] = snapshot;
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            for (var i = _snapshots.Count - 1; i >= 0; i--)
            {
                if (_snapshots.Keys[i] <= date)
                {
                    return new(_snapshots.Values[i]);
                }
            }
        }

        return new((SegmentMembershipSnapshot?)null);
    }

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        lock (_lock)
        {
            while (_snapshots.Count > 0 && _snapshots.Keys[0] < date)
            {
                _snapshots.RemoveAt(0);
                deleted++;
            }
        }

        return new(deleted);
    }
}
