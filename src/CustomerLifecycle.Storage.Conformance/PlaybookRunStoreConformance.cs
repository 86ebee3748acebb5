using CustomerLifecycle.Playbooks;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IPlaybookRunStore"/>, as cases any test framework can run: derive a class that creates
/// your store over fresh storage, and run every name in <see cref="CaseNames"/>. The in-memory, SQLite and PostgreSQL
/// stores pass it.
/// </summary>
/// <example>
/// With xunit:
/// <code>
/// public sealed class MyStoreConformance : PlaybookRunStoreConformance
/// {
///     protected override ValueTask&lt;IPlaybookRunStore&gt; CreateStoreAsync(CancellationToken cancellationToken) =&gt; new(new MyStore(NewDatabase()));
///
///     public static TheoryData&lt;string&gt; Cases =&gt; new(CaseNames);
///
///     [Theory, MemberData(nameof(Cases))]
///     public Task Conforms(string name) =&gt; RunAsync(name);
/// }
/// </code>
/// </example>
public abstract class PlaybookRunStoreConformance : StoreConformance<IPlaybookRunStore>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 12, 2, 9, 0);
    private static readonly LocalDate Day0 = new(2026, 12, 2);

    private static readonly (string Name, Func<PlaybookRunStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("creates_a_run_once_and_reads_it_back", (c, n, t) => c.CreatesARunOnceAsync(n, t)),
        ("decides_a_batch_in_order", (c, n, t) => c.DecidesABatchInOrderAsync(n, t)),
        ("caps_runs_in_a_rolling_period_and_counts_cancelled_runs", (c, n, t) => c.CapsAndCountsCancelledAsync(n, t)),
        ("refuses_a_bad_batch_whole", (c, n, t) => c.RefusesABadBatchWholeAsync(n, t)),
        ("cancels_only_open_runs", (c, n, t) => c.CancelsOnlyOpenRunsAsync(n, t)),
        ("claims_each_task_once", (c, n, t) => c.ClaimsEachTaskOnceAsync(n, t)),
        ("lets_a_lease_expire", (c, n, t) => c.LetsALeaseExpireAsync(n, t)),
        ("counts_open_tasks_per_owner", (c, n, t) => c.CountsOpenTasksAsync(n, t)),
        ("keeps_trigger_state", (c, n, t) => c.KeepsTriggerStateAsync(n, t)),
        ("honours_a_cancelled_token", (c, n, t) => c.HonoursCancellationAsync(n, t)),
        ("creates_once_under_concurrent_writers", (c, n, t) => c.CreatesOnceUnderConcurrencyAsync(n, t)),
        ("keeps_a_cooldown_under_concurrent_writers", (c, n, t) => c.KeepsCooldownUnderConcurrencyAsync(n, t)),
        ("hands_each_task_to_one_of_concurrent_claimants", (c, n, t) => c.ClaimsOnceUnderConcurrencyAsync(n, t)),
        ("keeps_the_newest_trigger_state", (c, n, t) => c.KeepsTheNewestTriggerStateAsync(n, t)),
        ("keeps_one_open_run_when_asked", (c, n, t) => c.KeepsOneOpenRunAsync(n, t)),
        ("keeps_one_open_run_under_concurrent_writers", (c, n, t) => c.KeepsOneOpenRunUnderConcurrencyAsync(n, t)),
        ("writes_overlapping_batches_in_any_order_at_once", (c, n, t) => c.WritesOverlappingBatchesAsync(n, t)),
        ("completes_a_claimed_batch_at_once", (c, n, t) => c.CompletesABatchAsync(n, t)),
        ("keeps_any_text_exactly_or_refuses_it", (c, n, t) => c.KeepsTextExactlyAsync(n, t)),
        ("reads_the_open_runs_and_trigger_states_of_the_accounts_asked_for_only", (c, n, t) => c.ReadsAccountsAskedForAsync(n, t)),
        ("lends_the_assignment_lock_to_one_holder_at_a_time", (c, n, t) => c.LendsTheAssignmentLockAsync(n, t)),
        ("keeps_an_experiments_arms_and_lists_a_playbooks_runs", (c, n, t) => c.KeepsArmsAndListsRunsAsync(n, t)),
    ];

    /// <summary>The names of the cases, for a test framework's data-driven test.</summary>
    public static IReadOnlyList<string> CaseNames { get; } = [.. Cases.Select(c => c.Name)];

    /// <summary>Runs one case against a store over fresh storage, and disposes the stores it opened.</summary>
    /// <param name="caseName">One of <see cref="CaseNames"/>.</param>
    /// <param name="cancellationToken">Cancels the case.</param>
    /// <returns>A task that completes when the case passed.</returns>
    /// <exception cref="ConformanceException">The store broke the contract.</exception>
    /// <exception cref="ArgumentException">No case has the name.</exception>
    public Task RunAsync(string caseName, CancellationToken cancellationToken = default) => RunCaseAsync(this, Cases, caseName, cancellationToken);

    private static PlaybookRun Run(string playbook, string account, LocalDate on, int tasks = 2, string? owner = null, string? key = null)
    {
        key ??= on.ToString("uuuu-MM-dd", null);
        var id = PlaybookRun.IdFor(playbook, new AccountId(account), key);
        return new PlaybookRun(id, playbook, new AccountId(account), key, on, T0 + Duration.FromTicks(123_4567), [.. Enumerable.Range(1, tasks).Select(i =>
            new PlaybookTask($"{id}#{i}", id, playbook, new AccountId(account), $"Step {i}: call — «{account}»", i == 1 ? "CSM" : "Exec", owner ?? (i == 1 ? "dana" : "vp"), (TaskChannel)(i % 3), (TaskPriority)(i % 3), on.PlusDays(i)))]);
    }

    private static RunRequest Request(PlaybookRun run, int? cooldownDays = null, EnrolmentCap? cap = null) =>
        new(run, cooldownDays is { } d ? Period.FromDays(d) : null, cap);

    private static void Expect(bool condition, string caseName, string message) => ConformanceCases.Expect(condition, caseName, message);

    private static void ExpectEqual<T>(IEnumerable<T> expected, IEnumerable<T> actual, string caseName, string what)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Expect(e.SequenceEqual(a), caseName, $"{what}: expected [{string.Join(", ", e)}], got [{string.Join(", ", a)}].");
    }

    private static void ExpectSameRun(PlaybookRun expected, PlaybookRun actual, string caseName)
    {
        Expect(expected.Id == actual.Id && expected.PlaybookId == actual.PlaybookId && expected.Account == actual.Account && expected.OccurrenceKey == actual.OccurrenceKey
            && expected.TriggeredOn == actual.TriggeredOn && expected.CreatedAt == actual.CreatedAt && expected.Arm == actual.Arm && expected.Stratum == actual.Stratum,
            caseName, $"the run read back differs from the run stored: expected {expected}, got {actual}.");
        ExpectEqual(expected.Tasks, actual.Tasks, caseName, $"the tasks of run {expected.Id}, in order");
    }

    private static async Task<int> ExpectThrowsAsync<TException>(Func<Task> action, string caseName, string what)
        where TException : Exception
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (TException)
        {
            return 1;
        }
        catch (Exception e)
        {
            throw new ConformanceException(caseName, $"{what}: expected {typeof(TException).Name}, got {e.GetType().Name}: {e.Message}");
        }

        throw new ConformanceException(caseName, $"{what}: expected {typeof(TException).Name}, and nothing was thrown.");
    }

    private async Task CreatesARunOnceAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);

        // Ids and text a host's data can hold: separators, escapes, non-ASCII.
        var run = Run("save|%7C", "acme|ünïcode 😀", Day0, tasks: 3, key: "ev%|1");
        ExpectEqual([RunAdmission.Created], await store.TryCreateAsync([Request(run)], ct).ConfigureAwait(false), name, "a new run");
        ExpectEqual([RunAdmission.Duplicate], await store.TryCreateAsync([Request(run)], ct).ConfigureAwait(false), name, "the same run again");
        var open = await store.OpenRunsAsync(ct).ConfigureAwait(false);
        Expect(open.Count == 1, name, $"expected one open run, got {open.Count}.");
        ExpectSameRun(run, open[0], name);
        Expect(open[0].Status == RunStatus.Open, name, $"a new run is open; got {open[0].Status}.");
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.Duplicate], await other.TryCreateAsync([Request(run)], ct).ConfigureAwait(false), name, "the same run through another instance");
    }

    private async Task DecidesABatchInOrderAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var first = Run("p", "a", Day0);
        var admissions = await store.TryCreateAsync(
        [
            Request(first, 7),
            Request(first, 7),
            Request(Run("p", "a", Day0.PlusDays(3)), 7),
            Request(Run("p", "a", Day0.PlusDays(7)), 7),
            Request(Run("p", "b", Day0.PlusDays(3)), 7),
            Request(Run("q", "a", Day0.PlusDays(3)), 7),
        ], ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.Created, RunAdmission.Duplicate, RunAdmission.CoolingDown, RunAdmission.Created, RunAdmission.Created, RunAdmission.Created], admissions, name,
            "a batch where each run sees the runs before it (a cooldown of 7 days ends on day 7; other accounts and playbooks are apart)");
        ExpectEqual([RunAdmission.CoolingDown], await store.TryCreateAsync([Request(Run("p", "a", Day0.PlusDays(10)), 7)], ct).ConfigureAwait(false), name, "a later batch sees the stored runs");
        ExpectEqual([RunAdmission.CoolingDown], await store.TryCreateAsync([Request(Run("p", "b", Day0), 7)], ct).ConfigureAwait(false), name, "a run dated 3 days before a stored one, inside its 7-day cooldown (the rule looks both ways)");
        Expect((await store.OpenRunsAsync(ct).ConfigureAwait(false)).Count == 4, name, "four runs were created.");
    }

    private async Task CapsAndCountsCancelledAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var cap = new EnrolmentCap(2, Period.FromDays(30));
        var admissions = new List<RunAdmission>();
        foreach (var day in new[] { 0, 5, 10, 30, 41 })
        {
            admissions.AddRange(await store.TryCreateAsync([Request(Run("p", "a", Day0.PlusDays(day)), cap: cap)], ct).ConfigureAwait(false));
        }

        ExpectEqual([RunAdmission.Created, RunAdmission.Created, RunAdmission.Capped, RunAdmission.Created, RunAdmission.Created], admissions, name, "two runs per 30 days on days 0, 5, 10, 30, 41");
        ExpectEqual([RunAdmission.Capped], await store.TryCreateAsync([Request(Run("p", "a", Day0.PlusDays(-20)), cap: cap)], ct).ConfigureAwait(false), name, "a run 20 days before the stored runs of days 0 and 5 (its 30 days would hold three)");

        var cancelled = Run("c", "a", Day0);
        await store.TryCreateAsync([Request(cancelled, 10)], ct).ConfigureAwait(false);
        await store.CancelAsync([cancelled.Id], T0, ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.CoolingDown], await store.TryCreateAsync([Request(Run("c", "a", Day0.PlusDays(5)), 10)], ct).ConfigureAwait(false), name, "a cancelled run still starts a cooldown");
        ExpectEqual([RunAdmission.Duplicate], await store.TryCreateAsync([Request(cancelled, 10)], ct).ConfigureAwait(false), name, "a cancelled run is not created again");
    }

    private async Task RefusesABadBatchWholeAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        await ExpectThrowsAsync<ArgumentException>(async () => await store.TryCreateAsync([Request(Run("p", "a", Day0)), new RunRequest(null!, null, null)], ct).ConfigureAwait(false), name, "a batch with a null run").ConfigureAwait(false);
        Expect((await store.OpenRunsAsync(ct).ConfigureAwait(false)).Count == 0, name, "a refused batch creates none of its runs.");
        await ExpectThrowsAsync<ArgumentException>(async () => await store.ClaimHandOffsAsync("c", T0, Duration.FromMinutes(1), 0, ct).ConfigureAwait(false), name, "a claim of zero tasks").ConfigureAwait(false);
    }

    private async Task KeepsArmsAndListsRunsAsync(string name, CancellationToken ct)
    {
        // An experiment's runs: one treated, one held out (recorded with no tasks), an alternative arm with text any host
        // may use; a run without an experiment; another playbook's run; one after the span read.
        var store = await NewAsync(ct).ConfigureAwait(false);
        var treated = Run("p", "a", Day0) with { Arm = "treated", Stratum = "SMB" };
        var heldOut = Run("p", "b", Day0, tasks: 0) with { Arm = "held out", Stratum = "Mid" };
        var variant = Run("p", "c", Day0.PlusDays(5)) with { Arm = "digital «ü» 😀", Stratum = "(no tier)" };
        var plain = Run("p", "d", Day0.PlusDays(30));
        var other = Run("q", "a", Day0) with { Arm = "treated" };
        var later = Run("p", "e", Day0.PlusDays(31)) with { Arm = "held out" };
        ExpectEqual(Enumerable.Repeat(RunAdmission.Created, 6), await store.TryCreateAsync([Request(treated), Request(heldOut), Request(variant), Request(plain), Request(other), Request(later)], ct).ConfigureAwait(false), name, "six new runs");
        ExpectEqual([treated.Id], await store.CancelAsync([treated.Id], T0, ct).ConfigureAwait(false), name, "cancelling the treated run");

        var reader = await AnotherAsync(store, ct).ConfigureAwait(false);
        var runs = await reader.RunsAsync("p", Day0, Day0.PlusDays(30), ct).ConfigureAwait(false);
        ExpectEqual(new[] { treated, heldOut, variant, plain }.Select(r => r.Id).Order(StringComparer.Ordinal), runs.Select(r => r.Id), name, "playbook p's runs from day 0 through day 30, open or cancelled, by id");
        foreach (var run in runs)
        {
            ExpectSameRun(new[] { treated, heldOut, variant, plain }.Single(r => r.Id == run.Id), run, name);
        }

        ExpectEqual([RunStatus.Cancelled, RunStatus.Open], runs.Where(r => r.Id == treated.Id || r.Id == heldOut.Id).OrderBy(r => r.Id == heldOut.Id).Select(r => r.Status), name, "the statuses of the treated (cancelled) and held-out runs");
        var open = await reader.OpenRunsAsync(ct).ConfigureAwait(false);
        Expect(open.Any(r => r.Id == heldOut.Id && r.Arm == "held out" && r.Stratum == "Mid" && r.Tasks.Count == 0), name, "the held-out run is open, with its arm and stratum and no tasks.");
        var claimed = await store.ClaimHandOffsAsync("c", T0, Duration.FromMinutes(5), 100, ct).ConfigureAwait(false);
        Expect(claimed.All(t => t.RunId != heldOut.Id), name, "a held-out run has no task to hand off.");
    }

    private async Task CancelsOnlyOpenRunsAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var (r1, r2) = (Run("p", "a", Day0), Run("p", "b", Day0));
        await store.TryCreateAsync([Request(r1), Request(r2)], ct).ConfigureAwait(false);
        ExpectEqual([r1.Id], await store.CancelAsync([r1.Id, "no such run", r1.Id], T0, ct).ConfigureAwait(false), name, "cancelling an open run, an unknown one and the first again");
        ExpectEqual([], await store.CancelAsync([r1.Id], T0, ct).ConfigureAwait(false), name, "cancelling a cancelled run");
        ExpectEqual([r2.Id], (await store.OpenRunsAsync(ct).ConfigureAwait(false)).Select(r => r.Id), name, "the open runs");
        var claimed = await store.ClaimHandOffsAsync("c", T0, Duration.FromMinutes(5), 100, ct).ConfigureAwait(false);
        ExpectEqual(r2.Tasks.Select(t => t.Id).Order(StringComparer.Ordinal), claimed.Select(t => t.Id).Order(StringComparer.Ordinal), name, "the claimable tasks (none of a cancelled run)");
    }

    private async Task ClaimsEachTaskOnceAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var runs = new[] { Run("p", "a", Day0), Run("p", "b", Day0), Run("p", "c", Day0) };
        await store.TryCreateAsync([.. runs.Select(r => Request(r))], ct).ConfigureAwait(false);
        var lease = Duration.FromMinutes(5);
        var first = await store.ClaimHandOffsAsync("one", T0, lease, 4, ct).ConfigureAwait(false);
        var second = await store.ClaimHandOffsAsync("two", T0, lease, 10, ct).ConfigureAwait(false);
        Expect(first.Count == 4 && second.Count == 2, name, $"six tasks claimed four then ten at a time: got {first.Count} and {second.Count}.");
        Expect(!first.Select(t => t.Id).Intersect(second.Select(t => t.Id)).Any(), name, "two claimants got the same task.");
        ExpectEqual(runs.SelectMany(r => r.Tasks).OrderBy(t => t.Id, StringComparer.Ordinal), first.Concat(second).OrderBy(t => t.Id, StringComparer.Ordinal), name, "the claimed tasks, read back whole");
        Expect((await store.ClaimHandOffsAsync("three", T0, lease, 10, ct).ConfigureAwait(false)).Count == 0, name, "a claim while every task is leased returns none.");
        Expect(!await store.CompleteHandOffAsync(first[0].Id, "two", ct).ConfigureAwait(false), name, "a claimant completed a task it does not hold.");
        Expect(await store.CompleteHandOffAsync(first[0].Id, "one", ct).ConfigureAwait(false), name, "the holder could not complete its task.");
        Expect(!await store.CompleteHandOffAsync(first[0].Id, "one", ct).ConfigureAwait(false), name, "a task was completed twice.");
        await store.ReleaseHandOffsAsync([.. second.Select(t => t.Id), first[1].Id], "two", ct).ConfigureAwait(false);
        var again = await store.ClaimHandOffsAsync("three", T0, lease, 10, ct).ConfigureAwait(false);
        ExpectEqual(second.Select(t => t.Id).Order(StringComparer.Ordinal), again.Select(t => t.Id).Order(StringComparer.Ordinal), name, "after a release, the released tasks (and only they: another claimant's stay held)");
    }

    private async Task LetsALeaseExpireAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        await store.TryCreateAsync([Request(Run("p", "a", Day0, tasks: 1))], ct).ConfigureAwait(false);
        var lease = Duration.FromMinutes(5);
        Expect((await store.ClaimHandOffsAsync("dead", T0, lease, 10, ct).ConfigureAwait(false)).Count == 1, name, "the task was not claimable.");
        Expect((await store.ClaimHandOffsAsync("next", T0 + Duration.FromMinutes(4), lease, 10, ct).ConfigureAwait(false)).Count == 0, name, "a task was claimed again before its lease expired.");
        var taken = await store.ClaimHandOffsAsync("next", T0 + lease, lease, 10, ct).ConfigureAwait(false);
        Expect(taken.Count == 1, name, "a task was not claimable when its lease expired.");
        Expect(!await store.CompleteHandOffAsync(taken[0].Id, "dead", ct).ConfigureAwait(false), name, "a claimant whose lease was taken over completed the task.");
        Expect(await store.CompleteHandOffAsync(taken[0].Id, "next", ct).ConfigureAwait(false), name, "the new holder could not complete the task.");
        Expect((await store.ClaimHandOffsAsync("later", T0 + Duration.FromHours(1), lease, 10, ct).ConfigureAwait(false)).Count == 0, name, "a task handed off was claimed again.");
    }

    private async Task CountsOpenTasksAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var (r1, r2, r3) = (Run("p", "a", Day0, 2, owner: "dana"), Run("p", "b", Day0, 1, owner: "dana"), Run("p", "c", Day0, 3, owner: "lee"));
        await store.TryCreateAsync([Request(r1), Request(r2), Request(r3)], ct).ConfigureAwait(false);
        var claimed = await store.ClaimHandOffsAsync("c", T0, Duration.FromMinutes(5), 100, ct).ConfigureAwait(false);
        await store.CompleteHandOffAsync(claimed[0].Id, "c", ct).ConfigureAwait(false);
        await store.CancelAsync([r3.Id], T0, ct).ConfigureAwait(false);
        var counts = await store.OpenTaskCountsAsync(ct).ConfigureAwait(false);
        Expect(counts.GetValueOrDefault("dana") == 3 && counts.GetValueOrDefault("lee") == 0, name,
            $"open tasks per owner (tasks of open runs, handed off or not; none of a cancelled run): expected dana 3, lee 0; got dana {counts.GetValueOrDefault("dana")}, lee {counts.GetValueOrDefault("lee")}.");
    }

    private async Task KeepsTriggerStateAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var (a, b) = (new TriggerStateKey("save", new AccountId("a|1")), new TriggerStateKey("save", new AccountId("b")));
        Expect((await store.TriggerStatesAsync(ct).ConfigureAwait(false)).Count == 0, name, "a new store has trigger states.");
        await store.SetTriggerStatesAsync([new(a, new(true, Day0)), new(b, new(true, Day0))], ct).ConfigureAwait(false);
        await store.SetTriggerStatesAsync([new(a, new(false, Day0.PlusDays(3)))], ct).ConfigureAwait(false);
        await ExpectThrowsAsync<ArgumentException>(async () => await store.SetTriggerStatesAsync([new(b, new(false, Day0.PlusDays(4))), new(b, new(true, Day0.PlusDays(4)))], ct).ConfigureAwait(false), name, "a key twice in one call").ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var states = await other.TriggerStatesAsync(ct).ConfigureAwait(false);
        Expect(states.Count == 2 && states.GetValueOrDefault(a) == new TriggerState(false, Day0.PlusDays(3)) && states.GetValueOrDefault(b) == new TriggerState(true, Day0), name,
            $"expected a ended on day 3 and b holding since day 0 (the refused call wrote nothing); got {string.Join(", ", states.Select(s => $"{s.Key}={s.Value}"))}.");
    }

    private async Task ReadsAccountsAskedForAsync(string name, CancellationToken ct)
    {
        // A shard's accounts, as the engine asks for a partial snapshot: their open runs with every task (not the
        // cancelled ones, not other accounts'), and their trigger states of every playbook.
        var store = await NewAsync(ct).ConfigureAwait(false);
        var accounts = Enumerable.Range(0, 120).Select(i => $"acct \"{i}\" é").ToArray();
        var runs = accounts.SelectMany((a, i) => new[] { Run("save", a, Day0, tasks: 1 + (i % 3)), Run("welcome|x", a, Day0.PlusDays(1)) }).ToArray();
        await store.TryCreateAsync([.. runs.Select(r => Request(r))], ct).ConfigureAwait(false);
        var cancelled = runs.Where((r, i) => i % 5 == 0).Select(r => r.Id).ToArray();
        await store.CancelAsync(cancelled, T0, ct).ConfigureAwait(false);
        await store.SetTriggerStatesAsync([.. accounts.SelectMany((a, i) => new[] { new TriggerStateChange(new("save", new AccountId(a)), new(i % 2 == 0, Day0)), new TriggerStateChange(new("seg", new AccountId(a)), new(true, Day0)) })], ct).ConfigureAwait(false);

        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var asked = accounts.Where((a, i) => i % 3 == 0).Select(a => new AccountId(a)).Append(new AccountId("nobody")).ToArray();
        var open = await other.OpenRunsAsync(asked, ct).ConfigureAwait(false);
        var expected = runs.Where(r => asked.Contains(r.Account) && !cancelled.Contains(r.Id)).OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
        ExpectEqual(expected.Select(r => r.Id), open.Select(r => r.Id).Order(StringComparer.Ordinal), name, "the open runs of the accounts asked for");
        foreach (var (want, got) in expected.Zip(open.OrderBy(r => r.Id, StringComparer.Ordinal)))
        {
            ExpectSameRun(want, got, name);
        }

        var states = await other.TriggerStatesAsync(asked, ct).ConfigureAwait(false);
        Expect(states.Count == 80 && states.All(s => asked.Contains(s.Key.Account)) && states[new("save", asked[1])] == new TriggerState(false, Day0), name,
            $"the trigger states of 40 accounts asked for, two playbooks each: got {states.Count}.");
    }

    private async Task KeepsTheNewestTriggerStateAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var a = new TriggerStateKey("save", new AccountId("a"));
        await store.SetTriggerStatesAsync([new(a, new(true, Day0.PlusDays(5)))], ct).ConfigureAwait(false);

        // An evaluation of an older date that finishes late does not rewrite what a newer one recorded.
        await store.SetTriggerStatesAsync([new(a, new(false, Day0.PlusDays(3)))], ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var state = (await other.TriggerStatesAsync(ct).ConfigureAwait(false)).GetValueOrDefault(a);
        Expect(state == new TriggerState(true, Day0.PlusDays(5)), name, $"a change dated day 3 replaced the state recorded on day 5: got {state}.");

        // The same date (a rerun) and a later one replace it.
        await store.SetTriggerStatesAsync([new(a, new(false, Day0.PlusDays(5)))], ct).ConfigureAwait(false);
        state = (await other.TriggerStatesAsync(ct).ConfigureAwait(false)).GetValueOrDefault(a);
        Expect(state == new TriggerState(false, Day0.PlusDays(5)), name, $"a change of the recorded date did not replace it: got {state}.");
        await store.SetTriggerStatesAsync([new(a, new(true, Day0.PlusDays(7)))], ct).ConfigureAwait(false);
        state = (await other.TriggerStatesAsync(ct).ConfigureAwait(false)).GetValueOrDefault(a);
        Expect(state == new TriggerState(true, Day0.PlusDays(7)), name, $"a later change did not replace it: got {state}.");
    }

    private async Task KeepsOneOpenRunAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        static RunRequest Single(PlaybookRun run) => new(run, null, null) { SingleOpen = true };
        var first = Run("p", "a", Day0);
        var admissions = await store.TryCreateAsync([Single(first), Single(Run("p", "a", Day0.PlusDays(1))), Single(Run("q", "a", Day0.PlusDays(1))), Single(Run("p", "b", Day0.PlusDays(1)))], ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.Created, RunAdmission.AlreadyOpen, RunAdmission.Created, RunAdmission.Created], admissions, name, "one batch: a second open run of p for a, then other playbooks and accounts");
        var later = await store.TryCreateAsync([Single(Run("p", "a", Day0.PlusDays(2))), Request(Run("p", "a", Day0.PlusDays(3))), Single(first)], ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.AlreadyOpen, RunAdmission.Created, RunAdmission.Duplicate], later, name, "a later batch: single-open refused while one is open, an ordinary request created, the first run's id a duplicate");
        await store.CancelAsync([first.Id, Run("p", "a", Day0.PlusDays(3)).Id], T0, ct).ConfigureAwait(false);
        var reopened = await store.TryCreateAsync([Single(Run("p", "a", Day0.PlusDays(4)))], ct).ConfigureAwait(false);
        ExpectEqual([RunAdmission.Created], reopened, name, "once the open runs are cancelled, a single-open run starts");
        var open = (await store.OpenRunsAsync(ct).ConfigureAwait(false)).Where(r => r.PlaybookId == "p" && r.Account == new AccountId("a")).Select(r => r.TriggeredOn).ToArray();
        ExpectEqual([Day0.PlusDays(4)], open, name, "the open runs of p for a");
    }

    private async Task KeepsOneOpenRunUnderConcurrencyAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);

        // Ten evaluations of ten dates at once each see the onset of one state: different ids, no cooldown, so only
        // the single-open rule decided with the insert keeps it to one run.
        var writers = Enumerable.Range(0, 10).Select(d => Task.Run(async () =>
            (await (d % 2 == 0 ? store : other).TryCreateAsync([new RunRequest(Run("p", "a", Day0.PlusDays(d)), null, null) { SingleOpen = true }], ct).ConfigureAwait(false))[0], ct)).ToArray();
        var admissions = await Task.WhenAll(writers).ConfigureAwait(false);
        Expect(admissions.Count(a => a == RunAdmission.Created) == 1 && admissions.Count(a => a == RunAdmission.AlreadyOpen) == 9, name,
            $"ten concurrent single-open runs of one playbook and account: expected one created and nine already open, got {string.Join(", ", admissions)}.");
        Expect((await store.OpenRunsAsync(ct).ConfigureAwait(false)).Count == 1, name, "more than one run is open.");
    }

    private async Task WritesOverlappingBatchesAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);

        // Four writers, each with every run and every trigger state in its own order, in batches of 50, without a
        // cooldown or cap (no lock but the rows' own): nothing may fail, and each run is created once.
        var runs = Enumerable.Range(0, 400).Select(i => Run($"p{i % 3}", $"a{i}", Day0, tasks: 1)).ToArray();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var s = w % 2 == 0 ? store : other;
            var random = new Random(w);
            var order = runs.OrderBy(_ => random.Next()).ToArray();
            var created = new List<string>();
            foreach (var batch in order.Chunk(50))
            {
                var admissions = await s.TryCreateAsync([.. batch.Select(r => new RunRequest(r, null, null) { SingleOpen = w % 2 == 0 })], ct).ConfigureAwait(false);
                created.AddRange(batch.Where((_, i) => admissions[i] == RunAdmission.Created).Select(r => r.Id));
                await s.SetTriggerStatesAsync([.. batch.Select(r => new TriggerStateChange(new(r.PlaybookId, r.Account), new(true, Day0.PlusDays(w))))], ct).ConfigureAwait(false);
            }

            return created;
        }, ct)).ToArray();
        var all = (await Task.WhenAll(writers).ConfigureAwait(false)).SelectMany(c => c).ToList();
        Expect(all.Count == runs.Length && all.Distinct().Count() == runs.Length, name, $"four concurrent writers of the same 400 runs created {all.Count} ({all.Distinct().Count()} distinct); each run must be created exactly once.");
        var states = await store.TriggerStatesAsync(ct).ConfigureAwait(false);
        Expect(states.Count == runs.Length && states.Values.All(v => v == new TriggerState(true, Day0.PlusDays(3))), name, "every trigger state must end with the newest writer's date (day 3).");
    }

    private async Task CompletesABatchAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        await store.TryCreateAsync([Request(Run("p", "a", Day0, tasks: 3)), Request(Run("p", "b", Day0, tasks: 3))], ct).ConfigureAwait(false);
        var mine = await store.ClaimHandOffsAsync("one", T0, Duration.FromMinutes(5), 4, ct).ConfigureAwait(false);
        var theirs = await store.ClaimHandOffsAsync("two", T0, Duration.FromMinutes(5), 2, ct).ConfigureAwait(false);
        var completed = await store.CompleteHandOffsAsync([mine[0].Id, mine[1].Id, mine[2].Id, theirs[0].Id, "no-such-task", mine[0].Id], "one", ct).ConfigureAwait(false);
        ExpectEqual(mine.Take(3).Select(t => t.Id).Order(StringComparer.Ordinal), completed.Order(StringComparer.Ordinal), name, "a batch completes the claimant's own tasks, once each, and nothing else");
        Expect((await store.CompleteHandOffsAsync([mine[0].Id], "one", ct).ConfigureAwait(false)).Count == 0, name, "a task was completed twice.");
        Expect(await store.CompleteHandOffAsync(theirs[0].Id, "two", ct).ConfigureAwait(false), name, "another claimant's task was completed by the batch.");

        // After the leases: only the tasks never completed come back.
        var again = await store.ClaimHandOffsAsync("three", T0 + Duration.FromMinutes(6), Duration.FromMinutes(5), 10, ct).ConfigureAwait(false);
        ExpectEqual(new[] { mine[3].Id, theirs[1].Id }.Order(StringComparer.Ordinal), again.Select(t => t.Id).Order(StringComparer.Ordinal), name, "the tasks claimable again after the leases");
    }

    private async Task KeepsTextExactlyAsync(string name, CancellationToken ct)
    {
        // Arbitrary text as account ids, owners and titles (seeded: the same 300 cases for every store): each is refused
        // where it enters (the AccountId constructor, or the request's check, naming the field) or read back exactly,
        // ordinal, from another instance of the store. A UTF-8 store would change a lone surrogate into U+FFFD, and
        // PostgreSQL's text cannot hold NUL; nothing may be normalised (é as one character or as e and an accent).
        string[] pool = ["a", "Z", "0", " ", "é", "e\u0301", "\u00A0", "|", "%", "'", "\"", "\\", "\0", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D\uDE00", "\u200F", "\uFFFD", "\uFEFF", "ß", "İ", "\t", "\n", "中"];
        var random = new Random(30);
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var kept = new List<PlaybookRun>();
        for (var i = 0; i < 300; i++)
        {
            string Text() => "x" + string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => pool[random.Next(pool.Length)])) + "x";
            var (account, owner, title) = (Text(), Text(), Text());
            var accountOk = StoredText.IndexOfProblem(account) < 0;
            AccountId id;
            try
            {
                id = new AccountId(account);
                Expect(accountOk, name, $"AccountId took text a store cannot keep exactly: {Escape(account)}.");
            }
            catch (ArgumentException)
            {
                Expect(!accountOk, name, $"AccountId refused text a store can keep: {Escape(account)}.");
                continue;
            }

            var run = Run($"text{i}", "placeholder", Day0, tasks: 1) with { Account = id };
            run = run with { Tasks = [run.Tasks[0] with { Account = id, Owner = owner, Title = title }] };
            var textOk = StoredText.IndexOfProblem(owner) < 0 && StoredText.IndexOfProblem(title) < 0;
            try
            {
                var admission = (await store.TryCreateAsync([Request(run)], ct).ConfigureAwait(false))[0];
                Expect(textOk && admission == RunAdmission.Created, name, $"a run with owner {Escape(owner)} and title {Escape(title)} was {admission}; it should have been refused.");
                kept.Add(run);
            }
            catch (ArgumentException e)
            {
                Expect(!textOk && e.Message.Contains("Nothing was created", StringComparison.Ordinal), name, $"a run with owner {Escape(owner)} and title {Escape(title)} was refused: {e.Message}");
            }
        }

        var read = (await other.OpenRunsAsync(ct).ConfigureAwait(false)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        Expect(read.Count == kept.Count, name, $"{kept.Count} runs were created and {read.Count} read back.");
        foreach (var run in kept)
        {
            var back = read[run.Id];
            var (task, backTask) = (run.Tasks[0], back.Tasks[0]);
            Expect(back.Account.Value == run.Account.Value && backTask.Account.Value == task.Account.Value && backTask.Owner == task.Owner && backTask.Title == task.Title, name,
                $"text came back changed: account {Escape(run.Account.Value)} → {Escape(back.Account.Value)}, owner {Escape(task.Owner)} → {Escape(backTask.Owner)}, title {Escape(task.Title)} → {Escape(backTask.Title)}.");
        }

        static string Escape(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
    }

    private async Task HonoursCancellationAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync().ConfigureAwait(false);
        await ExpectThrowsAsync<OperationCanceledException>(async () => await store.TryCreateAsync([Request(Run("p", "a", Day0))], cancelled.Token).ConfigureAwait(false), name, "creating with a cancelled token").ConfigureAwait(false);
        await ExpectThrowsAsync<OperationCanceledException>(async () => await store.SetTriggerStatesAsync([new(new("p", new AccountId("a")), new(true, Day0))], cancelled.Token).ConfigureAwait(false), name, "recording trigger state with a cancelled token").ConfigureAwait(false);
        Expect((await store.OpenRunsAsync(ct).ConfigureAwait(false)).Count == 0 && (await store.TriggerStatesAsync(ct).ConfigureAwait(false)).Count == 0, name, "a cancelled call wrote something.");
    }

    private async Task CreatesOnceUnderConcurrencyAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var runs = Enumerable.Range(0, 60).Select(i => Run("p", $"a{i}", Day0, tasks: 2)).ToArray();
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            // Each writer sends every run, in its own order, in batches of 7.
            var order = runs.OrderBy(r => (r.Id.GetHashCode(StringComparison.Ordinal) * (w + 1)) ^ w).ToArray();
            var created = new List<string>();
            foreach (var batch in order.Chunk(7))
            {
                var admissions = await (w % 2 == 0 ? store : other).TryCreateAsync([.. batch.Select(r => Request(r, 30))], ct).ConfigureAwait(false);
                created.AddRange(batch.Where((_, i) => admissions[i] == RunAdmission.Created).Select(r => r.Id));
            }

            return created;
        }, ct)).ToArray();
        var all = (await Task.WhenAll(writers).ConfigureAwait(false)).SelectMany(c => c).ToList();
        Expect(all.Count == runs.Length && all.Distinct().Count() == runs.Length, name, $"six concurrent writers of the same 60 runs created {all.Count} ({all.Distinct().Count()} distinct); each run must be created exactly once.");
        Expect((await store.OpenRunsAsync(ct).ConfigureAwait(false)).Sum(r => r.Tasks.Count) == 120, name, "the 60 runs' 120 tasks are stored once each.");
    }

    private async Task KeepsCooldownUnderConcurrencyAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);

        // Ten runs of one playbook for one account, on ten dates inside one 30-day cooldown, from concurrent writers:
        // different ids, so only a cooldown decided atomically with the insert keeps it to one.
        var writers = Enumerable.Range(0, 10).Select(d => Task.Run(async () =>
            (await (d % 2 == 0 ? store : other).TryCreateAsync([Request(Run("p", "a", Day0.PlusDays(d)), 30)], ct).ConfigureAwait(false))[0], ct)).ToArray();
        var admissions = await Task.WhenAll(writers).ConfigureAwait(false);
        Expect(admissions.Count(a => a == RunAdmission.Created) == 1 && admissions.Count(a => a == RunAdmission.CoolingDown) == 9, name,
            $"ten concurrent runs inside one cooldown: expected one created and nine cooling down, got {string.Join(", ", admissions)}.");
    }

    private async Task ClaimsOnceUnderConcurrencyAsync(string name, CancellationToken ct)
    {
        var store = await NewAsync(ct).ConfigureAwait(false);
        var other = await AnotherAsync(store, ct).ConfigureAwait(false);
        var runs = Enumerable.Range(0, 50).Select(i => Run("p", $"a{i}", Day0, tasks: 2)).ToArray();
        await store.TryCreateAsync([.. runs.Select(r => Request(r))], ct).ConfigureAwait(false);
        var claimants = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            var s = c % 2 == 0 ? store : other;
            var done = new List<string>();
            while (true)
            {
                var claimed = await s.ClaimHandOffsAsync($"claimant{c}", T0, Duration.FromMinutes(5), 7, ct).ConfigureAwait(false);
                if (claimed.Count == 0)
                {
                    return done;
                }

                foreach (var task in claimed)
                {
                    if (await s.CompleteHandOffAsync(task.Id, $"claimant{c}", ct).ConfigureAwait(false))
                    {
                        done.Add(task.Id);
                    }
                }
            }
        }, ct)).ToArray();
        var all = (await Task.WhenAll(claimants).ConfigureAwait(false)).SelectMany(d => d).ToList();
        Expect(all.Count == 100 && all.Distinct().Count() == 100, name, $"four concurrent claimants of 100 tasks handed off {all.Count} ({all.Distinct().Count()} distinct); each task must be handed off exactly once.");
    }

    private async Task LendsTheAssignmentLockAsync(string name, CancellationToken ct)
    {
        // Two stores on one database (two connections, as two processes would have): while one holds the lock the other
        // waits; a wait that is cancelled takes nothing; once released, the waiter gets it.
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var first = await store.LockAssignmentAsync(ct).ConfigureAwait(false);
        var second = other.LockAssignmentAsync(ct).AsTask();
        await Task.WhenAny(second, Task.Delay(300, ct)).ConfigureAwait(false);
        Expect(!second.IsCompleted, name, "a second caller got the assignment lock while the first held it.");
        using (var soon = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            soon.CancelAfter(100);
            var cancelled = false;
            try
            {
                await (await store.LockAssignmentAsync(soon.Token).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }

            Expect(cancelled, name, "a third caller, whose wait was cancelled, got the lock while the first held it.");
        }

        await first.DisposeAsync().ConfigureAwait(false);
        await first.DisposeAsync().ConfigureAwait(false); // twice is once
        var got = await second.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        var third = store.LockAssignmentAsync(ct).AsTask();
        await Task.WhenAny(third, Task.Delay(200, ct)).ConfigureAwait(false);
        Expect(!third.IsCompleted, name, "the lock was held twice after the first holder released it (twice).");
        await got.DisposeAsync().ConfigureAwait(false);
        await (await third.WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
    }
}
