using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// The default store: in memory, one lock, safe under concurrent evaluations in one process. State is lost when the
/// process stops; use a durable store (<c>CustomerLifecycle.Storage.Sqlite</c> or <c>.Storage.PostgreSql</c>) to keep
/// it. Every call completes synchronously.
/// </summary>
public sealed class InMemoryPlaybookRunStore : IPlaybookRunStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, PlaybookRun> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, AccountId), List<LocalDate>> _history = [];
    private readonly Dictionary<string, HandOff> _handOffs = new(StringComparer.Ordinal);

    // Tasks of open runs per owner, for least-loaded assignment without a scan.
    private readonly Dictionary<string, int> _openTasks = new(StringComparer.Ordinal);

    // The hand-offs not yet done, of open runs: what a claim looks through (done and cancelled ones leave it).
    private readonly Dictionary<string, HandOff> _unfinished = new(StringComparer.Ordinal);

    private readonly Dictionary<TriggerStateKey, TriggerState> _triggerStates = [];

    // Open runs per playbook and account, for RunRequest.SingleOpen without a scan.
    private readonly Dictionary<(string, AccountId), int> _openRuns = [];

    private readonly SemaphoreSlim _assignment = new(1, 1);

    private enum HandOffState
    {
        Pending,
        Claimed,
        Done,
    }

    /// <summary>Every run, open or cancelled.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<PlaybookRun> AllRuns()
    {
        lock (_lock)
        {
            return [.. _runs.Values];
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
    {
        RunRequest.Validate(requests);
        cancellationToken.ThrowIfCancellationRequested();
        var admissions = new RunAdmission[requests.Count];
        lock (_lock)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                admissions[i] = TryCreateLocked(requests[i]);
            }
        }

        return new(admissions);
    }

    private RunAdmission TryCreateLocked(RunRequest request)
    {
        var (run, cooldown, cap) = request;
        if (_runs.ContainsKey(run.Id))
        {
            return RunAdmission.Duplicate;
        }

        var key = (run.PlaybookId, run.Account);
        if (request.SingleOpen && _openRuns.GetValueOrDefault(key) > 0)
        {
            return RunAdmission.AlreadyOpen;
        }

        var history = _history.GetValueOrDefault(key);
        var admission = history is null ? RunAdmission.Created : PlaybookLimits.Admit(history, run.TriggeredOn, cooldown, cap);
        if (admission != RunAdmission.Created)
        {
            return admission;
        }

        _runs[run.Id] = run.Status == RunStatus.Open ? run : run with { Status = RunStatus.Open };
        _openRuns[key] = _openRuns.GetValueOrDefault(key) + 1;
        if (history is null)
        {
            _history[key] = [run.TriggeredOn];
        }
        else
        {
            history.Add(run.TriggeredOn);
        }
        foreach (var task in run.Tasks)
        {
            var handOff = new HandOff(task);
            _handOffs[task.Id] = handOff;
            _unfinished[task.Id] = handOff;
            _openTasks[task.Owner] = _openTasks.GetValueOrDefault(task.Owner) + 1;
        }

        return RunAdmission.Created;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new([.. _runs.Values.Where(r => r.Status == RunStatus.Open)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookRun>> RunsAsync(string playbookId, LocalDate from, LocalDate through, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(playbookId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new([.. _runs.Values.Where(r => r.PlaybookId == playbookId && r.TriggeredOn >= from && r.TriggeredOn <= through).OrderBy(r => r.Id, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> CancelAsync(IReadOnlyList<string> runIds, Instant at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        cancellationToken.ThrowIfCancellationRequested();
        var cancelled = new List<string>();
        lock (_lock)
        {
            foreach (var runId in runIds)
            {
                if (runId is null || !_runs.TryGetValue(runId, out var run) || run.Status != RunStatus.Open)
                {
                    continue;
                }

                _runs[runId] = run with { Status = RunStatus.Cancelled };
                _openRuns[(run.PlaybookId, run.Account)]--;
                foreach (var task in run.Tasks)
                {
                    _unfinished.Remove(task.Id);
                    _openTasks[task.Owner]--;
                }

                cancelled.Add(runId);
            }
        }

        return new(cancelled);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var claimed = new List<PlaybookTask>();
            foreach (var handOff in _unfinished.Values)
            {
                if (claimed.Count == limit)
                {
                    break;
                }

                if (handOff.State == HandOffState.Pending || (handOff.State == HandOffState.Claimed && handOff.Until <= now))
                {
                    handOff.State = HandOffState.Claimed;
                    handOff.Claimant = claimant;
                    handOff.Until = now + lease;
                    claimed.Add(handOff.Task);
                }
            }

            return new(claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteHandOffAsync(string taskId, string claimant, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_unfinished.TryGetValue(taskId, out var handOff) && handOff.Claimant == claimant && handOff.State == HandOffState.Claimed)
            {
                handOff.State = HandOffState.Done;
                _unfinished.Remove(taskId);
                return new(true);
            }

            return new(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> CompleteHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        cancellationToken.ThrowIfCancellationRequested();
        var completed = new List<string>(taskIds.Count);
        lock (_lock)
        {
            foreach (var taskId in taskIds)
            {
                if (taskId is not null && _unfinished.TryGetValue(taskId, out var handOff) && handOff.Claimant == claimant && handOff.State == HandOffState.Claimed)
                {
                    handOff.State = HandOffState.Done;
                    _unfinished.Remove(taskId);
                    completed.Add(taskId);
                }
            }
        }

        return new(completed);
    }

    /// <inheritdoc />
    public ValueTask ReleaseHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var taskId in taskIds)
            {
                if (taskId is not null && _unfinished.TryGetValue(taskId, out var handOff) && handOff.Claimant == claimant && handOff.State == HandOffState.Claimed)
                {
                    handOff.State = HandOffState.Pending;
                    handOff.Claimant = null;
                }
            }
        }

        return default;
    }

    /// <inheritdoc />
    /// <remarks>A semaphore of this store: every engine of the process that uses it takes turns.</remarks>
    public ValueTask<IAsyncDisposable> LockAssignmentAsync(CancellationToken cancellationToken = default) => AssignmentLock.TakeAsync(_assignment, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new(_openTasks.Where(o => o.Value > 0).ToDictionary(o => o.Key, o => o.Value, StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new(new Dictionary<TriggerStateKey, TriggerState>(_triggerStates));
        }
    }

    /// <inheritdoc />
    public ValueTask SetTriggerStatesAsync(IReadOnlyList<TriggerStateChange> changes, CancellationToken cancellationToken = default)
    {
        TriggerStateChange.Validate(changes);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var change in changes)
            {
                // An older evaluation finishing late does not rewrite what a newer one recorded.
                if (!_triggerStates.TryGetValue(change.Key, out var recorded) || change.State.Since >= recorded.Since)
                {
                    _triggerStates[change.Key] = change.State;
                }
            }
        }

        return default;
    }

    private sealed class HandOff(PlaybookTask task)
    {
        public PlaybookTask Task { get; } = task;

        public HandOffState State { get; set; }

        public string? Claimant { get; set; }

        public Instant Until { get; set; }
    }
}
