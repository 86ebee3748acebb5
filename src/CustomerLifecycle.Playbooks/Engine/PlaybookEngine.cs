using System.Diagnostics;
using CustomerLifecycle.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>Receives the tasks the engine creates: the CSM's to-do list, an email sender, a CRM.</summary>
/// <remarks>
/// A task is handed off until every handler has returned for it. A handler that throws gets the same task (same
/// <see cref="PlaybookTask.Id"/>) again on the next evaluation, so a handler with side effects should recognise an id
/// it has already acted on.
/// </remarks>
public interface IPlaybookTaskHandler
{
    /// <summary>Takes a task.</summary>
    /// <param name="task">The task.</param>
    /// <param name="cancellationToken">Cancels the hand-off.</param>
    /// <returns>A task that completes when the handler has taken it.</returns>
    ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken);
}

/// <summary>
/// Turns snapshots and events into playbook runs, exactly once per trigger occurrence, and hands their tasks to the
/// host's handlers. Thread-safe: concurrent evaluations (in one process, or in several over a shared durable store)
/// create each run once and hand each task to one evaluation at a time.
/// </summary>
/// <remarks>
/// <para>
/// The guarantee: a run is created at most once per playbook, account and occurrence (the store's atomic
/// <see cref="IPlaybookRunStore.TryCreateAsync"/>), and its tasks are stored with it. A task is then handed off until every
/// handler has accepted it: a handler that throws, or a process that stops between creation and hand-off, leaves the
/// task pending, and the next evaluation hands it off; nothing is lost and no run or task is created twice. Tasks are
/// claimed in batches under a lease measured in real time (<see cref="PlaybookEngineOptions.HandOffLease"/>), so a
/// process killed mid-hand-off holds at most one batch, until its lease expires. An engine without handlers hands
/// nothing off: its tasks stay pending in the store.
/// </para>
/// <para>
/// Open runs are cancelled only for a reason the snapshot states: the account is in it and the trigger's reason no
/// longer holds, or it churned, or the snapshot lists it as removed. An account that is merely absent keeps its runs,
/// and an evaluation that would cancel more than <see cref="PlaybookEngineOptions.MaxCancellationShare"/> of the open
/// runs is refused unless the caller confirms it.
/// </para>
/// <para>
/// Dates out of order: a key (playbook, account) whose trigger state a newer evaluation recorded is left to it. An
/// evaluation of an older date starts no run for it, cancels none of its runs and records nothing for it, so a rerun of
/// an older date changes nothing a newer one decided. State-triggered runs are requested with
/// <see cref="RunRequest.SingleOpen"/>, so two dates evaluated at once start one run per onset they both see.
/// </para>
/// </remarks>
public sealed class PlaybookEngine
{
    private readonly Playbook[] _playbooks;
    private readonly Dictionary<string, Playbook> _byId = new(StringComparer.Ordinal);
    private readonly IPlaybookRunStore _store;
    private readonly BusinessClock _clock;
    private readonly IPlaybookTaskHandler[] _handlers;
    private readonly IOwnerAssigner _assigner;
    private readonly BusinessCalendar? _calendar;
    private readonly PlaybookEngineOptions _options;
    private readonly ILogger _logger;

    // How many runs go to the store at once. A database store commits a batch in one transaction, and every commit
    // rewrites the index pages the batch touched: at a million accounts on SQLite, batches of 1,000 wrote 3.8 GB for a
    // 200 MB file and took 17 s where 10,000 wrote 1 GB in 9.5 s (300,000 accounts). A crash redoes at most one batch
    // (its runs are created, once, by the next evaluation).
    private const int CreateBatchSize = 10_000;

