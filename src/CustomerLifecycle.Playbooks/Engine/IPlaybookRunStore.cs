using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// Where the engine keeps runs, the hand-off state of their tasks, and the trigger state it last saw. Implementations
/// must make each method atomic and safe under concurrent callers (several processes, for a database store):
/// <see cref="TryCreateAsync"/> creates a run at most once per id, deciding cooldowns and caps in the same step, and
/// <see cref="ClaimHandOffsAsync"/> gives a task to one claimant at a time. The conformance suite
/// (<c>CustomerLifecycle.Storage.Conformance</c>) checks a store against this contract.
/// </summary>
public interface IPlaybookRunStore
{
    /// <summary>
    /// Creates runs, in order (a run sees the runs before it in the list): each unless a run with its id exists, or its
    /// playbook's cooldown or cap for the account forbids it. A database store decides and stores the batch in one
    /// transaction, so a batch is created whole or not at all.
    /// </summary>
    /// <param name="requests">The runs, with their tasks pending hand-off, and their playbooks' cooldowns and caps.</param>
    /// <param name="cancellationToken">Cancels the call; a cancelled batch is not created.</param>
    /// <returns>What happened to each, in the same order.</returns>
    ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>The open runs, with their tasks.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The open runs of some accounts, with their tasks: what the engine reads for a partial snapshot (one shard of the
    /// portfolio, <see cref="PortfolioSnapshot.Partial"/>). The database stores look the accounts up by key, so the read
    /// and its memory follow the accounts asked for. The default filters <see cref="OpenRunsAsync(CancellationToken)"/>.
    /// </summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    async ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var wanted = accounts as IReadOnlySet<AccountId> ?? accounts.ToHashSet();
        return [.. (await OpenRunsAsync(cancellationToken).ConfigureAwait(false)).Where(r => wanted.Contains(r.Account))];
    }

