using System.Diagnostics;
using CustomerLifecycle.Playbooks;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>The sample's SQLite stores, against real database files.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cl-sample-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static PlaybookRun Run(string id, LocalDate on, int tasks = 2) => new(
        id, "save", new AccountId("a"), "k-" + id, on, Instant.FromUtc(2026, 11, 22, 9, 0),
        [.. Enumerable.Range(1, tasks).Select(i => new PlaybookTask($"{id}#{i}", id, "save", new AccountId("a"), "Call " + i, "CSM", "dana", TaskChannel.Call, TaskPriority.High, on.PlusDays(i)))]);

    [Fact]
    public void TheRunStore_CreatesOnce_HonoursLimits_AndClaimsEachTaskOnce()
    {
        var store = new SqlitePlaybookRunStore(new SampleDatabase(Path.Combine(_directory, "s.db")));
        var day = new LocalDate(2026, 11, 22);
        Assert.Equal(RunAdmission.Created, store.TryCreate(Run("r1", day), null, null));
        Assert.Equal(RunAdmission.Duplicate, store.TryCreate(Run("r1", day), null, null));
        Assert.Equal(RunAdmission.CoolingDown, store.TryCreate(Run("r2", day.PlusDays(3)), Period.FromDays(30), null));
        Assert.Equal(RunAdmission.Capped, store.TryCreate(Run("r3", day.PlusDays(3)), null, new EnrolmentCap(1, Period.FromDays(90))));

        // A second store over the same file sees the same state.
        var other = new SqlitePlaybookRunStore(new SampleDatabase(Path.Combine(_directory, "s.db")));
        Assert.Equal(["r1#1", "r1#2"], other.OpenRuns().Single().Tasks.Select(t => t.Id));
        Assert.Equal(2, other.OpenTaskCount("dana"));

        var now = Instant.FromUtc(2026, 11, 22, 10, 0);
        var claimed = store.ClaimHandOffs("p1", now, Duration.FromMinutes(5), 100);
        Assert.Equal(2, claimed.Count);
        Assert.Empty(other.ClaimHandOffs("p2", now, Duration.FromMinutes(5), 100));
        store.CompleteHandOff("r1#1", "p1");
        store.ReleaseHandOff("r1#2", "p1");
        Assert.Equal(["r1#2"], other.ClaimHandOffs("p2", now, Duration.FromMinutes(5), 100).Select(t => t.Id));
        Assert.Equal(["r1#2"], store.ClaimHandOffs("p3", now + Duration.FromMinutes(6), Duration.FromMinutes(5), 100).Select(t => t.Id)); // the lease expired

        Assert.True(other.Cancel("r1", now));
        Assert.False(store.Cancel("r1", now));
        Assert.Empty(store.ClaimHandOffs("p4", now + Duration.FromHours(1), Duration.FromMinutes(5), 100));
    }

    [Fact]
    public void ABatch_IsDecidedInOrder_InOneTransaction_AndCancelledTasksLeaveTheQueue()
    {
        var store = new SqlitePlaybookRunStore(new SampleDatabase(Path.Combine(_directory, "b.db")));
        var day = new LocalDate(2026, 11, 22);
        var cooldown = Period.FromDays(30);
        var admissions = store.TryCreateMany(
        [
            new RunRequest(Run("b1", day), cooldown, null),
            new RunRequest(Run("b1", day), cooldown, null),
            new RunRequest(Run("b2", day.PlusDays(3)), cooldown, null),
            new RunRequest(Run("b3", day.PlusDays(40), tasks: 3), cooldown, null),
        ]);
        Assert.Equal([RunAdmission.Created, RunAdmission.Duplicate, RunAdmission.CoolingDown, RunAdmission.Created], admissions);
        Assert.Equal(5, store.OpenTaskCount("dana"));

        Assert.True(store.Cancel("b3", Instant.FromUtc(2026, 11, 22, 10, 0)));
        Assert.Equal(2, store.OpenTaskCount("dana"));
        var due = store.DueBy(day.PlusDays(60), earliest: 10);
        Assert.Equal(2, due.Total);
        Assert.Equal(["b1#1", "b1#2"], due.Earliest.Select(t => t.Id));
        Assert.Equal(("dana", 2), (due.ByOwner.Single().Owner, due.ByOwner.Single().Count));
        Assert.Equal(["b1#1", "b1#2"], store.ClaimHandOffs("p", Instant.FromUtc(2026, 11, 22, 10, 0), Duration.FromMinutes(5), 100).Select(t => t.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheEngineOverTheSqliteStore_HandsEveryTaskOffOnce_UnderConcurrentEvaluations()
    {
        var database = new SampleDatabase(Path.Combine(_directory, "e.db"));
        var handler = new CountingHandler();
        var clock = new BusinessClock(new FixedClock(Instant.FromUtc(2026, 11, 22, 9, 0)), DateTimeZone.Utc);
        var accounts = PortfolioGenerator.Generate(60).Select(r => new AccountSnapshot(r.Account, new HealthScoring.HealthScore { Value = 10, Color = HealthScoring.HealthColor.Red, ScorecardId = "x" })).ToArray();
        var today = new PortfolioSnapshot(new LocalDate(2026, 11, 22), accounts);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            new PlaybookEngine(DefaultPlaybooks.All, new SqlitePlaybookRunStore(database), clock, [handler]).EvaluateAsync(null, today))));
        var runs = new SqlitePlaybookRunStore(database).AllRuns();
        Assert.Equal(runs.Count, results.Sum(r => r.Created.Count));
        Assert.Equal(runs.Sum(r => r.Tasks.Count), handler.Ids.Count);
        Assert.Equal(handler.Ids.Count, handler.Ids.Distinct().Count());
    }

    [Fact]
    public async Task TwoProcessesRunningTheSampleAtOnce_CreateEachRunOnce()
    {
        var db = Path.Combine(_directory, "two.db");
        var dll = typeof(SampleProgram).Assembly.Location;
        var processes = Enumerable.Range(0, 2).Select(_ => Process.Start(new ProcessStartInfo("dotnet", [dll, "--db", db, "--Sample:ForecastTrials=100"]) { RedirectStandardOutput = true, RedirectStandardError = true })!).ToArray();
        var outputs = await Task.WhenAll(processes.Select(p => p.StandardOutput.ReadToEndAsync()));
        var errors = await Task.WhenAll(processes.Select(p => p.StandardError.ReadToEndAsync()));
        foreach (var p in processes)
        {
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, string.Join("\n", errors));
        }

        var created = outputs.Select(o => int.Parse(o.Split("5. Playbooks")[1].Trim().Split(' ')[0].Replace(",", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var runs = new SqlitePlaybookRunStore(new SampleDatabase(db)).AllRuns();
        Assert.Equal(runs.Count, created.Sum());
        Assert.True(runs.Count > 1000, $"expected the sample's first-day runs, got {runs.Count}");

        // A third run on the same day creates nothing more.
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await SampleProgram.MainAsync(["--db", db, "--Sample:ForecastTrials=100"], output, error));
        Assert.Contains("5. Playbooks     0 runs started now", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("change since the last run", output.ToString(), StringComparison.Ordinal);
    }

    private sealed class CountingHandler : IPlaybookTaskHandler
    {
        private readonly Lock _lock = new();

        public List<string> Ids { get; } = [];

        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Ids.Add(task.Id);
            }

            return ValueTask.CompletedTask;
        }
    }
}

