using CustomerLifecycle.Segmentation;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="ISegmentSnapshotStore"/> as cases any test framework can run: derive a class that
/// creates your store over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class SegmentSnapshotStoreConformance : StoreConformance<ISegmentSnapshotStore>
{
    private static readonly LocalDate Day = new(2026, 12, 2);

    private static readonly (string Name, Func<SegmentSnapshotStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("reads_back_every_account_and_segment", (c, n, t) => c.RoundTripsAsync(n, t)),
        ("replaces_the_snapshot_of_the_same_date_whole", (c, n, t) => c.ReplacesAsync(n, t)),
        ("gives_the_latest_snapshot_on_or_before_a_date", (c, n, t) => c.LatestAsync(n, t)),
        ("refuses_a_snapshot_without_a_date", (c, n, t) => c.RefusesUndatedAsync(n, t)),
        ("deletes_the_snapshots_before_a_date", (c, n, t) => c.DeletesAsync(n, t)),
        ("writes_shards_of_a_date_at_once_each_replacing_only_its_accounts", (c, n, t) => c.ShardsAsync(n, t)),
        ("refuses_a_shards_part_with_an_account_of_another_shard", (c, n, t) => c.RefusesForeignAccountAsync(n, t)),
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

    private static SegmentMembershipSnapshot Snapshot(LocalDate? date, params (string Account, string[] Segments)[] members) =>
        SegmentMembershipSnapshot.Create(date, members.Select(m => KeyValuePair.Create(new AccountId(m.Account), m.Segments)));

    private static string Show(SegmentMembershipSnapshot? s) => s is null ? "none" :
        $"{s.Date:uuuu-MM-dd}: " + string.Join("; ", s.Members.OrderBy(m => m.Key.Value, StringComparer.Ordinal).Select(m => $"{m.Key}=[{string.Join("|", m.Value)}]"));

    private async Task RoundTripsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var snapshot = Snapshot(Day, ("acme", ["At Risk", "High, touch", "say \"hi\"", "été"]), ("globex", []), ("initech", ["Growth"]));
        await store.WriteAsync(snapshot, ct).ConfigureAwait(false);
        var read = await other.LatestAsync(Day, ct).ConfigureAwait(false);
        Expect(Show(read) == Show(snapshot), name, $"written {Show(snapshot)}; read {Show(read)} (from another instance).");
    }

    private async Task ReplacesAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.WriteAsync(Snapshot(Day, ("a", ["X"]), ("b", ["Y"])), ct).ConfigureAwait(false);
        var second = Snapshot(Day, ("a", ["Z"]));
        await other.WriteAsync(second, ct).ConfigureAwait(false);
        var read = await store.LatestAsync(Day, ct).ConfigureAwait(false);
        Expect(Show(read) == Show(second), name, $"a day written again must replace its snapshot whole (b gone): read {Show(read)}.");
    }

    private async Task LatestAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        Expect(await store.LatestAsync(Day, ct).ConfigureAwait(false) is null, name, "an empty store gave a snapshot.");
        await store.WriteAsync(Snapshot(Day.PlusDays(-7), ("a", ["Week"])), ct).ConfigureAwait(false);
        await store.WriteAsync(Snapshot(Day.PlusDays(-1), ("a", ["Yesterday"])), ct).ConfigureAwait(false);
        await store.WriteAsync(Snapshot(Day.PlusDays(1), ("a", ["Tomorrow"])), ct).ConfigureAwait(false);
        var today = await store.LatestAsync(Day, ct).ConfigureAwait(false);
        var weekAgo = await store.LatestAsync(Day.PlusDays(-7), ct).ConfigureAwait(false);
        var before = await store.LatestAsync(Day.PlusDays(-8), ct).ConfigureAwait(false);
        Expect(today?.Date == Day.PlusDays(-1) && weekAgo?.Date == Day.PlusDays(-7) && before is null, name,
            $"latest on or before today, a week ago and before that: expected yesterday's, the week-old one and none; got {Show(today)}, {Show(weekAgo)}, {Show(before)}.");
    }

    private async Task RefusesUndatedAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        var refused = false;
        try
        {
            await store.WriteAsync(Snapshot(null, ("a", ["X"])), ct).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            refused = true;
        }

        Expect(refused, name, "a snapshot without a date was accepted.");
        Expect(await store.LatestAsync(LocalDate.MaxIsoValue, ct).ConfigureAwait(false) is null, name, "a refused snapshot was written.");
    }

    private async Task ShardsAsync(string name, CancellationToken ct)
    {
        // Four shards of 400 accounts written at once by two instances, then shard 1 written again with a third of its
        // accounts gone and the rest moved: the others' rows stay, shard 1's are the new ones exactly.
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var accounts = Enumerable.Range(0, 400).Select(i => (Account: $"acct-{i}", Segments: i % 3 == 0 ? new[] { "Red" } : [])).ToArray();
        SegmentMembershipSnapshot Part(int shard, IEnumerable<(string Account, string[] Segments)> members) =>
            Snapshot(Day, [.. members.Where(m => AccountShard.Of(new AccountId(m.Account), 4) == shard)]);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? store : other).WriteAsync(Part(i, accounts), new AccountShard(i, 4), ct).AsTask())).ConfigureAwait(false);
        var whole = await other.LatestAsync(Day, ct).ConfigureAwait(false);
        Expect(Show(whole) == Show(Snapshot(Day, accounts)), name, $"four shards written at once must make the whole snapshot: read {whole?.Count} accounts of 400.");

        // Read back in seven shards (a count that does not divide 2^64, so a store keeping the hash as a signed number
        // must carry its wrap), each exactly its accounts; a shard with no accounts still finds the date.
        for (var i = 0; i < 7; i++)
        {
            var seventh = await store.LatestAsync(Day, new AccountShard(i, 7), ct).ConfigureAwait(false);
            var expected = Snapshot(Day, [.. accounts.Where(m => AccountShard.Of(new AccountId(m.Account), 7) == i)]);
            Expect(Show(seventh) == Show(expected), name, $"shard {i}/7 read back {seventh?.Count} accounts, expected {expected.Count}.");
        }

        var none = Enumerable.Range(0, AccountShard.MaxCount).First(i => accounts.All(m => AccountShard.Of(new AccountId(m.Account), AccountShard.MaxCount) != i));
        var empty = await store.LatestAsync(Day, new AccountShard(none, AccountShard.MaxCount), ct).ConfigureAwait(false);
        Expect(empty is { Count: 0 } && empty.Date == Day, name, $"a shard holding none of the date's accounts must read the date with no accounts, not {Show(empty)}.");

        var changed = accounts.Where((m, i) => AccountShard.Of(new AccountId(m.Account), 4) != 1 || i % 3 != 1).Select(m => AccountShard.Of(new AccountId(m.Account), 4) == 1 ? (m.Account, new[] { "Moved" }) : m).ToArray();
        await store.WriteAsync(Part(1, changed), new AccountShard(1, 4), ct).ConfigureAwait(false);
        var after = await other.LatestAsync(Day, ct).ConfigureAwait(false);
        Expect(Show(after) == Show(Snapshot(Day, changed)), name, $"shard 1 written again must replace its accounts' rows only: expected {changed.Length} accounts, read {after?.Count}.");
        var part = await other.LatestAsync(Day, new AccountShard(1, 4), ct).ConfigureAwait(false);
        Expect(Show(part) == Show(Part(1, changed)), name, $"the part of shard 1 read back: {Show(part)}.");
    }

    private async Task RefusesForeignAccountAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        var ids = Enumerable.Range(0, 20).Select(i => $"acct-{i}").ToArray();
        var (own, foreign) = (ids.First(a => AccountShard.Of(new AccountId(a), 2) == 0), ids.First(a => AccountShard.Of(new AccountId(a), 2) == 1));
        var refused = false;
        try
        {
            await store.WriteAsync(Snapshot(Day, (own, ["X"]), (foreign, ["Y"])), new AccountShard(0, 2), ct).ConfigureAwait(false);
        }
        catch (ArgumentException e) when (e.Message.Contains(foreign, StringComparison.Ordinal))
        {
            refused = true;
        }

        Expect(refused, name, $"a part for shard 0/2 holding '{foreign}' (of shard 1/2) was not refused naming it.");
        Expect(await store.LatestAsync(Day, ct).ConfigureAwait(false) is null, name, "a refused part was written, in part.");
    }

    private async Task DeletesAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var days in new[] { -400, -366, -365, 0 })
        {
            await store.WriteAsync(Snapshot(Day.PlusDays(days), ("a", ["X"]), ("b", [])), ct).ConfigureAwait(false);
        }

        var deleted = await store.DeleteBeforeAsync(Day.PlusDays(-365), ct).ConfigureAwait(false);
        var oldest = await store.LatestAsync(Day.PlusDays(-365), ct).ConfigureAwait(false);
        var gone = await store.LatestAsync(Day.PlusDays(-366), ct).ConfigureAwait(false);
        Expect(deleted == 2 && oldest?.Date == Day.PlusDays(-365) && gone is null, name, $"deleting before a year ago: expected 2 snapshots deleted and that day's kept; deleted {deleted}, kept {Show(oldest)}, before it {Show(gone)}.");
    }
}