    /// <summary>
    /// Every run of a playbook triggered within a span of dates, open or cancelled, with its tasks, arm and stratum: what
    /// an experiment's analysis reads. The in-memory, SQLite and PostgreSQL stores implement it; the default refuses.
    /// </summary>
    /// <param name="playbookId">The playbook.</param>
    /// <param name="from">The first trigger date, inclusive.</param>
    /// <param name="through">The last trigger date, inclusive.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The runs, by id.</returns>
    /// <exception cref="NotSupportedException">The store does not keep its runs' history.</exception>
    ValueTask<IReadOnlyList<PlaybookRun>> RunsAsync(string playbookId, LocalDate from, LocalDate through, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not list a playbook's past runs; an experiment's analysis needs a store that does (the in-memory, SQLite and PostgreSQL stores do).");

    /// <summary>Cancels open runs in one atomic step; their tasks not yet handed off are never handed off.</summary>
    /// <param name="runIds">The runs.</param>
    /// <param name="at">When.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is cancelled then.</param>
    /// <returns>The ids of the runs that were open and are now cancelled.</returns>
    ValueTask<IReadOnlyList<string>> CancelAsync(IReadOnlyList<string> runIds, Instant at, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="limit"/> tasks of open runs that are neither handed off nor claimed under an unexpired lease.</summary>
    /// <param name="claimant">Who claims (one evaluation).</param>
    /// <param name="now">The current instant, in real time (leases are compared across processes).</param>
    /// <param name="lease">How long the claim lasts if the claimant stops before completing or releasing it.</param>
    /// <param name="limit">The most tasks to claim; 1 or more.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is claimed then.</param>
    /// <returns>The claimed tasks; fewer than <paramref name="limit"/> only when no more are claimable.</returns>
    ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records that a claimed task reached every handler; it is never handed off again. Does nothing unless <paramref name="claimant"/> holds the task.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="claimant">The claimant holding it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the claimant held the task (its lease may have expired, as long as no one else claimed it).</returns>
    ValueTask<bool> CompleteHandOffAsync(string taskId, string claimant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that claimed tasks reached every handler, in one step (one transaction in a database store): the engine
    /// completes a claimed batch at once rather than a commit per task. Only the tasks <paramref name="claimant"/> holds
    /// are completed. The default calls <see cref="CompleteHandOffAsync"/> for each; the stores in these packages do it
    /// in one statement.
    /// </summary>
    /// <param name="taskIds">The tasks.</param>
    /// <param name="claimant">The claimant holding them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The ids of the tasks completed (those the claimant held).</returns>
    async ValueTask<IReadOnlyList<string>> CompleteHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        var completed = new List<string>(taskIds.Count);
        foreach (var id in taskIds)
        {
            if (id is not null && await CompleteHandOffAsync(id, claimant, cancellationToken).ConfigureAwait(false))
            {
                completed.Add(id);
            }
        }

        return completed;
    }

    /// <summary>Gives claimed tasks back (a handler failed, or the evaluation stopped), to be claimed again at once. Tasks the claimant does not hold are left alone.</summary>
    /// <param name="taskIds">The tasks.</param>
    /// <param name="claimant">The claimant holding them.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when they are released.</returns>
    ValueTask ReleaseHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the store's assignment lock, held until the returned handle is disposed: while one caller holds it, every
    /// other waits, in this process and, for a store that several processes share, in all of them. The engine holds it
    /// from reading <see cref="OpenTaskCountsAsync"/> until its runs are created, when its assigner reads those counts
    /// (a least-loaded team), so evaluations running at once (shards on several instances) assign as they would one
    /// after another. The default holds nothing, which is right for a store one engine uses at a time; the in-memory,
    /// SQLite and PostgreSQL stores implement it. A holder that dies releases it (the process's file lock, the
    /// database session).
    /// </summary>
    /// <param name="cancellationToken">Stops the wait; nothing is held then.</param>
    /// <returns>The lock; dispose it to release it.</returns>
    ValueTask<IAsyncDisposable> LockAssignmentAsync(CancellationToken cancellationToken = default) => new(AssignmentLock.None);

    /// <summary>The number of tasks of open runs per owner, for least-loaded assignment; owners without open tasks may be absent.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The engine's trigger states: per playbook and account that ever held a tracked state, whether it holds and since
    /// when (see <see cref="SetTriggerStatesAsync"/>). With them, a state trigger occurs once per onset of its state
    /// however the evaluations are called (after a restart with no earlier snapshot, over overlapping date spans).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default);

    /// <summary>The trigger states of some accounts (every playbook): what the engine reads for a partial snapshot. The default filters <see cref="TriggerStatesAsync(CancellationToken)"/>.</summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot.</returns>
    async ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var wanted = accounts as IReadOnlySet<AccountId> ?? accounts.ToHashSet();
        return (await TriggerStatesAsync(cancellationToken).ConfigureAwait(false)).Where(s => wanted.Contains(s.Key.Account)).ToDictionary(s => s.Key, s => s.Value);
    }

    /// <summary>
    /// Records trigger states that changed, in one atomic step. A change replaces the recorded state of its key only
    /// when its date is on or after the recorded one's: an evaluation of an older date, finishing after a newer one,
    /// never rewrites what the newer one recorded. The engine calls it once per evaluation, after creating that
    /// evaluation's runs.
    /// </summary>
    /// <param name="changes">The changes; each key at most once.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is recorded then.</param>
    /// <returns>A task that completes when they are recorded.</returns>
    ValueTask SetTriggerStatesAsync(IReadOnlyList<TriggerStateChange> changes, CancellationToken cancellationToken = default);
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
public readonly record struct TriggerStateChange(TriggerStateKey Key, TriggerState State)
{
    /// <summary>Checks a batch of changes before a store writes any of it: not null, each key named and at most once.</summary>
    /// <param name="changes">The batch.</param>
    /// <exception cref="ArgumentNullException">The batch is null.</exception>
    /// <exception cref="ArgumentException">A change has no playbook or account, or a key appears twice.</exception>
    public static void Validate(IReadOnlyList<TriggerStateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var seen = new HashSet<TriggerStateKey>();
        for (var i = 0; i < changes.Count; i++)
        {
            var key = changes[i].Key;
            if (string.IsNullOrEmpty(key.PlaybookId) || key.Account == default)
            {
                throw new ArgumentException($"Change {i} has no playbook or no account; nothing was recorded.", nameof(changes));
            }

            if (StoredText.Problem($"Change {i}'s PlaybookId", key.PlaybookId) is { } problem)
            {
                throw new ArgumentException($"{problem} Nothing was recorded.", nameof(changes));
            }

            if (!seen.Add(key))
            {
                throw new ArgumentException($"Change {i} repeats the key ({key.PlaybookId}, {key.Account}); each key may change once per call, and nothing was recorded.", nameof(changes));
            }
        }
    }
}

/// <summary>
/// The cooldown and cap rule, shared by every store so they decide alike. It holds in both directions of time, so the
/// runs kept do not depend on the order in which dates are evaluated (a backfill, or instances catching up on
/// different days at once): no two runs of a playbook for an account are closer than its cooldown, and no period of
/// the cap's length holds more than its number of runs.
/// </summary>
public static class PlaybookLimits
{
    /// <summary>Decides whether a run triggered on <paramref name="triggeredOn"/> may start, given the dates of the account's other runs of the playbook.</summary>
    /// <param name="earlier">The trigger dates of the runs already stored (cancelled ones included), before or after <paramref name="triggeredOn"/>.</param>
    /// <param name="triggeredOn">The new run's trigger date.</param>
    /// <param name="cooldown">The cooldown, if any: refused when a stored run falls less than a cooldown before or after it.</param>
    /// <param name="cap">The cap, if any: refused when some period of <see cref="EnrolmentCap.Every"/> that contains it would hold more than <see cref="EnrolmentCap.Runs"/> runs.</param>
    /// <returns><see cref="RunAdmission.Created"/>, <see cref="RunAdmission.CoolingDown"/> or <see cref="RunAdmission.Capped"/>.</returns>
    public static RunAdmission Admit(IReadOnlyCollection<LocalDate> earlier, LocalDate triggeredOn, Period? cooldown, EnrolmentCap? cap)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (cooldown is not null && earlier.Any(d => (d <= triggeredOn && triggeredOn < d.Plus(cooldown)) || (triggeredOn <= d && d < triggeredOn.Plus(cooldown))))
        {
            return RunAdmission.CoolingDown;
        }

        if (cap is not null)
        {
            // The fullest period [start, start + Every) that contains the new run starts at a run's date (or the new
            // run's own): count each such period with the new run in it.
            foreach (var start in earlier.Where(d => d <= triggeredOn && triggeredOn < d.Plus(cap.Every)).Append(triggeredOn))
            {
                var end = start.Plus(cap.Every);
                if (earlier.Count(d => start <= d && d < end) + 1 > cap.Runs)
                {
                    return RunAdmission.Capped;
                }
            }
        }

        return RunAdmission.Created;
    }
}

/// <summary>A run to create, with its playbook's cooldown and cap: one item of <see cref="IPlaybookRunStore.TryCreateAsync"/>.</summary>
/// <param name="Run">The run, with its tasks pending hand-off.</param>
/// <param name="Cooldown">The playbook's cooldown, if any.</param>
/// <param name="Cap">The playbook's cap, if any.</param>
public readonly record struct RunRequest(PlaybookRun Run, Period? Cooldown, EnrolmentCap? Cap)
{
    /// <summary>
    /// True when the run may start only while no run of its playbook is open for the account (answered
    /// <see cref="RunAdmission.AlreadyOpen"/> otherwise, decided atomically with the insert, seeing the runs before it in the
    /// batch). The engine sets it for state-triggered playbooks: a state's episode has one open run however many
    /// evaluations see its onset at once. False by default.
    /// </summary>
    public bool SingleOpen { get; init; }

    /// <summary>
    /// Checks a batch before a store writes any of it: not null, every request has a run, and every text a store keeps
    /// (ids, occurrence key, task titles, roles and owners) can be kept exactly by every store (<see cref="StoredText"/>:
    /// no NUL, no lone surrogate).
    /// </summary>
    /// <param name="requests">The batch.</param>
    /// <exception cref="ArgumentNullException">The batch or a run in it is null.</exception>
    /// <exception cref="ArgumentException">A text of a run or a task could not be kept exactly; the message names the request, the field and the position.</exception>
    public static void Validate(IReadOnlyList<RunRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        for (var i = 0; i < requests.Count; i++)
        {
            var run = requests[i].Run ?? throw new ArgumentNullException(nameof(requests), $"Request {i} has no run; nothing was created.");
            var problem = StoredText.Problem($"Request {i}'s run Id", run.Id)
                ?? StoredText.Problem($"Request {i}'s run PlaybookId", run.PlaybookId)
                ?? StoredText.Problem($"Request {i}'s run OccurrenceKey", run.OccurrenceKey);
            for (var t = 0; problem is null && t < run.Tasks.Count; t++)
            {
                var task = run.Tasks[t];
                problem = StoredText.Problem($"Request {i}'s task {t} Id", task.Id)
                    ?? StoredText.Problem($"Request {i}'s task {t} Title", task.Title)
                    ?? StoredText.Problem($"Request {i}'s task {t} OwnerRole", task.OwnerRole)
                    ?? StoredText.Problem($"Request {i}'s task {t} Owner", task.Owner);
            }

            if (problem is not null)
            {
                throw new ArgumentException($"{problem} Nothing was created.", nameof(requests));
            }
        }
    }
}
