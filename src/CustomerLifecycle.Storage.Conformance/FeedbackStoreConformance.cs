using CustomerLifecycle.Feedback;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IFeedbackStore"/> as cases any test framework can run: derive a class that creates your
/// store over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class FeedbackStoreConformance : StoreConformance<IFeedbackStore>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 2, 9, 0) + Duration.FromTicks(4_321);

    private static readonly (string Name, Func<FeedbackStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("keeps_an_item_with_every_change_and_its_follow_up", (c, n, t) => c.KeepsAsync(n, t)),
        ("replaces_an_item_saved_again", (c, n, t) => c.ReplacesAsync(n, t)),
        ("refuses_an_id_reused_for_another_account", (c, n, t) => c.RefusesReusedIdAsync(n, t)),
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

    private static FeedbackItem Released(string id) => FeedbackItem.Submit(id, new AccountId("acme"), "Export to \"Excel\", please; é", T0, "reports")
        .MoveTo(FeedbackStatus.UnderReview, T0 + Duration.FromDays(1), "triaged")
        .MoveTo(FeedbackStatus.Planned, T0 + Duration.FromDays(2))
        .MoveTo(FeedbackStatus.Released, T0 + Duration.FromDays(30), "shipped in 4.2")
        .RecordFollowUp(T0 + Duration.FromDays(31));

    private static string Show(FeedbackItem? item) => item is null ? "none" :
        $"{item.Id} {item.Account} {item.Text} {item.Feature ?? "(none)"} {item.SubmittedAt.ToUnixTimeTicks()} {item.Status} {item.FollowedUpAt?.ToUnixTimeTicks()} [" +
        string.Join("; ", item.Changes.Select(c => $"{c.From}->{c.To} {c.At.ToUnixTimeTicks()} {c.Note ?? "(none)"}")) + "]";

    private async Task KeepsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var released = Released("fb-2");
        var fresh = FeedbackItem.Submit("fb-1", new AccountId("globex"), "Dark mode", T0);
        await store.SaveAsync(released, ct).ConfigureAwait(false);
        await store.SaveAsync(fresh, ct).ConfigureAwait(false);
        var read = await other.GetAsync("fb-2", ct).ConfigureAwait(false);
        Expect(Show(read) == Show(released) && read!.IsLoopClosed, name, $"saved {Show(released)}; read {Show(read)} (from another instance).");
        var all = await other.AllAsync(ct).ConfigureAwait(false);
        Expect(string.Join(" | ", all.Select(Show)) == $"{Show(fresh)} | {Show(released)}", name, $"all items by id: got {string.Join(" | ", all.Select(Show))}.");
        Expect(await other.GetAsync("fb-9", ct).ConfigureAwait(false) is null, name, "an id never saved gave an item.");
    }

    private async Task ReplacesAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var item = FeedbackItem.Submit("fb-1", new AccountId("acme"), "Dark mode", T0);
        await store.SaveAsync(item, ct).ConfigureAwait(false);
        item = item.MoveTo(FeedbackStatus.UnderReview, T0 + Duration.FromHours(1));
        await other.SaveAsync(item, ct).ConfigureAwait(false);
        item = item.MoveTo(FeedbackStatus.Declined, T0 + Duration.FromHours(2), "not on the roadmap");
        await store.SaveAsync(item, ct).ConfigureAwait(false);
        var read = await other.GetAsync("fb-1", ct).ConfigureAwait(false);
        Expect(Show(read) == Show(item), name, $"an item saved after each change must read back as the last: expected {Show(item)}, got {Show(read)}.");
    }

    private async Task RefusesReusedIdAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        var original = Released("fb-1");
        await store.SaveAsync(original, ct).ConfigureAwait(false);
        var refused = false;
        try
        {
            await store.SaveAsync(FeedbackItem.Submit("fb-1", new AccountId("globex"), "Something else", T0), ct).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            refused = true;
        }

        var read = await store.GetAsync("fb-1", ct).ConfigureAwait(false);
        Expect(refused && Show(read) == Show(original), name, $"an item of another account under a stored id must be refused, the stored one kept: refused {refused}, read {Show(read)}.");
    }
}
