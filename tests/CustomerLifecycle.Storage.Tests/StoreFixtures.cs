using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using NodaTime;

namespace CustomerLifecycle.Storage.Tests;

internal static class StoreFixtures
{
    public static readonly LocalDate Day0 = new(2026, 12, 1);

    public static readonly Playbook Save = new("save", "Save", PlaybookTrigger.HealthTurned(HealthColor.Red), [new PlaybookStep("Call", "CSM", TaskChannel.Call, Period.Zero), new PlaybookStep("Plan", "CSM", TaskChannel.Meeting, Period.FromDays(7))]);

    public static BusinessClock Clock() => new(new Fixed(Instant.FromUtc(2026, 12, 1, 9, 0)), DateTimeZone.Utc);

    public static PortfolioSnapshot Portfolio(LocalDate date, params (string Id, HealthColor Color)[] accounts) => new(date, accounts.Select(a => new AccountSnapshot(
        new Account { Id = new AccountId(a.Id), Name = a.Id, Owner = "dana" },
        new HealthScore { Value = a.Color == HealthColor.Red ? 20 : 80, Color = a.Color, ScorecardId = "s" })));

    public static PlaybookRun Run(string account, LocalDate on, int tasks = 2)
    {
        var id = PlaybookRun.IdFor("p", new AccountId(account), on.ToString("uuuu-MM-dd", null));
        return new PlaybookRun(id, "p", new AccountId(account), on.ToString("uuuu-MM-dd", null), on, Instant.FromUtc(2026, 12, 1, 9, 0),
            [.. Enumerable.Range(1, tasks).Select(i => new PlaybookTask($"{id}#{i}", id, "p", new AccountId(account), $"Step {i}", "CSM", "dana", TaskChannel.Call, (TaskPriority)(i % 3), on.PlusDays(i)))]);
    }

    /// <summary>
    /// The two cases of issue 14 against a durable store, each evaluation through a new store and engine (a restart):
    /// no earlier snapshot, and one change seen over two overlapping date spans, create no second run.
    /// </summary>
    public static async Task RestartsAndOverlappingSpansCreateNoSecondRunAsync(Func<IPlaybookRunStore> open)
    {
        async Task<PlaybookEvaluation> EvaluateAsync(PortfolioSnapshot? before, PortfolioSnapshot after)
        {
            var store = open();
            try
            {
                return await new PlaybookEngine([Save], store, Clock()).EvaluateAsync(before, after);
            }
            finally
            {
                await ((IAsyncDisposable)store).DisposeAsync();
            }
        }

        Assert.Single((await EvaluateAsync(Portfolio(Day0, ("a", HealthColor.Green)), Portfolio(Day0.PlusDays(2), ("a", HealthColor.Red)))).Created);
        Assert.Empty((await EvaluateAsync(null, Portfolio(Day0.PlusDays(3), ("a", HealthColor.Red)))).Created);
        Assert.Empty((await EvaluateAsync(Portfolio(Day0.PlusDays(1), ("a", HealthColor.Green)), Portfolio(Day0.PlusDays(4), ("a", HealthColor.Red)))).Created);
        Assert.Empty((await EvaluateAsync(null, Portfolio(Day0.PlusDays(5), ("a", HealthColor.Green)))).Created);
        Assert.Single((await EvaluateAsync(null, Portfolio(Day0.PlusDays(6), ("a", HealthColor.Red)))).Created);
        var reader = open();
        try
        {
            // The first run was cancelled when the account turned Green; the second is the second occurrence.
            Assert.Equal(["save|a|color:Red:2026-12-07"], (await reader.OpenRunsAsync()).Select(r => r.Id));
        }
        finally
        {
            await ((IAsyncDisposable)reader).DisposeAsync();
        }
    }

