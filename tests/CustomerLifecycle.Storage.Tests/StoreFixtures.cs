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
}