    /// <summary>Creates an engine.</summary>
    /// <param name="playbooks">The playbooks; ids unique.</param>
    /// <param name="store">The run store.</param>
    /// <param name="clock">The clock and business time zone.</param>
    /// <param name="handlers">The task handlers.</param>
    /// <param name="assigner">Chooses owners; <see cref="OwnerAssigner"/> without teams when null.</param>
    /// <param name="calendar">Moves due dates off weekends and holidays, when given.</param>
    /// <param name="options">Hand-off leases and batches, and the mass-cancellation guard; <see cref="PlaybookEngineOptions.Default"/> when null.</param>
    /// <param name="logger">Receives one event per evaluation, and one per hand-off failure (docs/observability.md); none when null.</param>
    /// <exception cref="ArgumentException">Two playbooks share an id.</exception>
    public PlaybookEngine(IEnumerable<Playbook> playbooks, IPlaybookRunStore store, BusinessClock clock, IEnumerable<IPlaybookTaskHandler>? handlers = null, IOwnerAssigner? assigner = null, BusinessCalendar? calendar = null, PlaybookEngineOptions? options = null, ILogger<PlaybookEngine>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(playbooks);
        _playbooks = [.. playbooks];
        foreach (var playbook in _playbooks)
        {
            if (!_byId.TryAdd(playbook.Id, playbook))
            {
                throw new ArgumentException($"Two playbooks have the id '{playbook.Id}'; runs are keyed by it.", nameof(playbooks));
            }
        }

        _store = store ?? throw new ArgumentNullException(nameof(store));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _handlers = [.. handlers ?? []];
        _assigner = assigner ?? new OwnerAssigner();
        _calendar = calendar;
        _options = options ?? PlaybookEngineOptions.Default;
    }

    /// <summary>The playbooks.</summary>
    public IReadOnlyList<Playbook> Playbooks => _playbooks;

    /// <summary>The engine's hand-off and cancellation options.</summary>
    public PlaybookEngineOptions Options => _options;

    /// <summary>Where runs and hand-offs are counted: the host's meter when dependency injection made the engine, else the shared one.</summary>
    internal PlaybooksMetrics Metrics { get; init; } = PlaybooksMetrics.Shared;

    /// <summary>
    /// Evaluates a portfolio without an earlier snapshot: state triggers occur on the onsets of their states since the
    /// trigger state the store recorded, so a restart that lost the earlier snapshot creates no second run.
    /// </summary>
    /// <param name="after">The current snapshot.</param>
    /// <param name="events">Lifecycle events since the last evaluation.</param>
    /// <param name="cancellationToken">Stops the evaluation (see <see cref="EvaluateAsync(PortfolioSnapshot?, PortfolioSnapshot, IEnumerable{LifecycleEvent}?, CancellationToken, IProgress{int}?, bool)"/>).</param>
    /// <returns>What the evaluation did.</returns>
    /// <exception cref="MassCancellationException">The evaluation would cancel too many open runs; nothing was changed.</exception>
    public Task<PlaybookEvaluation> EvaluateAsync(PortfolioSnapshot after, IEnumerable<LifecycleEvent>? events = null, CancellationToken cancellationToken = default) =>
        EvaluateAsync(null, after, events, cancellationToken);

