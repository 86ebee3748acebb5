// One instance of a host in the fault tests: evaluates a business date against a shared store, hands the tasks to a
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
var date = LocalDate.FromDateTime(DateTime.Parse(options["date"], CultureInfo.InvariantCulture));
var accounts = int.Parse(options["accounts"], CultureInfo.InvariantCulture);
var name = options["name"];
var failEvery = int.Parse(options.GetValueOrDefault("fail-every", "3"), CultureInfo.InvariantCulture);
var slow = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("slow-ms", "0"), CultureInfo.InvariantCulture));
IPlaybookRunStore store = options["store"] switch
{
    "sqlite" => new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = options["connection"] }),
    "postgres" => new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = options["connection"], Schema = options["schema"] }),
    var other => throw new ArgumentException($"Unknown store '{other}'."),
};

var handler = new RecordingHandler(Path.Combine(options["handled"], name + ".txt"), name, failEvery, slow);
var engine = new PlaybookEngine(FaultPortfolio.Playbooks, store, new BusinessClock(new FixedClock(date.At(new LocalTime(9, 0)).InUtc().ToInstant()), DateTimeZone.Utc), [handler],
    options: new PlaybookEngineOptions { HandOffLease = Duration.FromSeconds(5), HandOffBatchSize = 25 });
var evaluation = await engine.EvaluateAsync(FaultPortfolio.On(date, accounts));
Console.WriteLine($"{name}: created {evaluation.Created.Count}, handed off {evaluation.HandedOff.Count}, failed {evaluation.Failures.Count}");
Console.Out.Flush();

// Failed tasks go back to pending when a hand-off ends: hand off again until a pass hands off nothing and fails nothing.
while (true)
{
    var (handedOff, failures) = await engine.HandOffPendingAsync();
    if (handedOff.Count == 0 && failures.Count == 0)
    {
        break;
    }
}

await ((IAsyncDisposable)store).DisposeAsync();
Console.WriteLine($"{name}: done");
return 0;

internal static class FaultPortfolio
{
    public static readonly Playbook[] Playbooks =
    [
        new("save", "Save", PlaybookTrigger.HealthTurned(HealthColor.Red), [new PlaybookStep("Call", "CSM", TaskChannel.Call, Period.Zero), new PlaybookStep("Plan", "CSM", TaskChannel.Meeting, Period.FromDays(7))]),
        new("seg", "Welcome", PlaybookTrigger.SegmentEntered("S"), [new PlaybookStep("Welcome", "CSM", TaskChannel.Email, Period.Zero)]),
    ];

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