public sealed class DashboardTests
{
    [Fact]
    public async Task TheDashboard_IsSelfContainedHtmlWithEveryChart()
    {
        var directory = Directory.CreateTempSubdirectory("cl-dash-").FullName;
        try
        {
            var html = Path.Combine(directory, "dashboard.html");
            var (output, error) = (new StringWriter(), new StringWriter());
            Assert.Equal(0, await SampleProgram.MainAsync(["--db", Path.Combine(directory, "d.db"), "--html", html, "--Sample:ForecastTrials=300"], output, error));
            Assert.Equal(0, await SampleProgram.MainAsync(["--db", Path.Combine(directory, "d.db"), "--html", html, "--Sample:ForecastTrials=300", "--Sample:AsOf=2026-11-29"], output, error));
            var text = await File.ReadAllTextAsync(html);

            // No script, no stylesheet or image to fetch: it opens offline.
            foreach (var external in new[] { "<script", "<link", "src=", "href=", "url(" })
            {
                Assert.DoesNotContain(external, text, StringComparison.OrdinalIgnoreCase);
            }

            foreach (var section in new[] { "id=\"health\"", "id=\"trend\"", "id=\"retention\"", "id=\"forecast\"", "id=\"tasks\"" })
            {
                Assert.Contains(section, text, StringComparison.Ordinal);
            }

            var svgs = System.Text.RegularExpressions.Regex.Matches(text, "<svg.*?</svg>", System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.Equal(4, svgs.Count);
            foreach (System.Text.RegularExpressions.Match svg in svgs)
            {
                System.Xml.Linq.XDocument.Parse(svg.Value); // each chart is well-formed SVG
            }

            Assert.Equal(10, System.Text.RegularExpressions.Regex.Matches(svgs[0].Value, "<rect ").Count);          // the health histogram
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(svgs[1].Value, "<circle ").Count);         // two runs in the trend
            Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(svgs[2].Value, "<path ").Count);           // three touch models
            Assert.Contains("P10 ", svgs[3].Value, StringComparison.Ordinal);
            Assert.Contains("<td>2026-", text, StringComparison.Ordinal);                                            // the task table
            Assert.Contains("Dashboard written to", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