    /// <summary>The to-do queries both database stores offer: tasks of open runs due by a date, counted per owner and listed most urgent first.</summary>
    public static async Task ToDoQueriesAsync(IPlaybookRunStore store, Func<LocalDate, Task<IReadOnlyDictionary<string, int>>> countsDue, Func<LocalDate, int, string?, Task<IReadOnlyList<PlaybookTask>>> tasksDue)
    {
        await store.TryCreateAsync([new RunRequest(Run("a", Day0, tasks: 3), null, null), new RunRequest(Run("b", Day0, tasks: 1), null, null), new RunRequest(Run("c", Day0, tasks: 2), null, null)]);
        await store.CancelAsync([Run("c", Day0).Id], Instant.FromUtc(2026, 12, 1, 10, 0));
        var claimed = await store.ClaimHandOffsAsync("x", Instant.FromUtc(2026, 12, 1, 10, 0), Duration.FromMinutes(5), 1);
        await store.CompleteHandOffAsync(claimed[0].Id, "x");

        // Tasks of open runs due by day 2 (handed off or not): a#1, a#2, b#1; a#1 and b#1 are due the same day, a#2 (priority 2) later.
        Assert.Equal(3, (await countsDue(Day0.PlusDays(2)))["dana"]);
        Assert.Equal([Run("a", Day0).Id + "#1", Run("b", Day0).Id + "#1", Run("a", Day0).Id + "#2"], (await tasksDue(Day0.PlusDays(2), 10, null)).Select(t => t.Id));
        Assert.Empty(await tasksDue(Day0.PlusDays(2), 10, "lee"));
        Assert.Single(await tasksDue(Day0.PlusDays(9), 1, null));
    }

    private sealed class Fixed(Instant now) : IClock
    {
        public Instant GetCurrentInstant() => now;
    }

    /// <summary>Rows of a segment snapshot of <see cref="Day0"/> as schema version 1 wrote them (no hash column): 60 accounts, ids with accents and CJK.</summary>
    public static readonly (string Account, string Segments)[] VersionOneSegmentRows =
        [.. Enumerable.Range(0, 60).Select(i => ($"acct-{i}-{(i % 3) switch { 0 => "été", 1 => "東京", _ => "x" }}", i % 2 == 0 ? "Red" : ""))];

    /// <summary>The version 1 rows as SQL <c>VALUES</c> tuples (date, account, segments), with the date written by <paramref name="date"/>.</summary>
    public static string VersionOneSegmentValues(string date) => string.Join(", ", VersionOneSegmentRows.Select(r => $"({date}, '{r.Account}', '{r.Segments}')"));

    /// <summary>
    /// A store migrated over <see cref="VersionOneSegmentRows"/> reads each of three shards exactly, and a shard written
    /// again (one account gone, the rest moved) replaces only that shard's old rows.
    /// </summary>
    public static async Task VersionOneSegmentRowsAreReadAndReplacedByShardAsync(Segmentation.ISegmentSnapshotStore store)
    {
        static string Show(Segmentation.SegmentMembershipSnapshot? s) =>
            string.Join(" ", (s?.Members ?? []).Select(m => $"{m.Key}={string.Join("|", m.Value)}").Order(StringComparer.Ordinal));
        var rows = VersionOneSegmentRows;
        for (var i = 0; i < 3; i++)
        {
            var part = await store.LatestAsync(Day0, new AccountShard(i, 3));
            Assert.Equal(Day0, part?.Date);
            Assert.Equal(string.Join(" ", rows.Where(r => AccountShard.Of(new AccountId(r.Account), 3) == i).Select(r => $"{r.Account}={r.Segments}").Order(StringComparer.Ordinal)), Show(part));
        }

        var shard = new AccountShard(1, 3);
        var mine = rows.Where(r => shard.Contains(new AccountId(r.Account))).Select(r => r.Account).ToArray();
        await store.WriteAsync(Segmentation.SegmentMembershipSnapshot.Create(Day0, mine.Skip(1).Select(a => KeyValuePair.Create(new AccountId(a), new[] { "Moved" }))), shard);
        var expected = rows.Where(r => !shard.Contains(new AccountId(r.Account))).Select(r => $"{r.Account}={r.Segments}").Concat(mine.Skip(1).Select(a => $"{a}=Moved"));
        Assert.Equal(string.Join(" ", expected.Order(StringComparer.Ordinal)), Show(await store.LatestAsync(Day0)));
    }
}
