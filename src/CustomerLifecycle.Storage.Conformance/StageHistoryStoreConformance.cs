using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IStageHistoryStore"/> as cases any test framework can run: derive a class that creates
/// your store over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class StageHistoryStoreConformance : StoreConformance<IStageHistoryStore>
{
    private static readonly Instant T0 = Instant.FromUtc(2025, 3, 1, 0, 0);

    private static readonly (string Name, Func<StageHistoryStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("reads_back_every_transition", (c, n, t) => c.RoundTripsAsync(n, t)),
        ("replaces_an_accounts_history_whole_and_leaves_the_others", (c, n, t) => c.ReplacesAsync(n, t)),
        ("refuses_a_batch_with_two_histories_of_one_account_whole", (c, n, t) => c.RefusesWholeAsync(n, t)),
        ("loads_a_portfolio_at_once_and_only_the_accounts_asked_for", (c, n, t) => c.LoadsManyAsync(n, t)),
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

    private static void Expect(bool condition, string caseName, string message) => ConformanceCases.Expect(condition, caseName, message);

    /// <summary>An imported customer, then <paramref name="moves"/> manual moves forward through the default model.</summary>
    private static StageHistory History(string account, int moves = 1)
    {
        StageId[] path = [DefaultLifecycleStages.ValueRealization, DefaultLifecycleStages.Expansion, DefaultLifecycleStages.Advocacy];
        var transitions = new List<StageTransition> { new(null, path[0], T0, StageTransitionKind.Imported, "crm-import", "migrated from the \"CRM\", é") };
        for (var i = 1; i <= moves; i++)
        {
            transitions.Add(new StageTransition(path[i - 1], path[i], T0 + Duration.FromDays(30 * i) + Duration.FromTicks(1), StageTransitionKind.ManualForward, "dana", i == 1 ? null : "expanded"));
        }

        return StageHistory.Restore(LifecycleStageModel.Default, new AccountId(account), transitions);
    }

    private static string Show(IReadOnlyList<StageTransition>? transitions) =>
        transitions is null ? "none" : string.Join(" | ", transitions.Select(t => $"{t.From}->{t.To} {t.At.ToUnixTimeTicks()} {t.Kind} {t.Actor} {t.Reason ?? "(none)"}"));

    private async Task RoundTripsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var acme = History("acme", moves: 2);
        await store.SaveAsync([acme, History("globex")], ct).ConfigureAwait(false);
        var read = await other.LoadAsync([acme.Account, new AccountId("nobody")], ct).ConfigureAwait(false);
        Expect(read.Count == 1 && read.TryGetValue(acme.Account, out var back) && back.SequenceEqual(acme.Transitions), name,
            $"saved {Show(acme.Transitions)}; read {Show(read.GetValueOrDefault(acme.Account))} and {read.Count} account(s) (only acme was asked for with a history).");
        Expect(StageHistory.Restore(LifecycleStageModel.Default, acme.Account, read[acme.Account]).CurrentStage == DefaultLifecycleStages.Advocacy, name, "the transitions read back do not restore the history.");
    }

    private async Task ReplacesAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.SaveAsync([History("acme", moves: 1), History("globex", moves: 2)], ct).ConfigureAwait(false);
        await other.SaveAsync([History("acme", moves: 2)], ct).ConfigureAwait(false);
        await other.SaveAsync([History("acme", moves: 2)], ct).ConfigureAwait(false);
        var read = await store.LoadAsync([new AccountId("acme"), new AccountId("globex")], ct).ConfigureAwait(false);
        Expect(read[new AccountId("acme")].Count == 3 && read[new AccountId("globex")].Count == 3, name,
            $"acme saved again with one more move (twice) must have 3 transitions, globex its 3: got {read[new AccountId("acme")].Count} and {read[new AccountId("globex")].Count}.");
    }

    private async Task RefusesWholeAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        var refused = false;
        try
        {
            await store.SaveAsync([History("globex"), History("acme", 1), History("acme", 2)], ct).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            refused = true;
        }

        var read = await store.LoadAsync([new AccountId("acme"), new AccountId("globex")], ct).ConfigureAwait(false);
        Expect(refused && read.Count == 0, name, $"a batch with two histories of one account must be refused and write nothing: refused {refused}, {read.Count} account(s) written.");
    }

    private async Task LoadsManyAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var histories = Enumerable.Range(0, 300).Select(i => History($"a{i:D3}", moves: i % 3)).ToArray();
        await store.SaveAsync(histories, ct).ConfigureAwait(false);
        var asked = histories.Where((_, i) => i % 2 == 0).Select(h => h.Account).Append(new AccountId("nobody")).ToArray();
        var read = await other.LoadAsync(asked, ct).ConfigureAwait(false);
        var wrong = histories.Where((_, i) => i % 2 == 0).Where(h => !read.TryGetValue(h.Account, out var t) || !t.SequenceEqual(h.Transitions)).Select(h => h.Account.Value).ToList();
        Expect(read.Count == 150 && wrong.Count == 0, name, $"150 of 300 accounts asked for (and one without a history): got {read.Count}, wrong or missing {string.Join(", ", wrong.Take(5))}.");
    }
}
