namespace CustomerLifecycle.Stages;

/// <summary>
/// Each account's stage history (its transitions, oldest first), kept across restarts and shared by every instance of
/// a host: what stage-tenure criteria, stage metrics and refused moves read. Read a history back with
/// <see cref="StageHistory.Restore"/>. <see cref="InMemoryStageHistoryStore"/> is the default; the SQLite and
/// PostgreSQL packages ship durable ones, checked by the same conformance suite.
/// </summary>
public interface IStageHistoryStore
{
    /// <summary>
    /// Saves histories, each replacing the account's stored transitions whole (a history only grows, so saving the
    /// same one again changes nothing). Two histories of one account refuse the batch; nothing is written then.
    /// </summary>
    /// <param name="histories">The histories.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>A task that completes when they are saved.</returns>
    /// <exception cref="ArgumentException">A history is null, or two are of one account.</exception>
    ValueTask SaveAsync(IReadOnlyList<StageHistory> histories, CancellationToken cancellationToken = default);

    /// <summary>The stored transitions of accounts, oldest first; an account with none is absent.</summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The transitions by account.</returns>
    ValueTask<IReadOnlyDictionary<AccountId, IReadOnlyList<StageTransition>>> LoadAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default);
}

/// <summary>Stage histories in memory: for tests and hosts that may lose them when they stop. Thread-safe.</summary>
public sealed class InMemoryStageHistoryStore : IStageHistoryStore
{
    private readonly object _lock = new();
    private readonly Dictionary<AccountId, StageTransition[]> _histories = [];

    /// <inheritdoc />
    public ValueTask SaveAsync(IReadOnlyList<StageHistory> histories, CancellationToken cancellationToken = default)
    {
        StageHistories.Validate(histories);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var history in histories)
            {
                _histories[history.Account] = [.. history.Transitions];
            }
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<AccountId, IReadOnlyList<StageTransition>>> LoadAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var found = new Dictionary<AccountId, IReadOnlyList<StageTransition>>();
        lock (_lock)
        {
            foreach (var account in accounts)
            {
                if (_histories.TryGetValue(account, out var transitions))
                {
                    found[account] = transitions;
                }
            }
        }

        return new(found);
    }
}

/// <summary>What every stage history store checks before writing.</summary>
public static class StageHistories
{
    /// <summary>Validates a batch: no null history, one per account, and every actor and reason text a store can keep exactly (<see cref="StoredText"/>).</summary>
    /// <param name="histories">The batch.</param>
    /// <exception cref="ArgumentException">A history is null, two are of one account, or a transition's actor or reason has a NUL or a lone surrogate.</exception>
    public static void Validate(IReadOnlyList<StageHistory> histories)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var seen = new HashSet<AccountId>();
        for (var i = 0; i < histories.Count; i++)
        {
            var history = histories[i] ?? throw new ArgumentException($"The stage history at index {i} is null.", nameof(histories));
            if (!seen.Add(history.Account))
            {
                throw new ArgumentException($"Account '{history.Account}' has two stage histories in one batch (index {i}); save one per account.", nameof(histories));
            }

            foreach (var transition in history.Transitions)
            {
                if ((StoredText.Problem("Actor", transition.Actor) ?? (transition.Reason is null ? null : StoredText.Problem("Reason", transition.Reason))) is { } problem)
                {
                    throw new ArgumentException($"The stage history of account '{history.Account}' (index {i}) cannot be stored exactly: a transition's {problem} Nothing was saved.", nameof(histories));
                }
            }
        }
    }
}
