using NodaTime;

namespace CustomerLifecycle;

/// <summary>
/// Saved component states by key (the usage aggregator's, for one): the latest state of each key, as of a business date.
/// The pipeline in <c>CustomerLifecycle.Hosting</c> saves the usage state after each day's ingestion and loads the
/// newest one before the next, so a restarted or another instance continues where the last run stopped.
/// </summary>
public interface IStateStore
{
    /// <summary>The latest state saved under a key, or null.</summary>
    /// <param name="key">The key, for example <c>usage</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state, or null when none was saved.</returns>
    ValueTask<SavedState?> ReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Saves a state under a key, replacing the one saved before, atomically (a reader sees the old state or the new one, whole).</summary>
    /// <param name="key">The key.</param>
    /// <param name="asOf">The business date the state is as of.</param>
    /// <param name="state">The state's bytes.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is saved then.</param>
    /// <returns>A task that completes when it is saved.</returns>
    ValueTask WriteAsync(string key, LocalDate asOf, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default);
}

/// <summary>A saved state.</summary>
/// <param name="Key">The key.</param>
/// <param name="AsOf">The business date it is as of.</param>
/// <param name="State">Its bytes.</param>
public sealed record SavedState(string Key, LocalDate AsOf, byte[] State);

/// <summary>States in memory: for tests and hosts that may lose them when they stop. Thread-safe.</summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, SavedState> _states = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<SavedState?> ReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        lock (_lock)
        {
            return new(_states.TryGetValue(key, out var state) ? state with { State = [.. state.State] } : null);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(string key, LocalDate asOf, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _states[key] = new SavedState(key, asOf, state.ToArray());
        }

        return default;
    }
}