    /// <summary>
    /// Evaluates a portfolio: finds the trigger occurrences between <paramref name="before"/> and <paramref name="after"/>
    /// (and in <paramref name="events"/>), creates their runs, cancels open runs whose reason went away, and hands
    /// pending tasks to the handlers.
    /// </summary>
    /// <remarks>
    /// A state-triggered run is cancelled when its account is in <paramref name="after"/> and the reason no longer
    /// holds, or the account churned (<see cref="AccountSnapshot.ChurnedOn"/>); every open run of an account listed in
    /// <see cref="PortfolioSnapshot.Removed"/> is cancelled. An account absent from <paramref name="after"/> keeps its
    /// runs. The cancellations are decided before anything is written, and refused as a whole (see
    /// <see cref="MassCancellationException"/>) when there are too many.
    /// </remarks>
    /// <param name="before">
    /// The earlier snapshot, or null: built-in state triggers rely on the trigger state in the store, and read the
    /// earlier snapshot only for accounts it is newer about; date, event and custom triggers compare it with the current one.
    /// </param>
    /// <param name="after">The current snapshot.</param>
    /// <param name="events">Lifecycle events since <paramref name="before"/>.</param>
    /// <param name="cancellationToken">Stops the evaluation: runs in batches already stored stay (the next evaluation counts them as their state held), and tasks not handed off stay pending.</param>
    /// <param name="progress">Receives the number of accounts evaluated so far, every 10,000 accounts and at the end.</param>
    /// <param name="allowMassCancellation">Confirms that the evaluation may cancel more than <see cref="PlaybookEngineOptions.MaxCancellationShare"/> of the open runs.</param>
    /// <returns>What the evaluation did.</returns>
    /// <exception cref="ArgumentException"><paramref name="before"/> is not earlier than <paramref name="after"/>.</exception>
    /// <exception cref="MassCancellationException">The evaluation would cancel too many open runs; nothing was changed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (runs already created stay, and their unfinished tasks are pending).</exception>
    public async Task<PlaybookEvaluation> EvaluateAsync(PortfolioSnapshot? before, PortfolioSnapshot after, IEnumerable<LifecycleEvent>? events = null, CancellationToken cancellationToken = default, IProgress<int>? progress = null, bool allowMassCancellation = false)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is not null && before.Date >= after.Date)
        {
            throw new ArgumentException($"The earlier snapshot ({before.Date:uuuu-MM-dd}) must be before the current one ({after.Date:uuuu-MM-dd}).", nameof(before));
        }

        var now = _clock.Now;
        var started = Stopwatch.GetTimestamp();
        using var activity = PlaybooksTelemetry.Source.StartActivity("customerlifecycle.playbooks.evaluate");
        activity?.SetTag("customerlifecycle.date", after.Date.ToString("uuuu-MM-dd", null));
        activity?.SetTag("customerlifecycle.accounts", after.Count);

        // A built-in state trigger occurs on the onset of its state as the store last saw it (an open run of the
        // playbook counts as the state held), not as the earlier snapshot says. A key whose state a newer evaluation
        // recorded is that evaluation's: this one neither starts, cancels nor records anything for it.
        // A partial snapshot (a shard) reads its own accounts' states and runs only.
        IReadOnlyCollection<AccountId>? scope = after.Partial ? [.. after.Ordered.ToArray().Select(a => a.Account.Id), .. after.Removed] : null;
        var states = scope is null
            ? await _store.TriggerStatesAsync(cancellationToken).ConfigureAwait(false)
            : await _store.TriggerStatesAsync(scope, cancellationToken).ConfigureAwait(false);

        // Decided before anything is written, so that a refused evaluation has written nothing.
        var (toCancel, open) = await RunsToCancelAsync(after, states, scope, allowMassCancellation, cancellationToken).ConfigureAwait(false);
        var openKeys = open.Select(r => new TriggerStateKey(r.PlaybookId, r.Account)).ToHashSet();
        var stateChanges = new List<TriggerStateChange>();
        var eventsByAccount = new Dictionary<AccountId, List<LifecycleEvent>>();
        foreach (var e in events ?? [])
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            (eventsByAccount.TryGetValue(e.Account, out var list) ? list : eventsByAccount[e.Account] = []).Add(e);
        }

        var created = new List<PlaybookRun>();
        var suppressed = new List<SuppressedRun>();
        var scan = new Scan(_playbooks, _clock.Zone, before, after, states, openKeys, stateChanges, eventsByAccount, progress);
        AssignmentLoad? load = null; // read from the store when the first run is found: a quiet day never asks
        IAsyncDisposable? assignment = null; // the store's assignment lock, while a least-loaded assigner counts
        var batch = new List<RunRequest>(); // grows to a batch only on a busy day: a quiet one allocates nothing for it
        try
        {
            while (!scan.Done)
            {
                // The accounts are scanned without awaiting (the scan's loop is an ordinary method, its locals not fields
                // of this method's state machine); the occurrences found become runs and go to the store a batch at a
                // time, in order.
                scan.Until(CreateBatchSize);
                foreach (var (playbook, account, key, date) in scan.Found)
                {
                    if (load is null)
                    {
                        // The store's open-task counts (an aggregate over every open task) only for an assigner that
                        // reads them, under the store's assignment lock until the runs are created: evaluations at
                        // once (shards on other instances) wait, and read the counts with these tasks in them.
                        var counts = (IReadOnlyDictionary<string, int>)new Dictionary<string, int>();
                        if (_assigner is not OwnerAssigner { UsesLoad: false })
                        {
                            assignment = await _store.LockAssignmentAsync(cancellationToken).ConfigureAwait(false);
                            counts = await _store.OpenTaskCountsAsync(cancellationToken).ConfigureAwait(false);
                        }

                        load = new AssignmentLoad(counts);
                    }

                    batch.Add(new RunRequest(NewRun(playbook, account, key, date, now, load), playbook.Cooldown, playbook.Cap) { SingleOpen = playbook.Trigger.TracksState });
                    if (batch.Count == CreateBatchSize)
                    {
                        await CreateAsync(batch, load, created, suppressed, cancellationToken).ConfigureAwait(false);
                    }
                }

                scan.Found.Clear();
            }

            if (load is not null)
            {
                await CreateAsync(batch, load, created, suppressed, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (assignment is not null)
            {
                await assignment.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (stateChanges.Count > 0)
        {
            // After the runs: a crash in between leaves an open run, which counts as the state held.
            await _store.SetTriggerStatesAsync(stateChanges, cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(after.Count);
        var cancelled = new List<PlaybookRun>();
        if (toCancel.Count > 0)
        {
            var done = (await _store.CancelAsync([.. toCancel.Select(r => r.Id)], now, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            cancelled.AddRange(toCancel.Where(r => done.Contains(r.Id)).Select(r => r with { Status = RunStatus.Cancelled }));
        }

        var (handedOff, failures) = await HandOffAsync(cancellationToken).ConfigureAwait(false);
        var evaluation = new PlaybookEvaluation(after.Date, created, suppressed, cancelled, handedOff, failures);
        Report(evaluation, after.Count, started, activity);
        return evaluation;
    }

    /// <summary>One evaluation's scan of the accounts: what it reads, where it has got to, and what it has found.</summary>
    private sealed class Scan(Playbook[] playbooks, DateTimeZone zone, PortfolioSnapshot? before, PortfolioSnapshot after, IReadOnlyDictionary<TriggerStateKey, TriggerState> states, HashSet<TriggerStateKey> openKeys, List<TriggerStateChange> stateChanges, Dictionary<AccountId, List<LifecycleEvent>> eventsByAccount, IProgress<int>? progress)
    {
        // One account's occurrences of one playbook, reused.
        private readonly List<(string Key, LocalDate Date)> _occurrences = [];

        /// <summary>The occurrences found and not yet made into runs, in the order found.</summary>
        public List<(Playbook Playbook, AccountSnapshot Account, string Key, LocalDate Date)> Found { get; } = [];

        /// <summary>The position of the next account to scan.</summary>
        public int Position { get; private set; }

        public bool Done => Position >= after.Count;

        /// <summary>
        /// Scans accounts from <see cref="Position"/> on, adding their occurrences to <see cref="Found"/>, until at
        /// least <paramref name="limit"/> are found (after a whole account) or every account is scanned. Synchronous,
        /// so that its loop is an ordinary method, its locals not fields of the evaluation's state machine.
        /// </summary>
        public void Until(int limit)
        {
            var found = Found;
            var occurrences = _occurrences;
            var position = Position;
            for (; position < after.Count && found.Count < limit; position++)
            {
                var account = after.Ordered[position];
                if (progress is not null && (position + 1) % 10_000 == 0)
                {
                    progress.Report(position + 1);
                }

                var earlier = before?.Find(account.Account.Id, position);
                IReadOnlyList<LifecycleEvent> accountEvents = eventsByAccount.TryGetValue(account.Account.Id, out var mine) ? mine : Array.Empty<LifecycleEvent>();
                foreach (var playbook in playbooks)
                {
                    var trigger = playbook.Trigger;
                    var tracked = trigger.TracksState;

                    // A churned account starts no state-triggered playbook (its state-triggered runs are being cancelled,
                    // and its trigger state is forgotten); date and event triggers (a win-back three months after churn)
                    // still apply.
                    if (trigger.IsState && account.ChurnedOn <= after.Date)
                    {
                        var key = new TriggerStateKey(playbook.Id, account.Account.Id);
                        if (tracked && states.TryGetValue(key, out var held) && held.Holds && !DecidedAfter(states, key, after.Date))
                        {
                            stateChanges.Add(new TriggerStateChange(key, new TriggerState(false, after.Date)));
                        }

                        continue;
                    }

                    if (!playbook.Applies(account))
                    {
                        continue;
                    }

                    occurrences.Clear();
                    if (tracked)
                    {
                        TrackedOccurrence(playbook, earlier, before?.Date, account, after.Date, states, openKeys, stateChanges, occurrences);
                    }
                    else
                    {
                        trigger.Occurrences(earlier, before?.Date, account, after.Date, accountEvents, zone, occurrences);
                    }

                    foreach (var (key, date) in occurrences)
                    {
                        found.Add((playbook, account, key, date));
                    }
                }
            }

            Position = position;
        }
    }

    // Counted once per evaluation, per playbook: nothing per account.
    private void Report(PlaybookEvaluation evaluation, int accounts, long started, Activity? activity)
    {
        foreach (var group in evaluation.Created.GroupBy(r => r.PlaybookId, StringComparer.Ordinal))
        {
            Metrics.RunsCreated.Add(group.Count(), new KeyValuePair<string, object?>(PlaybooksTelemetry.PlaybookTag, group.Key));
        }

        foreach (var group in evaluation.Suppressed.GroupBy(r => (r.PlaybookId, r.Reason)))
        {
            var reason = group.Key.Reason == RunAdmission.Capped ? "capped" : "cooling_down";
            Metrics.RunsSuppressed.Add(group.Count(), new(PlaybooksTelemetry.PlaybookTag, group.Key.PlaybookId), new(PlaybooksTelemetry.ReasonTag, reason));
            PlaybooksTelemetry.Suppressed(_logger, group.Count(), group.Key.PlaybookId, reason == "capped" ? "the playbook's cap is reached for those accounts" : "the playbook's cooldown has not passed for those accounts");
        }

        foreach (var group in evaluation.Cancelled.GroupBy(r => r.PlaybookId, StringComparer.Ordinal))
        {
            Metrics.RunsCancelled.Add(group.Count(), new KeyValuePair<string, object?>(PlaybooksTelemetry.PlaybookTag, group.Key));
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Metrics.EvaluationDuration.Record(elapsed.TotalSeconds);
        activity?.SetTag("customerlifecycle.playbook.runs.created", evaluation.Created.Count);
        activity?.SetTag("customerlifecycle.playbook.runs.cancelled", evaluation.Cancelled.Count);
        activity?.SetTag("customerlifecycle.playbook.handoff.failures", evaluation.Failures.Count);
        PlaybooksTelemetry.Evaluated(_logger, evaluation.Date.ToString("uuuu-MM-dd", null), accounts, evaluation.Created.Count, evaluation.Suppressed.Count, evaluation.Cancelled.Count, evaluation.HandedOff.Count, evaluation.Failures.Count, (long)elapsed.TotalMilliseconds);
    }

    /// <summary>Hands pending tasks to the handlers without evaluating: for retrying after failures.</summary>
    /// <param name="cancellationToken">Cancels the hand-off.</param>
    /// <returns>The tasks handed off and the failures.</returns>
    public async Task<(IReadOnlyList<PlaybookTask> HandedOff, IReadOnlyList<HandOffFailure> Failures)> HandOffPendingAsync(CancellationToken cancellationToken = default) =>
        await HandOffAsync(cancellationToken).ConfigureAwait(false);

    // Runs go to the store a batch at a time (one transaction each in a database store), in the order they were found.
    private async ValueTask CreateAsync(List<RunRequest> batch, AssignmentLoad load, List<PlaybookRun> created, List<SuppressedRun> suppressed, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var admissions = await _store.TryCreateAsync(batch, cancellationToken).ConfigureAwait(false);
        if (admissions.Count != batch.Count)
        {
            throw new InvalidOperationException($"The run store answered {admissions.Count} admissions for {batch.Count} requests; a store must answer each request once, in order.");
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var run = batch[i].Run;
            var admission = admissions[i];
            load.Settle(run, admission == RunAdmission.Created);
            if (admission == RunAdmission.Created)
            {
                created.Add(run);
            }
            else if (admission is not RunAdmission.Duplicate and not RunAdmission.AlreadyOpen)
            {
                suppressed.Add(new SuppressedRun(run.PlaybookId, run.Account, run.OccurrenceKey, admission));
            }
        }

        batch.Clear();
    }

    private PlaybookRun NewRun(Playbook playbook, AccountSnapshot account, string key, LocalDate date, Instant now, AssignmentLoad load)
    {
        var id = PlaybookRun.IdFor(playbook.Id, account.Account.Id, key);
        var steps = playbook.StepsFor(account);
        var arm = playbook.Experiment?.ArmFor(playbook.Id, account.Account.Id);
        if (arm is not null)
        {
            steps = playbook.Experiment!.StepsFor(arm, steps);
        }

        var tasks = new PlaybookTask[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var due = date.Plus(step.Due);
            tasks[i] = new PlaybookTask(
                $"{id}#{i + 1}",
                id,
                playbook.Id,
                account.Account.Id,
                step.Title,
                step.OwnerRole,
                load.Assigned(_assigner.Assign(step.OwnerRole, account, load)),
                step.Channel,
                step.Priority,
                _calendar?.OnOrAfter(due) ?? due);
        }

        return new PlaybookRun(id, playbook.Id, account.Account.Id, key, date, now, tasks) { Arm = arm, Stratum = playbook.Experiment?.StratumOf(account) };
    }

    /// <summary>
    /// A tracked state trigger's occurrence: the onset of its state (or, for an exit, its end) since the state the store
    /// recorded, and the change to record. The earlier snapshot counts only where it is newer than what the store
    /// recorded for the account (a store that never saw the account hold the state, or whose record predates the
    /// snapshot); an open run of the playbook counts as the state held.
    /// </summary>
    private static void TrackedOccurrence(Playbook playbook, AccountSnapshot? earlier, LocalDate? earlierDate, AccountSnapshot account, LocalDate date, IReadOnlyDictionary<TriggerStateKey, TriggerState> states, HashSet<TriggerStateKey> openKeys, List<TriggerStateChange> changes, List<(string Key, LocalDate Date)> found)
    {
        var trigger = playbook.Trigger;
        var key = new TriggerStateKey(playbook.Id, account.Account.Id);
        if (DecidedAfter(states, key, date))
        {
            // A newer evaluation decided this key (a rerun of an older date, or an instance behind another): what it
            // started and recorded stands.
            return;
        }

        var recorded = states.TryGetValue(key, out var state);
        var was = earlier is not null && (!recorded || earlierDate > state.Since) ? trigger.IsTracked(earlier) : recorded && state.Holds;
        var now = trigger.IsTracked(account);
        var occurs = !openKeys.Contains(key) && (trigger.OccursOnEnd ? was && !now : now && !was);
        if (occurs)
        {
            found.Add((trigger.KeyOn(date), date));
        }

        // Recorded for accounts that ever held the state: its onset and its end.
        if (recorded ? state.Holds != now : now)
        {
            changes.Add(new TriggerStateChange(key, new TriggerState(now, date)));
        }
    }

    /// <summary>Whether an evaluation of a date after <paramref name="date"/> recorded the key's state: then the key is that evaluation's, and one of <paramref name="date"/> leaves it alone.</summary>
    private static bool DecidedAfter(IReadOnlyDictionary<TriggerStateKey, TriggerState> states, TriggerStateKey key, LocalDate date) =>
        states.TryGetValue(key, out var state) && state.Since > date;

    private async ValueTask<(List<PlaybookRun> Cancel, IReadOnlyList<PlaybookRun> Open)> RunsToCancelAsync(PortfolioSnapshot after, IReadOnlyDictionary<TriggerStateKey, TriggerState> states, IReadOnlyCollection<AccountId>? scope, bool allowMassCancellation, CancellationToken cancellationToken)
    {
        var open = scope is null
            ? await _store.OpenRunsAsync(cancellationToken).ConfigureAwait(false)
            : await _store.OpenRunsAsync(scope, cancellationToken).ConfigureAwait(false);
        var cancel = new List<PlaybookRun>();
        foreach (var run in open)
        {
            if (run.TriggeredOn > after.Date)
            {
                continue;
            }

            var account = after.Find(run.Account);
            if (account is null)
            {
                // Absence is not a reason: only an explicit removal cancels the runs of an account that is not there.
                if (after.Removed.Contains(run.Account))
                {
                    cancel.Add(run);
                }

                continue;
            }

            if (_byId.TryGetValue(run.PlaybookId, out var playbook) && playbook.Trigger.IsState
                && (account.ChurnedOn <= after.Date || !playbook.Trigger.StillHolds(account))
                && !(playbook.Trigger.TracksState && DecidedAfter(states, new TriggerStateKey(run.PlaybookId, run.Account), after.Date)))
            {
                cancel.Add(run);
            }
        }

        if (!allowMassCancellation && cancel.Count > _options.MassCancellationMinimum && cancel.Count > _options.MaxCancellationShare * open.Count)
        {
            PlaybooksTelemetry.MassCancellationRefused(_logger, after.Date.ToString("uuuu-MM-dd", null), cancel.Count, open.Count, _options.MaxCancellationShare);
            throw new MassCancellationException(after.Date, cancel.Count, open.Count, _options.MaxCancellationShare);
        }

        return (cancel, open);
    }

    private Instant LeaseNow() => Instant.FromDateTimeOffset(_options.LeaseTime.GetUtcNow());

    private async Task<(IReadOnlyList<PlaybookTask>, IReadOnlyList<HandOffFailure>)> HandOffAsync(CancellationToken cancellationToken)
    {
        // Without handlers there is no one to hand a task to: tasks stay pending (the host reads them from the store),
        // and the first handler registered later receives them all.
        if (_handlers.Length == 0)
        {
            return ([], []);
        }

        var claimant = Guid.NewGuid().ToString("N");
        var handedOff = new List<PlaybookTask>();
        var failures = new List<HandOffFailure>();
        try
        {
            while (true)
            {
                // Failed tasks stay claimed by this evaluation until it ends, so the next batch does not return them.
                var claimed = await _store.ClaimHandOffsAsync(claimant, LeaseNow(), _options.HandOffLease, _options.HandOffBatchSize, cancellationToken).ConfigureAwait(false);
                var done = new List<string>(claimed.Count);
                try
                {
                    for (var i = 0; i < claimed.Count; i++)
                    {
                        var task = claimed[i];
                        try
                        {
                            foreach (var handler in _handlers)
                            {
                                await handler.HandleAsync(task, cancellationToken).ConfigureAwait(false);
                            }
                        }
                        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                        {
                            // Stopping: give back this task and every one not reached, so the next evaluation need not wait for the lease.
                            await _store.ReleaseHandOffsAsync([.. claimed.Skip(i).Select(t => t.Id)], claimant, CancellationToken.None).ConfigureAwait(false);
                            throw;
                        }
                        catch (Exception e)
                        {
                            // Not swallowed: the task goes back to pending when the hand-off ends, and the failure is
                            // reported. A handler's own time-out (an OperationCanceledException the caller did not ask
                            // for) is a failure like any other, not a stop.
                            failures.Add(new HandOffFailure(task, e));
                            Metrics.HandOffFailures.Add(1, new KeyValuePair<string, object?>(PlaybooksTelemetry.PlaybookTag, task.PlaybookId));
                            PlaybooksTelemetry.HandOffFailed(_logger, e, task.Id, task.PlaybookId, task.Account.Value);
                            continue;
                        }

                        done.Add(task.Id);
                        handedOff.Add(task);
                        Metrics.HandOffs.Add(1, new KeyValuePair<string, object?>(PlaybooksTelemetry.PlaybookTag, task.PlaybookId));
                    }
                }
                finally
                {
                    // Not cancellable: every handler has taken these tasks, and only this records it, once per claimed
                    // batch (one transaction, not a commit per task). A process killed before it hands the batch's
                    // tasks off again after the lease: at least once, as before, at most a batch more.
                    if (done.Count > 0)
                    {
                        await _store.CompleteHandOffsAsync(done, claimant, CancellationToken.None).ConfigureAwait(false);
                    }
                }

                if (claimed.Count < _options.HandOffBatchSize)
                {
                    break;
                }
            }
        }
        finally
        {
            if (failures.Count > 0)
            {
                await _store.ReleaseHandOffsAsync([.. failures.Select(f => f.Task.Id)], claimant, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return (handedOff, failures);
    }
}

/// <summary>
/// Open-task counts as the owner assigner sees them during one evaluation: the store's counts, read once when the first
/// run is found, plus the tasks this evaluation has assigned since (stored or not), so least-loaded assignment spreads
/// a batch instead of piling it on one person.
/// </summary>
internal sealed class AssignmentLoad(IReadOnlyDictionary<string, int> stored) : IOwnerLoad
{
    private readonly Dictionary<string, int> _assigned = new(StringComparer.Ordinal);

    public string Assigned(string owner)
    {
        _assigned[owner] = _assigned.GetValueOrDefault(owner) + 1;
        return owner;
    }

    // A run the store refused (a duplicate, a cooldown) gives its tasks back.
    public void Settle(PlaybookRun run, bool created)
    {
        if (!created)
        {
            foreach (var task in run.Tasks)
            {
                _assigned[task.Owner]--;
            }
        }
    }

    public int OpenTaskCount(string owner) => stored.GetValueOrDefault(owner) + _assigned.GetValueOrDefault(owner);
}

/// <summary>A run the store refused for a reason other than a duplicate.</summary>
/// <param name="PlaybookId">The playbook.</param>
/// <param name="Account">The account.</param>
/// <param name="OccurrenceKey">The occurrence.</param>
/// <param name="Reason">Cooling down, or capped.</param>
public sealed record SuppressedRun(string PlaybookId, AccountId Account, string OccurrenceKey, RunAdmission Reason);

/// <summary>A task whose hand-off failed; it stays pending and is retried by the next evaluation.</summary>
/// <param name="Task">The task.</param>
/// <param name="Error">What the handler threw.</param>
public sealed record HandOffFailure(PlaybookTask Task, Exception Error);

/// <summary>What one evaluation did.</summary>
/// <param name="Date">The date evaluated.</param>
/// <param name="Created">Runs created.</param>
/// <param name="Suppressed">Runs refused by a cooldown or a cap.</param>
/// <param name="Cancelled">Open runs cancelled because their reason went away.</param>
/// <param name="HandedOff">Tasks every handler accepted.</param>
/// <param name="Failures">Tasks a handler failed on; retried next time.</param>
public sealed record PlaybookEvaluation(LocalDate Date, IReadOnlyList<PlaybookRun> Created, IReadOnlyList<SuppressedRun> Suppressed, IReadOnlyList<PlaybookRun> Cancelled, IReadOnlyList<PlaybookTask> HandedOff, IReadOnlyList<HandOffFailure> Failures);
