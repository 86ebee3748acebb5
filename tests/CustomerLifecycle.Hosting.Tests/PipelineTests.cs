using CustomerLifecycle.Stages;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Playbooks.Tests.Engine;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>The pipeline against real SQLite files: one run per date among racing hosts, resuming after a failure, the health check.</summary>
public sealed class PipelineTests : IDisposable
{
    private static readonly LocalDate Day = new(2026, 12, 2);
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-pipeline-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static FakeTimeProvider At(Instant instant) => new(instant.ToDateTimeOffset());

    [Fact]
    public async Task ADay_RunsEveryStep_RecordsEachWithItsCounts_AndCreatesThePlaybookRuns()
    {
        var db = Path.Combine(_folder, "day.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        await using var provider = Host(db, time);
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        Assert.Equal(["accounts", "stages", "health", "segments", "playbooks", "forecast"], pipeline.Steps);

        var result = await pipeline.RunAsync();
        Assert.Equal((Day, PipelineRunOutcome.Succeeded), (result.Date, result.Outcome));
        var run = result.Run!;
        Assert.Equal(PipelineRunStatus.Succeeded, run.Status);
        Assert.Equal(pipeline.Steps, run.Steps.Select(s => s.Step));
        Assert.Equal(60, run.Steps[0].Counts["accounts"]);
        Assert.Equal(20, run.Steps.Single(s => s.Step == "health").Counts["red"]);
        var created = run.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"];
        Assert.True(created >= 20, $"every Red account starts the churn-save playbook: {created} runs");
        Assert.Equal(created, await RunCountAsync(provider));

        // The same date again: skipped, nothing more.
        Assert.Equal(PipelineRunOutcome.Skipped, (await pipeline.RunAsync(Day)).Outcome);
        Assert.Equal(created, await RunCountAsync(provider));
    }

    [Fact]
    public async Task ARerun_RunsEveryStepAgain_RecordsThemInPlace_AndCreatesNoPlaybookRunTwice()
    {
        var db = Path.Combine(_folder, "rerun.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        var digests = 0;
        await using var provider = Host(db, time, p => p.AddStep("digest", (_, _) =>
        {
            Interlocked.Increment(ref digests);
            return new((IReadOnlyDictionary<string, long>?)null);
        }));
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        var created = (await pipeline.RunAsync(Day)).Day!.Playbooks!.Created.Count;
        Assert.True(created >= 20, $"every Red account starts the churn-save playbook: {created} runs");
        Assert.Equal(PipelineRunOutcome.Skipped, (await pipeline.RunAsync(Day)).Outcome);

        time.Advance(TimeSpan.FromHours(1));
        var again = await pipeline.RunAsync(new PipelineRunRequest { Date = Day, Rerun = true });
        Assert.Equal(PipelineRunOutcome.Succeeded, again.Outcome);
        Assert.Equal((PipelineRunStatus.Succeeded, 2), (again.Run!.Status, again.Run.Claims));
        Assert.Equal(pipeline.Steps, again.Run.Steps.Select(s => s.Step));
        Assert.All(again.Run.Steps, s => Assert.Equal(Instant.FromUtc(2026, 12, 2, 12, 0), s.StartedAt));
        Assert.Empty(again.Day!.Playbooks!.Created);
        Assert.Equal(0, again.Run.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"]);
        Assert.Equal(2, digests);
        Assert.Equal(created, await RunCountAsync(provider));
    }

    [Fact]
    public async Task ARerunOfAnOldDate_ReturnsItsRun_AsTheLedgerRecordsIt()
    {
        // The result's run used to be read back from the ledger's 31 newest dates, so a rerun of an older date came
        // back without it.
        var db = Path.Combine(_folder, "old.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        await using var provider = Host(db, time);
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        Assert.Equal(PipelineRunOutcome.Succeeded, (await pipeline.RunAsync(Day)).Outcome);

        var ledger = provider.GetRequiredService<IPipelineRunStore>();
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        for (var d = 1; d <= 40; d++)
        {
            Assert.NotNull(await ledger.TryClaimAsync(pipeline.Options.Name, Day.PlusDays(d), "other", now, Duration.FromMinutes(5)));
            Assert.True(await ledger.FinishAsync(pipeline.Options.Name, Day.PlusDays(d), "other", PipelineRunStatus.Succeeded, null, now));
        }

        time.Advance(TimeSpan.FromHours(1));
        var again = await pipeline.RunAsync(new PipelineRunRequest { Date = Day, Rerun = true });
        Assert.Equal(PipelineRunOutcome.Succeeded, again.Outcome);
        var run = Assert.IsType<PipelineRunRecord>(again.Run);
        Assert.Equal((Day, PipelineRunStatus.Succeeded, 2), (run.Date, run.Status, run.Claims));
        Assert.Equal(pipeline.Steps, run.Steps.Select(s => s.Step));

        // What the result says is what the ledger holds.
        var recorded = (await pipeline.RecentRunsAsync(100)).Single(r => r.Date == Day);
        Assert.Equal((recorded.Owner, recorded.StartedAt, recorded.FinishedAt, recorded.LeaseUntil, recorded.Claims, recorded.Error), (run.Owner, run.StartedAt, run.FinishedAt, run.LeaseUntil, run.Claims, run.Error));
        Assert.Equal(recorded.Steps.Select(s => (s.Step, s.StartedAt, s.Took, s.Attempts)), run.Steps.Select(s => (s.Step, s.StartedAt, s.Took, s.Attempts)));
    }

    [Fact]
    public async Task AMassCancellation_FailsTheRunAtOnce_WithoutRetries_AndRunsWhenAllowed()
    {
        var db = Path.Combine(_folder, "mass.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        await using var provider = Host(db, time, p => p.UseAccountSource<ChurnedTheNextDay>().Configure(o => o.MaxAttempts = 3));
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        var created = (await pipeline.RunAsync(Day)).Day!.Playbooks!.Created.Count;

        // The next day every account is churned: cancelling every open run is refused, at the first attempt.
        var refused = await Assert.ThrowsAsync<PipelineStepFailedException>(() => pipeline.RunAsync(Day.PlusDays(1)));
        Assert.Equal(("playbooks", 1), (refused.Step, refused.Attempts));
        Assert.IsType<MassCancellationException>(refused.InnerException);
        Assert.Equal(PipelineRunStatus.Failed, (await pipeline.RecentRunsAsync(1))[0].Status);

        var allowed = await pipeline.RunAsync(new PipelineRunRequest { Date = Day.PlusDays(1), AllowMassCancellation = true });
        Assert.Equal(PipelineRunOutcome.Succeeded, allowed.Outcome);
        Assert.Equal(created, allowed.Day!.Playbooks!.Cancelled.Count);
    }

    [Fact]
    public async Task TwoHostsRacingForADate_OneRunsIt_TheOtherSkips_AndEachPlaybookRunExistsOnce()
    {
        var db = Path.Combine(_folder, "race.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        await using var a = Host(db, time);
        await using var b = Host(db, time);
        var results = await Task.WhenAll(
            Task.Run(() => a.GetRequiredService<LifecyclePipeline>().RunAsync(Day)),
            Task.Run(() => b.GetRequiredService<LifecyclePipeline>().RunAsync(Day)));
        // The other finds the date held (or, if the winner finished first, already succeeded).
        Assert.Single(results, r => r.Outcome == PipelineRunOutcome.Succeeded);
        Assert.Single(results, r => r.Outcome is PipelineRunOutcome.HeldElsewhere or PipelineRunOutcome.Skipped);
        var winner = results.Single(r => r.Outcome == PipelineRunOutcome.Succeeded);
        Assert.Equal(winner.Run!.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"], await RunCountAsync(a));
        Assert.Equal(1, winner.Run.Claims);
    }

    [Fact]
    public async Task ACrashInsideThePlaybookStep_ThenAResume_RepeatsNoCompletedStep_AndCreatesNoRunTwice()
    {
        var db = Path.Combine(_folder, "resume.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));

        // Host A: its run store fails after storing the day's runs (as a process that dies in the middle of the step).
        await using (var a = Host(db, time, p => p.Configure(o => o.MaxAttempts = 1)))
        {
            var sqlite = (SqlitePlaybookRunStore)a.GetRequiredService<IPlaybookRunStore>();
            var crashing = new PlaybookEngine(DefaultPlaybooks.All, new FailingAfterCreate(sqlite), a.GetRequiredService<BusinessClock>());
            var pipeline = new LifecyclePipeline(new Overriding(a, typeof(PlaybookEngine), crashing), a.GetRequiredService<IOptions<LifecyclePipelineOptions>>(), []);
            var failure = await Assert.ThrowsAsync<PipelineStepFailedException>(() => pipeline.RunAsync(Day));
            Assert.Equal(("playbooks", 1), (failure.Step, failure.Attempts));
        }

        await using var b = Host(db, time);
        var stored = await RunCountAsync(b);
        Assert.True(stored > 0, "the crashed step stored its runs before it died");
        var failed = (await b.GetRequiredService<LifecyclePipeline>().RecentRunsAsync()).Single();
        Assert.Equal(PipelineRunStatus.Failed, failed.Status);
        Assert.Equal(["accounts", "stages", "health", "segments"], failed.Steps.Select(s => s.Step));
        Assert.StartsWith("playbooks: ", failed.Error, StringComparison.Ordinal);

        // Host B resumes: the computing steps are rebuilt, not recorded again; the playbook step runs and finds every
        // run already there; the forecast runs for the first time.
        time.Advance(TimeSpan.FromMinutes(3));
        var resumed = await b.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
        Assert.Equal(PipelineRunOutcome.Succeeded, resumed.Outcome);
        Assert.Equal(2, resumed.Run!.Claims);
        static string Record(PipelineStepRecord r) => $"{r.Step} {r.StartedAt} {r.Took} {r.Attempts} {string.Join(",", r.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))}";
        Assert.Equal(failed.Steps.Select(Record), resumed.Run.Steps.Take(4).Select(Record)); // the completed steps' records, unchanged
        Assert.Equal(0, resumed.Run.Steps.Single(s => s.Step == "playbooks").Counts["runs_created"]);
        Assert.Equal(stored, await RunCountAsync(b));
    }

    [Fact]
    public async Task AStepOfYourOwn_IsRetriedWithBackOff_AndRunsOncePerDate()
    {
        var db = Path.Combine(_folder, "own.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        var calls = 0;
        await using var provider = Host(db, time, p => p.Configure(o => { o.MaxAttempts = 3; o.RetryDelay = TimeSpan.FromSeconds(10); }).AddStep("export", (context, _) =>
        {
            Interlocked.Increment(ref calls);
            return calls < 3 ? throw new IOException("the share is offline") : new ValueTask<IReadOnlyDictionary<string, long>?>(new Dictionary<string, long> { ["rows"] = context.Day.Active.Count });
        }));
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        var running = pipeline.RunAsync(Day);

        // The retries wait 10 s, then 20 s, on the host's time provider. The clock moves a second at a time until the
        // next attempt: the retry's timer may be set a moment after the attempt fails, so a single 10 s step could come
        // before it and leave it waiting forever. No attempt comes before its delay has passed.
        async Task<TimeSpan> AdvanceUntilAttempt(int attempt)
        {
            var advanced = TimeSpan.Zero;
            var real = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref calls) < attempt)
            {
                Assert.True(real.Elapsed < TimeSpan.FromSeconds(60), $"attempt {attempt} did not come within 60 s of real time");
                if (attempt > 1)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                    advanced += TimeSpan.FromSeconds(1);
                }

                await Task.Delay(5);
            }

            return advanced;
        }

        await AdvanceUntilAttempt(1);
        Assert.True(await AdvanceUntilAttempt(2) >= TimeSpan.FromSeconds(10));
        Assert.False(running.IsCompleted);
        Assert.True(await AdvanceUntilAttempt(3) >= TimeSpan.FromSeconds(20));
        var result = await running;
        var export = result.Run!.Steps.Single(s => s.Step == "export");
        Assert.Equal((3, 60L), (export.Attempts, export.Counts["rows"]));
        Assert.Equal(PipelineRunOutcome.Skipped, (await pipeline.RunAsync(Day)).Outcome);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task TheUsageState_IsSavedWithTheDay_AndTheNextDaysInstanceContinuesFromIt()
    {
        var db = Path.Combine(_folder, "usage.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));

        // Day 1 on instance A: 20 logins of the day (the day before's 20 arrive too, also accepted).
        await using (var a = Host(db, time, usage: true))
        {
            var first = await a.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
            Assert.Equal(["accounts", "usage", "stages", "health", "segments", "playbooks", "forecast"], first.Run!.Steps.Select(s => s.Step));
            var step = first.Run.Steps.Single(s => s.Step == "usage").Counts;
            Assert.Equal((40L, 0L), (step["events_accepted"], step["events_duplicate"]));
        }

        // Day 2 on instance B, a new process: its source repeats day 1's 20 events, which B knows from the saved state.
        time.Advance(TimeSpan.FromDays(1));
        await using var b = Host(db, time, usage: true);
        var second = await b.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1));
        var usage = second.Run!.Steps.Single(s => s.Step == "usage").Counts;
        Assert.Equal((20L, 20L), (usage["events_accepted"], usage["events_duplicate"]));
        Assert.Equal(6, second.Day!.Accounts.Single(x => x.Id == new AccountId("acct-000")).Signals.TryGetValue(new SignalKey("logins_30d"), out var logins) ? logins : -1);
        var saved = await b.GetRequiredService<IStateStore>().ReadAsync(LifecyclePipeline.UsageStateKey);
        Assert.Equal(Day.PlusDays(1), saved!.AsOf);
    }

    [Fact]
    public async Task HealthRecordsAndSegmentSnapshots_AreKeptWithTheDay_AndTheNextDaysInstance_ScoresAndComparesAgainstThem()
    {
        var db = Path.Combine(_folder, "health.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        ServiceProvider Instance()
        {
            var collection = new ServiceCollection();
            collection.AddLogging();
            collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id)
                .UseTimeProvider(time)
                .AddHealthScoring(h => h.AddScorecard(Scorecard.CreateBuilder("default").AddFactor(new SignalFactor("input", HealthInput.Signal, PointMapping.Identity), 1).Build()))
                .AddSegmentation(s => s.Add("Falling", "health.change(1) <= -10"))
                .AddSqliteStorage($"Data Source={db}")
                .AddLifecyclePipeline(p => p.UseAccountSource<HealthInput>().Configure(o => o.Schedule = false));
            return collection.BuildServiceProvider();
        }

        // Day 1: steady scores 75 (Green), falling 90 (Green); no snapshot before it, so no changes.
        await using (var first = Instance())
        {
            var day1 = await first.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
            Assert.Equal([HealthColor.Green, HealthColor.Green], day1.Day!.Scores.Select(s => s.Color));
            Assert.Empty(day1.Day.SegmentChanges);
        }

        // Day 2, a new instance: steady scores 69, Yellow by the bands but within the 2-point margin of Green, so it
        // stays Green against yesterday's stored record; falling scores 50, down 40 since yesterday.
        time.Advance(TimeSpan.FromDays(1));
        await using var second = Instance();
        var day2 = await second.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1));
        Assert.Equal([HealthColor.Green, HealthColor.Yellow], day2.Day!.Scores.Select(s => s.Color));
        Assert.Equal([new AccountId("falling")], day2.Day.Segments!.MembersOf("Falling"));
        Assert.Equal(["falling Entered Falling 2026-12-03"], day2.Day.SegmentChanges.Select(c => $"{c.Account} {c.Kind} {c.Segment} {c.Date:uuuu-MM-dd}"));
        Assert.Equal((1L, 0L), (day2.Run!.Steps.Single(s => s.Step == "segments").Counts["entered"], day2.Run.Steps.Single(s => s.Step == "segments").Counts["exited"]));
        Assert.Equal(Day.PlusDays(1), (await second.GetRequiredService<Segmentation.ISegmentSnapshotStore>().LatestAsync(Day.PlusDays(5)))!.Date);
        var history = await second.GetRequiredService<IHealthHistoryStore>().HistoryAsync(new AccountId("steady"), Day, Day.PlusDays(1));
        Assert.Equal([(75.0, HealthColor.Green), (69.0, HealthColor.Green)], history.Select(r => (r.Score!.Value, r.Color!.Value)));

        // An override kept in the store by any instance applies to the next run of every instance.
        await second.GetRequiredService<IHealthOverrideStore>().SetAsync(new HealthOverride(new AccountId("steady"), HealthColor.Red, "dana", "sponsor left", Instant.FromUtc(2026, 12, 3, 12, 0), Instant.FromUtc(2026, 12, 20, 0, 0)));
        time.Advance(TimeSpan.FromDays(1));
        await using var third = Instance();
        var day3 = await third.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(2));
        Assert.Equal((HealthColor.Red, true), (day3.Day!.Scores[0].Color!.Value, day3.Day.Scores[0].IsOverridden));
    }

    [Fact]
    public async Task ALastKnownFactor_FallsBackOnTheStoredReading_OnTheNextDaysInstance()
    {
        var db = Path.Combine(_folder, "lastknown.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        ServiceProvider Instance()
        {
            var collection = new ServiceCollection();
            collection.AddLogging();
            var scorecard = Scorecard.CreateBuilder("default")
                .AddFactor(new SignalFactor("input", HealthInput.Signal, PointMapping.Identity), 1)
                .AddFactor(new SignalFactor("survey", NpsInput.Survey, PointMapping.Identity), 1, missingData: MissingData.LastKnown(Duration.FromDays(10), Duration.FromDays(30)))
                .Build();
            collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id)
                .UseTimeProvider(time)
                .AddHealthScoring(h => h.AddScorecard(scorecard))
                .AddSqliteStorage($"Data Source={db}")
                .AddLifecyclePipeline(p => p.UseAccountSource<NpsInput>().Configure(o => o.Schedule = false));
            return collection.BuildServiceProvider();
        }

        // Day 1: input 50, survey 90: 70. Day 2 on a new instance: the survey is not sent again; its last reading (a day
        // old) still counts, decayed towards neutral, where without it the score would be 50 on half the weight.
        await using (var first = Instance())
        {
            Assert.Equal(70, (await first.GetRequiredService<LifecyclePipeline>().RunAsync(Day)).Day!.Scores[0].Value);
        }

        time.Advance(TimeSpan.FromDays(1));
        await using var second = Instance();
        var score = (await second.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1))).Day!.Scores[0];
        Assert.InRange(score.Value!.Value, 68, 70);
        Assert.InRange(score.Confidence, 0.9, 1);
    }

    [Fact]
    public async Task StageHistories_AreKeptWithTheDay_SoTheNextDaysInstanceStartsFromTheStageReached()
    {
        var db = Path.Combine(_folder, "stages.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        ServiceProvider Instance()
        {
            var collection = new ServiceCollection();
            collection.AddLogging();
            collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id)
                .UseTimeProvider(time)
                .AddSqliteStorage($"Data Source={db}")
                .AddLifecyclePipeline(p => p.UseAccountSource<OnboardingSource>().Configure(o => o.Schedule = false));
            return collection.BuildServiceProvider();
        }

        // Day 1: the CRM says Onboarding, and onboarding is complete: the account moves to Adoption.
        await using (var first = Instance())
        {
            var day1 = await first.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
            Assert.Equal([(new AccountId("acme"), DefaultLifecycleStages.Onboarding, DefaultLifecycleStages.Adoption)], day1.Day!.StageMoves);
        }

        // Day 2, a new instance: the CRM still says Onboarding (and no longer sends the signal); the stored history says
        // Adoption, and that is where the account stays, with no move and its two transitions.
        time.Advance(TimeSpan.FromDays(1));
        await using var second = Instance();
        var day2 = await second.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1));
        Assert.Empty(day2.Day!.StageMoves);
        Assert.Equal(DefaultLifecycleStages.Adoption, Assert.Single(day2.Day.Accounts).Stage);
        var stored = await second.GetRequiredService<IStageHistoryStore>().LoadAsync([new AccountId("acme")]);
        Assert.Equal([StageTransitionKind.Initial, StageTransitionKind.Automatic], stored[new AccountId("acme")].Select(t => t.Kind));
    }

    [Fact]
    public async Task TheHealthCheck_IsUnhealthyUntilARunSucceeds_AndAgainWhenTheLastIsTooOld()
    {
        var db = Path.Combine(_folder, "health.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        await using var provider = Host(db, time, services: s => s.AddHealthChecks().AddLifecyclePipelineCheck());
        var checks = provider.GetRequiredService<HealthCheckService>();
        var before = await checks.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Contains("has not succeeded yet", before.Entries["customerlifecycle-pipeline"].Description, StringComparison.Ordinal);

        await provider.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
        Assert.Equal(HealthStatus.Healthy, (await checks.CheckHealthAsync()).Status);

        time.Advance(TimeSpan.FromHours(27));
        var stale = await checks.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, stale.Status);
        Assert.Contains("finished 27 hours ago, longer than 26 hours", stale.Entries["customerlifecycle-pipeline"].Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHostedService_RunsAtSixLocal_AcrossSpringForward()
    {
        var db = Path.Combine(_folder, "schedule.db");
        var time = At(Instant.FromUtc(2027, 3, 13, 10, 0)); // 05:00 EST, the day before the change
        await using var provider = Host(db, time, schedule: true);
        var service = provider.GetServices<IHostedService>().OfType<LifecyclePipelineService>().Single();
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        await service.StartAsync(CancellationToken.None);
        try
        {
            async Task<IReadOnlyList<PipelineRunRecord>> SucceededAsync(int count)
            {
                // Real time for the hosted service's work to finish (a loaded CI machine runs other test assemblies
                // at once); returns as soon as the runs are there.
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (waited.Elapsed < TimeSpan.FromSeconds(90))
                {
                    var runs = await pipeline.RecentRunsAsync();
                    if (runs.Count(r => r.Status == PipelineRunStatus.Succeeded) >= count)
                    {
                        return runs;
                    }

                    await Task.Delay(5);
                }

                return await pipeline.RecentRunsAsync();
            }

            time.Advance(TimeSpan.FromMinutes(59));
            await Task.Delay(100);
            Assert.Empty(await pipeline.RecentRunsAsync()); // 05:59 EST: not yet

            time.Advance(TimeSpan.FromMinutes(1)); // 06:00 EST = 11:00 UTC
            var first = Assert.Single(await SucceededAsync(1));
            Assert.Equal((new LocalDate(2027, 3, 13), Instant.FromUtc(2027, 3, 13, 11, 0)), (first.Date, first.StartedAt));

            time.Advance(TimeSpan.FromHours(23)); // 06:00 EDT = 10:00 UTC, 23 hours later
            var second = (await SucceededAsync(2))[0];
            Assert.Equal((new LocalDate(2027, 3, 14), Instant.FromUtc(2027, 3, 14, 10, 0)), (second.Date, second.StartedAt));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ADateHeldByADeadInstance_IsTakenOverAfterItsLease_AndCompleted()
    {
        // Issue 30: an instance claimed the date and died (its lease stands, its run stays Running). The survivor's
        // hosted service used to log "skipped" and wait for the next day; it must wait for the lease, then resume.
        var db = Path.Combine(_folder, "dead.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 30)); // 06:30 New York: the day is due at start
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        await using var provider = Host(db, time, schedule: true,
            services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)));
        var ledger = provider.GetRequiredService<IPipelineRunStore>();
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        Assert.NotNull(await ledger.TryClaimAsync("daily", Day, "dead-instance", now, Duration.FromMinutes(10)));

        // Called directly, the refusal says who holds the date and until when; it is not "skipped".
        var refused = await provider.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
        Assert.Equal(PipelineRunOutcome.HeldElsewhere, refused.Outcome);
        Assert.Equal(("dead-instance", now + Duration.FromMinutes(10)), (refused.Run!.Owner, refused.Run.LeaseUntil));

        var service = provider.GetServices<IHostedService>().OfType<LifecyclePipelineService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 2000 && logs.GetSnapshot().Count(r => r.Id.Id == 5011) < 2; i++)
            {
                await Task.Delay(5);
            }

            Assert.Equal(2, logs.GetSnapshot().Count(r => r.Id.Id == 5011));
            Assert.Equal(PipelineRunStatus.Running, (await ledger.FindAsync("daily", Day))!.Status);

            time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1)); // just past the dead instance's lease
            for (var i = 0; i < 2000 && (await ledger.FindAsync("daily", Day))!.Status != PipelineRunStatus.Succeeded; i++)
            {
                await Task.Delay(5);

                // Time goes on. The service retries a second after the later of the lease's end and now: had it read
                // "now" just after the advance (a loaded machine), it waits one second more, which a frozen clock never
                // gives (seen in CI).
                if (i % 20 == 19)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                }
            }

            var run = (await ledger.FindAsync("daily", Day))!;
            Assert.Equal((PipelineRunStatus.Succeeded, 2), (run.Status, run.Claims));
            Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Id == 5006);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AnExceptionOutsideTheRetriedStep_EndsTheRunFailed_NotRunning()
    {
        // A ledger that throws while recording a completed step (not a step's own failure): the run used to stay
        // Running in the ledger until its lease expired.
        var db = Path.Combine(_folder, "throws.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        var inner = new InMemoryPipelineRunStore();
        await using var provider = Host(db, time, pipeline: p => p.Services.Replace(ServiceDescriptor.Singleton<IPipelineRunStore>(new ThrowingOnStep(inner))));
        var error = await Assert.ThrowsAsync<ArithmeticException>(() => provider.GetRequiredService<LifecyclePipeline>().RunAsync(Day));
        var run = (await inner.FindAsync("daily", Day))!;
        Assert.Equal((PipelineRunStatus.Failed, error.Message), (run.Status, run.Error));
    }

    private sealed class ThrowingOnStep(IPipelineRunStore inner) : IPipelineRunStore
    {
        public ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default) => inner.TryClaimAsync(pipeline, date, owner, now, lease, rerun, cancellationToken);

        public ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default) => throw new ArithmeticException("an overflow outside any step");

        public ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default) => inner.FinishAsync(pipeline, date, owner, status, error, at, cancellationToken);

        public ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default) => inner.RecentRunsAsync(pipeline, limit, cancellationToken);

        public ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default) => inner.FindAsync(pipeline, date, cancellationToken);
    }

    [Theory]
    [InlineData(100, "01:00:00", "00:10:00")]
    [InlineData(3, "00:06:00", "00:10:00")]
    [InlineData(14, "00:00:30", "1.00:00:00")]
    public void RetryDelayDoubledPastTheLease_IsRefusedAtStartUp_NamingBothKeys(int attempts, string delay, string lease)
    {
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 0));
        using var provider = Host(Path.Combine(_folder, "retry.db"), time, p => p.Configure(o =>
        {
            o.MaxAttempts = attempts;
            o.RetryDelay = TimeSpan.Parse(delay, System.Globalization.CultureInfo.InvariantCulture);
            o.Lease = TimeSpan.Parse(lease, System.Globalization.CultureInfo.InvariantCulture);
        }));
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LifecyclePipelineOptions>>().Value);
        Assert.Contains($"RetryDelay and MaxAttempts: {delay} doubled before each of {attempts} attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("the longest wait must be shorter than the lease", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutASchedule_AMissingAccountSource_StopsTheHostStarting()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id).AddLifecyclePipeline(p => p.Configure(o => o.Schedule = false));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().Single();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => hosted.StartAsync(CancellationToken.None));
        Assert.Contains("The pipeline reads accounts from an IAccountSource; register one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALedgerThatCannotBeReached_IsLoggedAndTriedAgain_WithoutStoppingTheHost()
    {
        var db = Path.Combine(_folder, "flaky.db");
        var time = At(Instant.FromUtc(2026, 12, 2, 11, 30)); // 06:30 New York: the day is due at start
        var ledger = new UnreachableOnce(new InMemoryPipelineRunStore());
        var logs = new Microsoft.Extensions.Logging.Testing.FakeLogCollector();
        await using var provider = Host(db, time, schedule: true,
            pipeline: p => p.Services.Replace(ServiceDescriptor.Singleton<IPipelineRunStore>(ledger)),
            services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider(logs)));
        var service = provider.GetServices<IHostedService>().OfType<LifecyclePipelineService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 2000 && !logs.GetSnapshot().Any(r => r.Id.Id == 5010); i++)
            {
                await Task.Delay(5);
            }

            var error = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 5010);
            Assert.Equal("Pipeline daily could not run 2026-12-02 (its ledger or a store failed); it tries again after a lease period", error.Message);
            Assert.NotNull(service.ExecuteTask);
            Assert.False(service.ExecuteTask!.IsCompleted); // the host keeps running

            time.Advance(TimeSpan.FromMinutes(10)); // one lease later
            for (var i = 0; i < 2000 && !(await ledger.RecentRunsAsync("daily", 1)).Any(r => r.Status == PipelineRunStatus.Succeeded); i++)
            {
                await Task.Delay(5);
            }

            Assert.Equal(PipelineRunStatus.Succeeded, Assert.Single(await ledger.RecentRunsAsync("daily", 5)).Status);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A ledger whose first claim fails, as a database that is restarting.</summary>
    /// <summary>Two accounts whose only signal is the score itself: steady 75 then 69, falling 90 then 50.</summary>
    private sealed class HealthInput : IAccountSource
    {
        public static readonly SignalKey Signal = new("health_input");

        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            var first = date == Day;
            yield return new Account { Id = new AccountId("steady"), Name = "Steady", Signals = SignalSet.Create([new(Signal, first ? 75 : 69)]) };
            yield return new Account { Id = new AccountId("falling"), Name = "Falling", Signals = SignalSet.Create([new(Signal, first ? 90 : 50)]) };
        }
    }

    /// <summary>One account: input 50 each day, a survey answer of 90 on the first day only.</summary>
    private sealed class NpsInput : IAccountSource
    {
        public static readonly SignalKey Survey = new("survey_input");

        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new Account { Id = new AccountId("acme"), Name = "Acme", Signals = date == Day ? SignalSet.Create([new(HealthInput.Signal, 50), new(Survey, 90)]) : SignalSet.Create([new(HealthInput.Signal, 50)]) };
        }
    }

    /// <summary>One account the CRM reports in Onboarding, with onboarding complete on the first day only.</summary>
    private sealed class OnboardingSource : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new Account
            {
                Id = new AccountId("acme"),
                Name = "Acme",
                Stage = DefaultLifecycleStages.Onboarding,
                CustomerSince = new LocalDate(2026, 10, 1),
                Contract = new Contract(new LocalDate(2026, 10, 1), new LocalDate(2027, 10, 1), new Money(12_000, "USD"), 10),
                Signals = SignalSet.Create([new(WellKnownSignals.OnboardingCompletion, date == Day ? 1 : 0)]),
            };
        }
    }

    private sealed class ChurnedTheNextDay : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var account in Portfolio())
            {
                await Task.Yield();
                yield return date > Day ? account with { Stage = DefaultLifecycleStages.Churned } : account;
            }
        }
    }

    private sealed class UnreachableOnce(IPipelineRunStore inner) : IPipelineRunStore
    {
        private int _claims;

        public ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _claims) == 1 ? throw new InvalidOperationException("The database is restarting.") : inner.TryClaimAsync(pipeline, date, owner, now, lease, rerun, cancellationToken);

        public ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default) => inner.CompleteStepAsync(pipeline, date, owner, step, now, lease, cancellationToken);

        public ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default) => inner.FinishAsync(pipeline, date, owner, status, error, at, cancellationToken);

        public ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default) => inner.RecentRunsAsync(pipeline, limit, cancellationToken);

        public ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default) => inner.FindAsync(pipeline, date, cancellationToken);
    }

    /// <summary>Stores the runs, then fails: a process that dies in the middle of the playbook step.</summary>
    private sealed class FailingAfterCreate(IPlaybookRunStore inner) : DelegatingRunStore(inner)
    {
        public override async ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
        {
            await base.TryCreateAsync(requests, cancellationToken);
            throw new IOException("the process died after storing the runs");
        }
    }

    /// <summary>The host's services with one replaced.</summary>
    private sealed class Overriding(IServiceProvider inner, Type type, object instance) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == type ? instance : inner.GetService(serviceType);
    }
}
