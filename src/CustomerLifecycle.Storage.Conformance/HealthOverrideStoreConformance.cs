using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IHealthOverrideStore"/> as cases any test framework can run: derive a class that creates
/// your store over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class HealthOverrideStoreConformance : StoreConformance<IHealthOverrideStore>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 12, 2, 9, 0) + Duration.FromTicks(7_654_321);

    private static readonly (string Name, Func<HealthOverrideStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("keeps_every_field_and_one_override_per_account", (c, n, t) => c.KeepsAsync(n, t)),
        ("clears_and_says_whether_there_was_one", (c, n, t) => c.ClearsAsync(n, t)),
        ("refuses_an_invalid_override", (c, n, t) => c.RefusesAsync(n, t)),
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

    private static HealthOverride Override(string account, HealthColor color = HealthColor.Red, string reason = "exec sponsor left; renewal at risk, \"urgent\"") =>
        new(new AccountId(account), color, "dana@example.com", reason, T0, T0 + Duration.FromDays(14));

    private static string Show(IEnumerable<HealthOverride> all) =>
        string.Join(" | ", all.Select(o => $"{o.Account} {o.Color} {o.Author} {o.Reason} {o.SetAt.ToUnixTimeTicks()} {o.ExpiresAt.ToUnixTimeTicks()}"));

    private async Task KeepsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.SetAsync(Override("globex", HealthColor.Yellow), ct).ConfigureAwait(false);
        await store.SetAsync(Override("acme"), ct).ConfigureAwait(false);
        await other.SetAsync(Override("acme", HealthColor.Green, "fixed by the new sponsor"), ct).ConfigureAwait(false);
        var all = await store.AllAsync(ct).ConfigureAwait(false);
        HealthOverride[] expected = [Override("acme", HealthColor.Green, "fixed by the new sponsor"), Override("globex", HealthColor.Yellow)];
        Expect(Show(all) == Show(expected), name, $"expected {Show(expected)} (one per account, the latest, by account id); got {Show(all)}.");
    }

    private async Task ClearsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.SetAsync(Override("acme"), ct).ConfigureAwait(false);
        Expect(await other.ClearAsync(new AccountId("acme"), ct).ConfigureAwait(false), name, "clearing a kept override said there was none.");
        Expect(!await other.ClearAsync(new AccountId("acme"), ct).ConfigureAwait(false), name, "clearing it again said there was one.");
        Expect((await store.AllAsync(ct).ConfigureAwait(false)).Count == 0, name, "a cleared override is still kept.");
    }

    private async Task RefusesAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var bad in new[] { Override("acme") with { ExpiresAt = T0 }, Override("acme") with { Author = " " }, Override("acme") with { Color = (HealthColor)7 }, Override("acme") with { Account = default } })
        {
            var refused = false;
            try
            {
                await store.SetAsync(bad, ct).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                refused = true;
            }

            Expect(refused && (await store.AllAsync(ct).ConfigureAwait(false)).Count == 0, name, $"an invalid override was kept or not refused: {bad}.");
        }
    }
}
