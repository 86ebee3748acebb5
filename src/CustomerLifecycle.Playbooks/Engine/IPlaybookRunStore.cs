using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// Where the engine keeps runs and the hand-off state of their tasks. Implementations must make each method atomic
/// and safe under concurrent callers (several processes, for a database store): <see cref="TryCreate"/> creates a
/// run at most once per id, and <see cref="ClaimHandOffs"/> gives a task to one claimant at a time.
/// </summary>
public interface IPlaybookRunStore
{
    /// <summary>Creates the run unless one with its id exists, or the playbook's cooldown or cap for the account forbids it; decides and stores in one atomic step.</summary>
    /// <param name="run">The run, with its tasks pending hand-off.</param>
    /// <param name="cooldown">The playbook's cooldown, if any: no run triggered within it after the account's last run of the playbook.</param>
    /// <param name="cap">The playbook's cap, if any: at most N runs triggered within the rolling period.</param>
    /// <returns>What happened.</returns>
    RunAdmission TryCreate(PlaybookRun run, Period? cooldown, EnrolmentCap? cap);

    /// <summary>
    /// Creates many runs, deciding each as <see cref="TryCreate"/> does, in order (a run sees the runs before it in the
    /// list). The engine calls this with batches of runs; a database store should decide and store a batch in one
    /// transaction. The default calls <see cref="TryCreate"/> for each.
    /// </summary>
    /// <param name="requests">The runs, with their playbooks' cooldowns and caps.</param>
    /// <returns>What happened to each, in the same order.</returns>
    IReadOnlyList<RunAdmission> TryCreateMany(IReadOnlyList<RunRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var admissions = new RunAdmission[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            admissions[i] = TryCreate(requests[i].Run, requests[i].Cooldown, requests[i].Cap);
        }

        return admissions;
    }

    /// <summary>The open runs.</summary>
    /// <returns>A snapshot.</returns>
    IReadOnlyList<PlaybookRun> OpenRuns();

    /// <summary>Cancels an open run; its tasks not yet handed off are never handed off.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="at">When.</param>
    /// <returns>True when the run was open.</returns>
    bool Cancel(string runId, Instant at);

    /// <summary>Claims up to <paramref name="limit"/> tasks of open runs that are neither handed off nor claimed under an unexpired lease.</summary>
    /// <param name="claimant">Who claims (one evaluation).</param>
    /// <param name="now">The current instant, in real time (leases are compared across processes).</param>
    /// <param name="lease">How long the claim lasts if the claimant stops before completing or releasing it.</param>
    /// <param name="limit">The most tasks to claim; 1 or more.</param>
    /// <returns>The claimed tasks; fewer than <paramref name="limit"/> only when no more are claimable.</returns>
    IReadOnlyList<PlaybookTask> ClaimHandOffs(string claimant, Instant now, Duration lease, int limit);

    /// <summary>Records that a claimed task reached every handler; it is never handed off again.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="claimant">The claimant holding it.</param>
    void CompleteHandOff(string taskId, string claimant);

    /// <summary>Gives a claimed task back (a handler failed), to be retried by the next evaluation.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="claimant">The claimant holding it.</param>
    void ReleaseHandOff(string taskId, string claimant);

    /// <summary>The number of tasks of open runs owned by a person, for least-loaded assignment.</summary>
    /// <param name="owner">The person.</param>
    /// <returns>The count.</returns>
    int OpenTaskCount(string owner);

    /// <summary>
    /// Whether the store keeps the engine's trigger state (<see cref="TriggerStates"/>, <see cref="SetTriggerStates"/>).
    /// When it does, a built-in state trigger occurs once per onset of its state however the evaluations are called
    /// (after a restart with no earlier snapshot, over overlapping date spans); when it does not (the default, for
    /// stores written before it existed), occurrences are found by comparing the earlier snapshot with the current one.
    /// </summary>
    bool KeepsTriggerState => false;

    /// <summary>
    /// The trigger states: per playbook and account that ever held a tracked state, whether it holds and since when
    /// (see <see cref="SetTriggerStates"/>).
    /// </summary>
    /// <returns>A snapshot.</returns>
    IReadOnlyDictionary<TriggerStateKey, TriggerState> TriggerStates() => new Dictionary<TriggerStateKey, TriggerState>();

    /// <summary>
    /// Records trigger states that changed, in one atomic step. The engine calls it once per evaluation, after creating
    /// that evaluation's runs.
    /// </summary>
    /// <param name="changes">The changes; each key at most once.</param>
    void SetTriggerStates(IReadOnlyList<TriggerStateChange> changes)
    {
    }
}

/// <summary>A playbook and an account: the key of a trigger state.</summary>
/// <param name="PlaybookId">The playbook.</param>
/// <param name="Account">The account.</param>
public readonly record struct TriggerStateKey(string PlaybookId, AccountId Account);

/// <summary>Whether a trigger's tracked state holds for an account, and since which evaluation date.</summary>
/// <param name="Holds">True while the state holds (a color, being in a segment).</param>
/// <param name="Since">The date of the evaluation that saw it begin or end.</param>
public readonly record struct TriggerState(bool Holds, LocalDate Since);

/// <summary>A trigger state that changed: it began, or it ended.</summary>
/// <param name="Key">The playbook and account.</param>
/// <param name="State">The new state.</param>
public readonly record struct TriggerStateChange(TriggerStateKey Key, TriggerState State);

