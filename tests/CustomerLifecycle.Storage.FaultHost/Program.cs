// One instance of a host in the fault tests: evaluates business dates (one, or a list in the order given) against a shared store, hands the tasks to a
// handler that records each hand-off in the process's own file and fails on every third task, and retries until nothing is left that
// it can claim. The tests run several at once, kill one with SIGKILL and start it again.
using System.Globalization;
using CustomerLifecycle;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using NodaTime;

var options = args.Chunk(2).ToDictionary(p => p[0].TrimStart('-'), p => p[1], StringComparer.Ordinal);
var dates = options.TryGetValue("dates", out var list)
    ? list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => LocalDate.FromDateTime(DateTime.Parse(d, CultureInfo.InvariantCulture))).ToArray()
    : [LocalDate.FromDateTime(DateTime.Parse(options["date"], CultureInfo.InvariantCulture))];
var accounts = int.Parse(options["accounts"], CultureInfo.InvariantCulture);
var name = options["name"];
var varying = options.GetValueOrDefault("portfolio") == "varying";
var failEvery = int.Parse(options.GetValueOrDefault("fail-every", "3"), CultureInfo.InvariantCulture);
var slow = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("slow-ms", "0"), CultureInfo.InvariantCulture));

// A wait after each date's evaluation, before its hand-offs: a test kills the process there, between two dates.
var pause = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("pause-ms", "0"), CultureInfo.InvariantCulture));
IPlaybookRunStore store = options["store"] switch
{
    "sqlite" => new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = options["connection"] }),
    "postgres" => new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = options["connection"], Schema = options["schema"] }),
    "memory" => new InMemoryPlaybookRunStore(),
    var other => throw new ArgumentException($"Unknown store '{other}'."),
};

var handler = new RecordingHandler(Path.Combine(options["handled"], name + ".txt"), name, failEvery, slow);
foreach (var date in dates)
{
    var engine = new PlaybookEngine(FaultPortfolio.Playbooks, store, new BusinessClock(new FixedClock(date.At(new LocalTime(9, 0)).InUtc().ToInstant()), DateTimeZone.Utc), [handler],
        options: new PlaybookEngineOptions { HandOffLease = Duration.FromSeconds(5), HandOffBatchSize = 25 });
    // The varying portfolio ends most states every day: its cancellations are the point, not a truncated export.
    var evaluation = await engine.EvaluateAsync(null, varying ? FaultPortfolio.Varying(date, accounts) : FaultPortfolio.On(date, accounts), allowMassCancellation: varying);
    Console.WriteLine($"{name}: {date:uuuu-MM-dd} created {evaluation.Created.Count}, cancelled {evaluation.Cancelled.Count}, handed off {evaluation.HandedOff.Count}, failed {evaluation.Failures.Count}");
    Console.Out.Flush();
    await Task.Delay(pause);

    // Failed tasks go back to pending when a hand-off ends: hand off again until a pass hands off nothing and fails nothing.
    while (true)
    {
        var (handedOff, failures) = await engine.HandOffPendingAsync();
        if (handedOff.Count == 0 && failures.Count == 0)
        {
            break;
        }
    }
}

if (options.TryGetValue("dump", out var dump))
{
    // Every run with its status, and every trigger state: what the out-of-order tests compare with one process in order.
    var lines = new List<string>();
    var runs = store switch
    {
        SqlitePlaybookRunStore sqlite => await sqlite.AllRunsAsync(),
        PostgreSqlPlaybookRunStore postgres => await postgres.AllRunsAsync(),
        InMemoryPlaybookRunStore memory => memory.AllRuns(),
        _ => throw new InvalidOperationException("no store to dump"),
    };
    lines.AddRange(runs.Select(r => $"run {r.Id} {r.Status} {r.Tasks.Count}"));
    lines.AddRange((await store.TriggerStatesAsync()).Select(s => $"state {s.Key.PlaybookId} {s.Key.Account} {s.Value.Holds} {s.Value.Since:uuuu-MM-dd}"));
    lines.Sort(StringComparer.Ordinal);
    await File.WriteAllLinesAsync(dump, lines);
}

if (store is IAsyncDisposable disposable)
{
    await disposable.DisposeAsync();
}

Console.WriteLine($"{name}: done");
return 0;

internal static class FaultPortfolio
{
    public static readonly Playbook[] Playbooks =
    [
        new("save", "Save", PlaybookTrigger.HealthTurned(HealthColor.Red), [new PlaybookStep("Call", "CSM", TaskChannel.Call, Period.Zero), new PlaybookStep("Plan", "CSM", TaskChannel.Meeting, Period.FromDays(7))]),
        new("seg", "Welcome", PlaybookTrigger.SegmentEntered("S"), [new PlaybookStep("Welcome", "CSM", TaskChannel.Email, Period.Zero)]),
    ];

    /// <summary>
    /// A portfolio that changes every day: account i is Red on about two days in five and in segment S on one in six,
    /// each on its own phase, so that every date brings onsets and ends (runs started and cancelled).
    /// </summary>
    public static PortfolioSnapshot Varying(LocalDate date, int accounts)
    {
        var day = date.DayOfYear;
        return new(date, Enumerable.Range(0, accounts).Select(i =>
        {
            var red = ((i * 7) + day) % 5 < 2;
            return new AccountSnapshot(
                new Account { Id = new AccountId($"acc{i:D5}"), Name = $"Account {i}", Owner = $"csm{i % 7}" },
                new HealthScore { Value = red ? 20 : 80, Color = red ? HealthColor.Red : HealthColor.Green, ScorecardId = "fault" },
                (i + (day * 3)) % 6 == 0 ? ["S"] : []);
        }));
    }

    /// <summary>Every third account Red, every fifth in segment S.</summary>
    public static PortfolioSnapshot On(LocalDate date, int accounts) => new(date, Enumerable.Range(0, accounts).Select(i => new AccountSnapshot(
        new Account { Id = new AccountId($"acc{i:D5}"), Name = $"Account {i}", Owner = $"csm{i % 7}" },
        new HealthScore { Value = i % 3 == 0 ? 20 : 80, Color = i % 3 == 0 ? HealthColor.Red : HealthColor.Green, ScorecardId = "fault" },
        i % 5 == 0 ? ["S"] : [])));
}

/// <summary>
/// Appends "task process timestamp" to the process's own file for each task it takes (flushed at once, so a kill loses
/// nothing written; the monotonic timestamp orders the lines of all processes); throws on every n-th.
/// </summary>
internal sealed class RecordingHandler(string file, string name, int failEvery, TimeSpan slow) : IPlaybookTaskHandler
{
    private int _calls;

    public async ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
    {
        if (slow > TimeSpan.Zero)
        {
            await Task.Delay(slow, cancellationToken);
        }

        if (failEvery > 0 && ++_calls % failEvery == 0)
        {
            throw new InvalidOperationException($"{name} fails on every {failEvery}rd task.");
        }

        await File.AppendAllTextAsync(file, $"{task.Id} {name} {System.Diagnostics.Stopwatch.GetTimestamp()}\n", cancellationToken);
    }
}

/// <summary>The business clock stands at 09:00 on the date evaluated; leases run on real time.</summary>
internal sealed class FixedClock(Instant now) : IClock
{
    public Instant GetCurrentInstant() => now;
}
