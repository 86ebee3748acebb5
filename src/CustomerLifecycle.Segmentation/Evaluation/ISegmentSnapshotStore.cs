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

    /// <summary>
    /// Writes one shard's part of a date's snapshot: the date's memberships of the shard's accounts are replaced by the
    /// part's, those of other shards are kept (<see cref="SegmentMembershipSnapshot.WithShard"/>). Shards of one date are
    /// written at once by several instances, so a store must do this atomically; the stores in these packages do. The
    /// default writes the whole snapshot for <see cref="AccountShard.All"/>, and refuses any other shard.
    /// </summary>
    /// <param name="part">The shard's part; it must have a date, and only accounts of <paramref name="shard"/>.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when it is written.</returns>
    /// <exception cref="ArgumentException">The part has no date, or an account of another shard.</exception>
    /// <exception cref="NotSupportedException">The store cannot write a shard's part.</exception>
    ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default) =>
        shard.IsAll
            ? WriteAsync(part, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} cannot write a segment snapshot shard by shard; implement ISegmentSnapshotStore.WriteAsync(part, shard), atomically, to run segments in shards.");

    /// <summary>The part in one shard of the latest snapshot dated on or before <paramref name="date"/>; null when there is none. The default filters <see cref="LatestAsync(LocalDate, CancellationToken)"/>.</summary>
    /// <param name="date">The latest date to consider.</param>
    /// <param name="shard">The shard.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The part, or null.</returns>
    async ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken = default) =>
        (await LatestAsync(date, cancellationToken).ConfigureAwait(false))?.In(shard);
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
    public ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default)
    {
        var date = SegmentMembershipSnapshot.DateOf(part);
        SegmentMembershipSnapshot.CheckShard(part, shard);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _snapshots[date] = _snapshots.TryGetValue(date, out var stored) ? stored.WithShard(part, shard) : part;
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