/// <summary>
/// The default store: in memory, one lock, safe under concurrent evaluations in one process. State is lost when the
/// process stops; use a durable store (the sample's SQLite one, for example) to keep it.
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
    public RunAdmission TryCreate(PlaybookRun run, Period? cooldown, EnrolmentCap? cap)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_lock)
        {
            return TryCreateLocked(run, cooldown, cap);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<RunAdmission> TryCreateMany(IReadOnlyList<RunRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var admissions = new RunAdmission[requests.Count];
        lock (_lock)
        {
            for (var i = 0; i < requests.Count; i++)
            {
                ArgumentNullException.ThrowIfNull(requests[i].Run, nameof(requests));
                admissions[i] = TryCreateLocked(requests[i].Run, requests[i].Cooldown, requests[i].Cap);
            }
        }

        return admissions;
    }

    private RunAdmission TryCreateLocked(PlaybookRun run, Period? cooldown, EnrolmentCap? cap)
    {
        if (_runs.ContainsKey(run.Id))
        {
            return RunAdmission.Duplicate;
        }

        var key = (run.PlaybookId, run.Account);
        var history = _history.TryGetValue(key, out var h) ? h : [];
        var admission = PlaybookLimits.Admit(history, run.TriggeredOn, cooldown, cap);
        if (admission != RunAdmission.Created)
        {
            return admission;
        }

        _runs[run.Id] = run with { Status = RunStatus.Open };
        history.Add(run.TriggeredOn);
        _history[key] = history;
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
    public IReadOnlyList<PlaybookRun> OpenRuns()
    {
        lock (_lock)
        {
            return [.. _runs.Values.Where(r => r.Status == RunStatus.Open)];
        }
    }

    /// <inheritdoc />
    public bool Cancel(string runId, Instant at)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue(runId, out var run) || run.Status != RunStatus.Open)
            {
                return false;
            }

            _runs[runId] = run with { Status = RunStatus.Cancelled };
            foreach (var task in run.Tasks)
            {
                _unfinished.Remove(task.Id);
                _openTasks[task.Owner]--;
            }

            return true;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<PlaybookTask> ClaimHandOffs(string claimant, Instant now, Duration lease, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
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

            return claimed;
        }
    }

    /// <inheritdoc />
    public void CompleteHandOff(string taskId, string claimant)
    {
        lock (_lock)
        {
            if (_handOffs.TryGetValue(taskId, out var handOff) && handOff.Claimant == claimant && handOff.State == HandOffState.Claimed)
            {
                handOff.State = HandOffState.Done;
                _unfinished.Remove(taskId);
            }
        }
    }

    /// <inheritdoc />
    public void ReleaseHandOff(string taskId, string claimant)
    {
        lock (_lock)
        {
            if (_handOffs.TryGetValue(taskId, out var handOff) && handOff.Claimant == claimant && handOff.State == HandOffState.Claimed)
            {
                handOff.State = HandOffState.Pending;
                handOff.Claimant = null;
            }
        }
    }

    /// <inheritdoc />
    public int OpenTaskCount(string owner)
    {
        lock (_lock)
        {
            return _openTasks.GetValueOrDefault(owner);
        }
    }

    /// <inheritdoc />
    public bool KeepsTriggerState => true;

    /// <inheritdoc />
    public IReadOnlyDictionary<TriggerStateKey, TriggerState> TriggerStates()
    {
        lock (_lock)
        {
            return new Dictionary<TriggerStateKey, TriggerState>(_triggerStates);
        }
    }

    /// <inheritdoc />
    public void SetTriggerStates(IReadOnlyList<TriggerStateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_lock)
        {
            foreach (var change in changes)
            {
                _triggerStates[change.Key] = change.State;
            }
        }
    }

    private sealed class HandOff(PlaybookTask task)
    {
        public PlaybookTask Task { get; } = task;

        public HandOffState State { get; set; }

        public string? Claimant { get; set; }

        public Instant Until { get; set; }
    }
}

/// <summary>The cooldown and cap rule, shared by every store so they decide alike.</summary>
public static class PlaybookLimits
{
    /// <summary>Decides whether a run triggered on <paramref name="triggeredOn"/> may start, given the dates of the account's earlier runs of the playbook.</summary>
    /// <param name="earlier">The trigger dates of earlier runs (cancelled ones included).</param>
    /// <param name="triggeredOn">The new run's trigger date.</param>
    /// <param name="cooldown">The cooldown, if any.</param>
    /// <param name="cap">The cap, if any.</param>
    /// <returns><see cref="RunAdmission.Created"/>, <see cref="RunAdmission.CoolingDown"/> or <see cref="RunAdmission.Capped"/>.</returns>
    public static RunAdmission Admit(IReadOnlyCollection<LocalDate> earlier, LocalDate triggeredOn, Period? cooldown, EnrolmentCap? cap)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (cooldown is not null && earlier.Any(d => d <= triggeredOn && triggeredOn < d.Plus(cooldown)))
        {
            return RunAdmission.CoolingDown;
        }

        if (cap is not null && earlier.Count(d => d <= triggeredOn && triggeredOn < d.Plus(cap.Every)) >= cap.Runs)
        {
            return RunAdmission.Capped;
        }

        return RunAdmission.Created;
    }
}

/// <summary>A run to create, with its playbook's cooldown and cap: one item of <see cref="IPlaybookRunStore.TryCreateMany"/>.</summary>
/// <param name="Run">The run, with its tasks pending hand-off.</param>
/// <param name="Cooldown">The playbook's cooldown, if any.</param>
/// <param name="Cap">The playbook's cap, if any.</param>
public readonly record struct RunRequest(PlaybookRun Run, Period? Cooldown, EnrolmentCap? Cap);
