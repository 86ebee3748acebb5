using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IPipelineRunStore"/>, the daily pipeline's ledger, as cases any test framework can run:
/// derive a class that creates your ledger over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class PipelineRunStoreConformance : StoreConformance<IPipelineRunStore>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 12, 2, 6, 0);
    private static readonly LocalDate Day = new(2026, 12, 2);
    private static readonly Duration Lease = Duration.FromMinutes(10);

    private static readonly (string Name, Func<PipelineRunStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("claims_a_date_once_among_racers", (c, n, t) => c.ClaimsOnceAsync(n, t)),
        ("keeps_completed_steps_across_a_failure_and_resumes", (c, n, t) => c.ResumesAsync(n, t)),
        ("never_claims_a_succeeded_run_again", (c, n, t) => c.SucceededIsFinalAsync(n, t)),
        ("lets_another_owner_take_over_an_expired_lease", (c, n, t) => c.TakesOverExpiredAsync(n, t)),
        ("lists_recent_runs_newest_first", (c, n, t) => c.ListsRecentAsync(n, t)),
        ("reruns_a_succeeded_run_keeping_its_steps_in_place", (c, n, t) => c.RerunsAsync(n, t)),
    ];

    /// <summary>The names of the cases, for a test framework's data-driven test.</summary>
    public static IReadOnlyList<string> CaseNames { get; } = [.. Cases.Select(c => c.Name)];

    /// <summary>Runs one case against a ledger over fresh storage, and disposes the ledgers it opened.</summary>
    /// <param name="caseName">One of <see cref="CaseNames"/>.</param>
    /// <param name="cancellationToken">Cancels the case.</param>
    /// <returns>A task that completes when the case passed.</returns>
    /// <exception cref="ConformanceException">The ledger broke the contract.</exception>
    /// <exception cref="ArgumentException">No case has the name.</exception>
    public Task RunAsync(string caseName, CancellationToken cancellationToken = default) => RunCaseAsync(this, Cases, caseName, cancellationToken);

    private static PipelineStepRecord Step(string name, long count = 1) => new(name, T0, Duration.FromSeconds(2), 1, new Dictionary<string, long> { ["accounts"] = count });

    private static void Expect(bool condition, string caseName, string message) => ConformanceCases.Expect(condition, caseName, message);

    private async Task ClaimsOnceAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? store : other).TryClaimAsync("daily", Day, $"instance{i}", T0, Lease, cancellationToken: ct).ConfigureAwait(false), ct))).ConfigureAwait(false);
        var won = claims.Where(c => c is not null).ToArray();
        Expect(won.Length == 1, name, $"eight instances racing for one date: {won.Length} claimed it; exactly one must.");
        Expect(won[0]!.Claims == 1 && won[0]!.Status == PipelineRunStatus.Running && won[0]!.LeaseUntil == T0 + Lease && won[0]!.Steps.Count == 0, name, $"a new claim: expected running, claim 1, leased until now + lease, no steps; got {won[0]}.");
        var again = await store.TryClaimAsync("daily", Day, won[0]!.Owner, T0 + Duration.FromMinutes(1), Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(again is { Claims: 1 } && again.LeaseUntil == T0 + Duration.FromMinutes(11), name, "the holder's own claim renews its lease and is not a new claim.");
        Expect(await store.TryClaimAsync("other", Day, "late", T0, Lease, cancellationToken: ct).ConfigureAwait(false) is not null, name, "another pipeline's run of the same date is its own.");
    }

    private async Task ResumesAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.TryClaimAsync("daily", Day, "a", T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(await store.CompleteStepAsync("daily", Day, "a", Step("accounts", 3000), T0, Lease, cancellationToken: ct).ConfigureAwait(false), name, "the holder could not record a step.");
        Expect(!await other.CompleteStepAsync("daily", Day, "b", Step("health"), T0, Lease, cancellationToken: ct).ConfigureAwait(false), name, "an instance that does not hold the run recorded a step.");
        Expect(await store.CompleteStepAsync("daily", Day, "a", Step("health", 2900), T0, Lease, cancellationToken: ct).ConfigureAwait(false), name, "the holder could not record a second step.");
        Expect(await store.FinishAsync("daily", Day, "a", PipelineRunStatus.Failed, "segments: the catalog is empty", T0 + Duration.FromMinutes(1), ct).ConfigureAwait(false), name, "the holder could not end its run as failed.");
        var resumed = await other.TryClaimAsync("daily", Day, "b", T0 + Duration.FromMinutes(2), Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(resumed is not null, name, "a failed run could not be claimed again.");
        Expect(resumed!.Claims == 2 && resumed.Error == "segments: the catalog is empty" && string.Join(",", resumed.Steps.Select(s => s.Step)) == "accounts,health", name,
            $"the resumed run keeps its completed steps in order, its error and counts its claims: got claims {resumed.Claims}, error '{resumed.Error}', steps {string.Join(",", resumed.Steps.Select(s => s.Step))}.");
        Expect(resumed.Steps[0].Counts.GetValueOrDefault("accounts") == 3000 && resumed.Steps[0].Took == Duration.FromSeconds(2) && resumed.Steps[0].StartedAt == T0, name, "a step read back differs from the step recorded.");
        Expect(!await store.FinishAsync("daily", Day, "a", PipelineRunStatus.Succeeded, null, T0 + Duration.FromMinutes(3), ct).ConfigureAwait(false), name, "a former holder ended a run another instance now holds.");
    }

    private async Task SucceededIsFinalAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.TryClaimAsync("daily", Day, "a", T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(await store.FinishAsync("daily", Day, "a", PipelineRunStatus.Succeeded, null, T0, ct).ConfigureAwait(false), name, "the holder could not end its run as succeeded.");
        Expect(await other.TryClaimAsync("daily", Day, "b", T0 + Duration.FromDays(1), Lease, cancellationToken: ct).ConfigureAwait(false) is null, name, "a succeeded run was claimed again.");
        Expect(await store.TryClaimAsync("daily", Day, "a", T0 + Duration.FromDays(1), Lease, cancellationToken: ct).ConfigureAwait(false) is null, name, "a succeeded run was claimed again by its own holder.");
    }

    private async Task TakesOverExpiredAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.TryClaimAsync("daily", Day, "dead", T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(await other.TryClaimAsync("daily", Day, "next", T0 + Lease - Duration.FromSeconds(1), Lease, cancellationToken: ct).ConfigureAwait(false) is null, name, "a run was taken over before its lease expired.");
        var taken = await other.TryClaimAsync("daily", Day, "next", T0 + Lease, Lease, cancellationToken: ct).ConfigureAwait(false);
        Expect(taken is { Owner: "next", Claims: 2 }, name, $"a run whose lease expired was not taken over: {taken}.");
        Expect(!await store.CompleteStepAsync("daily", Day, "dead", Step("accounts"), T0 + Lease, Lease, cancellationToken: ct).ConfigureAwait(false), name, "the former holder recorded a step after the take-over.");
        Expect(await store.FinishAsync("daily", Day, "next", PipelineRunStatus.Stopped, null, T0 + Lease, ct).ConfigureAwait(false), name, "the holder could not stop its run.");
        Expect(await store.TryClaimAsync("daily", Day, "third", T0 + Lease, Lease, cancellationToken: ct).ConfigureAwait(false) is not null, name, "a stopped run could not be claimed at once.");
    }

    private async Task ListsRecentAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var d in new[] { 0, 2, 1 })
        {
            await store.TryClaimAsync("daily", Day.PlusDays(d), "a", T0, Lease, cancellationToken: ct).ConfigureAwait(false);
            await store.CompleteStepAsync("daily", Day.PlusDays(d), "a", Step("accounts", d), T0, Lease, cancellationToken: ct).ConfigureAwait(false);
            await store.FinishAsync("daily", Day.PlusDays(d), "a", PipelineRunStatus.Succeeded, null, T0, ct).ConfigureAwait(false);
        }

        var recent = await store.RecentRunsAsync("daily", 2, ct).ConfigureAwait(false);
        Expect(recent.Count == 2 && recent[0].Date == Day.PlusDays(2) && recent[1].Date == Day.PlusDays(1), name, $"the two latest runs, newest first: got {string.Join(", ", recent.Select(r => r.Date))}.");
        Expect(recent.All(r => r.Status == PipelineRunStatus.Succeeded && r.FinishedAt == T0 && r.Steps.Count == 1), name, "a listed run lacks its status, end or steps.");
    }

    private async Task RerunsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.TryClaimAsync("daily", Day, "a", T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        await store.CompleteStepAsync("daily", Day, "a", Step("accounts", 10), T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        await store.CompleteStepAsync("daily", Day, "a", Step("health", 20), T0, Lease, cancellationToken: ct).ConfigureAwait(false);
        await store.FinishAsync("daily", Day, "a", PipelineRunStatus.Succeeded, null, T0, ct).ConfigureAwait(false);

        var rerun = await other.TryClaimAsync("daily", Day, "b", T0 + Duration.FromHours(1), Lease, rerun: true, cancellationToken: ct).ConfigureAwait(false);
        Expect(rerun is { Owner: "b", Status: PipelineRunStatus.Running, Claims: 2 } && rerun.Steps.Count == 2, name, $"a rerun claims a succeeded run as one claim more, with its steps: got {rerun}.");
        Expect(await store.TryClaimAsync("daily", Day, "c", T0 + Duration.FromHours(1), Lease, rerun: true, cancellationToken: ct).ConfigureAwait(false) is null, name, "a rerun took a run another instance holds.");

        // The first step completed again replaces its record in its place; the order of the steps stays.
        Expect(await other.CompleteStepAsync("daily", Day, "b", Step("accounts", 11), T0 + Duration.FromHours(1), Lease, cancellationToken: ct).ConfigureAwait(false), name, "the rerun's holder could not record a step.");
        Expect(await other.FinishAsync("daily", Day, "b", PipelineRunStatus.Succeeded, null, T0 + Duration.FromHours(1), ct).ConfigureAwait(false), name, "the rerun's holder could not end it.");
        var run = (await store.RecentRunsAsync("daily", 1, ct).ConfigureAwait(false))[0];
        Expect(
            run.Status == PipelineRunStatus.Succeeded && run.Claims == 2 && string.Join(",", run.Steps.Select(s => $"{s.Step}={s.Counts["accounts"]}")) == "accounts=11,health=20",
            name,
            $"after the rerun: succeeded, two claims, steps accounts=11,health=20 in that order; got {run.Status}, {run.Claims} claims, steps {string.Join(",", run.Steps.Select(s => $"{s.Step}={s.Counts["accounts"]}"))}.");
    }
}
