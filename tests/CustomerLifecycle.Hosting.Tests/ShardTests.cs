using System.Runtime.CompilerServices;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>
/// The pipeline in shards, several instances on one SQLite file: every store and the forecast end as one instance in
/// one shard leaves them, a dead instance's shard is resumed after its lease, and the shard count may change between
/// dates.
/// </summary>
public sealed class ShardTests : IDisposable
{
    private static readonly LocalDate Day = new(2026, 12, 2);
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-shards-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ThreeInstancesInEightShards_LeaveEveryStoreAndTheForecast_AsOneInstanceDoes()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        var single = Path.Combine(_folder, "single.db");
        var sharded = Path.Combine(_folder, "sharded.db");
        await using var one = Instance(single, time, shards: 1, usage: true);
        await using var a = Instance(sharded, time, shards: 8, usage: true);
        await using var b = Instance(sharded, time, shards: 8, usage: true);
        await using var c = Instance(sharded, time, shards: 8, usage: true);
        for (var d = 0; d < 3; d++)
        {
            var date = Day.PlusDays(d);
            var alone = await one.GetRequiredService<LifecyclePipeline>().RunAsync(date);
            var together = await Task.WhenAll(new[] { a, b, c }.Select(p => Task.Run(() => p.GetRequiredService<LifecyclePipeline>().RunAsync(date))));

            // The instance that found every shard done ran the portfolio-wide steps; the others found shards (or the
            // portfolio-wide run) held, or the date done.
            var last = Assert.Single(together, r => r.Outcome == PipelineRunOutcome.Succeeded);
            Assert.All(together.Where(r => r != last), r => Assert.Contains(r.Outcome, new[] { PipelineRunOutcome.HeldElsewhere, PipelineRunOutcome.Skipped }));
            Assert.Equal(["shards", "forecast"], last.Run!.Steps.Select(s => s.Step));
            Assert.Equal(8, last.Day!.ShardRuns.Count);
            Assert.All(last.Day.ShardRuns, r => Assert.Equal(PipelineRunStatus.Succeeded, r.Status));

            // The shards' counts add up to the single run's, step by step (segment sizes, colors, runs created).
            var sums = last.Run.Steps[0].Counts;
            foreach (var step in alone.Run!.Steps.Where(s => s.Step != "forecast"))
            {
                foreach (var (name, value) in step.Counts)
                {
                    Assert.True(sums.TryGetValue($"{step.Step}.{name}", out var sum), $"{step.Step}.{name} is summed");
                    Assert.True(value == sum, $"{date}: {step.Step}.{name} is {value} in one shard, {sum} summed over eight");
                }
            }

            // The forecast combined from the shards' parts is the single run's: totals to the decimal, the same lines,
            // and the same simulated range for the same seed.
            var whole = alone.Day!.Forecast!;
            var combined = last.Day.Forecast!;
            Assert.True(whole.Lines.Count > 10, "the portfolio has renewals next quarter");
            Assert.Equal(whole.Total, combined.Total);
            Assert.Equal(whole.ByOwner.Select(g => (g.Key, g.ByCurrency[0])), combined.ByOwner.Select(g => (g.Key, g.ByCurrency[0])));
            Assert.Equal(whole.Lines.OrderBy(l => l.Account.Value, StringComparer.Ordinal), combined.Lines.OrderBy(l => l.Account.Value, StringComparer.Ordinal));
            var (p, q) = (RenewalSimulation.Run(whole, 2_000, seed: 7), RenewalSimulation.Run(combined, 2_000, seed: 7));
            Assert.Equal(p.Revenue, q.Revenue);
            Assert.Equal(p.ChurnedLogos, q.ChurnedLogos);

            // Every store holds what the single instance's holds: health records, segment snapshots, stage histories,
            // playbook runs with their tasks, and trigger states.
            AssertSame(await DumpAsync(one, date), await DumpAsync(a, date));
        }

        // Run again: the date is done, nothing more is created.
        var again = await b.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
        Assert.Equal(PipelineRunOutcome.Skipped, again.Outcome);
    }

    [Fact]
    public async Task ADeadInstancesShard_IsTakenOverAfterItsLease_AndResumedAfterItsLastCompletedStep()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        await using var one = Instance(Path.Combine(_folder, "single.db"), time, shards: 1);
        await using var b = Instance(Path.Combine(_folder, "sharded.db"), time, shards: 4, services: s => s.AddHealthChecks().AddLifecyclePipelineCheck());
        var pipeline = b.GetRequiredService<LifecyclePipeline>();
        var alone = await one.GetRequiredService<LifecyclePipeline>().RunAsync(Day);

        // An instance claimed shard 2, completed its first two steps, and died (its lease is left to run out).
        var ledger = b.GetRequiredService<IPipelineRunStore>();
        var name = LifecyclePipeline.ShardRunName("daily", new AccountShard(2, 4));
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        Assert.NotNull(await ledger.TryClaimAsync(name, Day, "dead", now, Duration.FromMinutes(10)));
        foreach (var step in new[] { "accounts", "stages" })
        {
            Assert.True(await ledger.CompleteStepAsync(name, Day, "dead", new PipelineStepRecord(step, now, Duration.Zero, 1, new Dictionary<string, long>()), now, Duration.FromMinutes(10)));
        }

        // B runs the other three shards, and waits for the dead one's lease.
        var first = await pipeline.RunAsync(Day);
        Assert.Equal(PipelineRunOutcome.HeldElsewhere, first.Outcome);
        Assert.Equal(("dead", now + Duration.FromMinutes(10)), (first.Run!.Owner, first.Run.LeaseUntil));
        var shards = await pipeline.ShardRunsAsync(Day);
        Assert.Equal([PipelineRunStatus.Succeeded, PipelineRunStatus.Succeeded, PipelineRunStatus.Running, PipelineRunStatus.Succeeded], shards.Select(r => r!.Status));
        var health = (await b.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;
        Assert.Equal((4, 3, "2 by dead", 0, 0, 0), ((int)health.Data["shards"], (int)health.Data["shards_succeeded"], (string)health.Data["shards_running"], (int)health.Data["shards_failed"], (int)health.Data["shards_resumed"], (int)health.Data["shards_unclaimed"]));

        // After the lease: B takes shard 2 over (a second claim), keeps the dead instance's completed steps, runs the
        // rest, and then the portfolio-wide steps.
        time.Advance(TimeSpan.FromMinutes(11));
        var second = await pipeline.RunAsync(Day);
        Assert.Equal(PipelineRunOutcome.Succeeded, second.Outcome);
        var resumed = second.Day!.ShardRuns[2];
        Assert.Equal((2, "dead"), (resumed.Claims, resumed.Steps[0].StartedAt == now ? "dead" : "b"));
        Assert.Equal(1, second.Run!.Steps[0].Counts["resumed"]);
        health = (await b.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;
        Assert.Equal((HealthStatus.Healthy, 4, 1), (health.Status, (int)health.Data["shards_succeeded"], (int)health.Data["shards_resumed"]));

        Assert.Equal(alone.Day!.Forecast!.Total, second.Day.Forecast!.Total);
        // The shard taken over was scored and its runs created 11 minutes later: the same records, at another instant.
        AssertSame(await DumpAsync(one, Day, instants: false), await DumpAsync(b, Day, instants: false));
    }

    [Fact]
    public async Task AShardCountChangedBetweenDates_StartsNoRunTwice_AndLosesNoHistory()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        var single = Path.Combine(_folder, "single.db");
        var sharded = Path.Combine(_folder, "sharded.db");
        await using var one = Instance(single, time, shards: 1);
        int[] counts = [4, 3, 1, 16];
        for (var d = 0; d < counts.Length; d++)
        {
            var date = Day.PlusDays(d);
            await one.GetRequiredService<LifecyclePipeline>().RunAsync(date);
            await using (var instance = Instance(sharded, time, shards: counts[d]))
            {
                var result = await instance.GetRequiredService<LifecyclePipeline>().RunAsync(date);
                Assert.Equal(PipelineRunOutcome.Succeeded, result.Outcome);
            }

            await using var reader = Instance(sharded, time, shards: 1);
            AssertSame(await DumpAsync(one, date), await DumpAsync(reader, date));
        }
    }

    [Fact]
    public async Task AShardCountChanged_WithUsageIngestedInProcess_IsRefusedBeforeAnythingIsIngested_NamingBothCounts()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        var db = Path.Combine(_folder, "usage.db");
        await using (var four = Instance(db, time, shards: 4, usage: true))
        {
            Assert.Equal(PipelineRunOutcome.Succeeded, (await four.GetRequiredService<LifecyclePipeline>().RunAsync(Day)).Outcome);
        }

        await using var three = Instance(db, time, shards: 3, usage: true, attempts: 1);
        var failure = await Assert.ThrowsAsync<PipelineStepFailedException>(() => three.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1)));
        Assert.Equal("usage", failure.Step);
        Assert.Contains("kept for 4 shard(s), and the pipeline now runs in 3", failure.InnerException!.Message, StringComparison.Ordinal);
        var state = await three.GetRequiredService<IStateStore>().ReadAsync("usage#0/4");
        Assert.Equal(Day, state!.AsOf);
    }

    [Fact]
    public async Task APushedDownAccountSource_ThatGivesAnAccountOfAnotherShard_IsRefused_NamingIt()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        await using var provider = Instance(Path.Combine(_folder, "pushed.db"), time, shards: 2, attempts: 1, services: s =>
        {
            s.AddSingleton<IAccountSource, CarelessShardSource>();
            s.AddHealthChecks().AddLifecyclePipelineCheck();
        });
        var failure = await Assert.ThrowsAsync<PipelineStepFailedException>(() => provider.GetRequiredService<LifecyclePipeline>().RunAsync(Day));
        Assert.Equal("accounts", failure.Step);
        Assert.Matches(@"gave account 'shard-\d+' for shard \d/2, but it is in shard \d/2", failure.InnerException!.Message);

        // The health check counts the failed shard (Unhealthy first: no date has succeeded yet).
        var health = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;
        Assert.Equal((HealthStatus.Unhealthy, 1, 1), (health.Status, (int)health.Data["shards_failed"], (int)health.Data["shards_unclaimed"]));
    }

    [Fact]
    public async Task AFailedShardOfToday_MakesTheHealthCheckDegraded_NamingTheShardAndTheError()
    {
        // Yesterday succeeded in two shards; today's source gives one shard an account of the other.
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        await using var provider = Instance(Path.Combine(_folder, "degraded.db"), time, shards: 2, attempts: 1, services: s =>
        {
            s.AddSingleton<IAccountSource, CarelessOnTheDay>();
            s.AddHealthChecks().AddLifecyclePipelineCheck();
        });
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        Assert.Equal(PipelineRunOutcome.Succeeded, (await pipeline.RunAsync(Day.PlusDays(-1))).Outcome);
        await Assert.ThrowsAsync<PipelineStepFailedException>(() => pipeline.RunAsync(Day));

        var health = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries.Single().Value;
        Assert.Equal((HealthStatus.Degraded, 1), (health.Status, (int)health.Data["shards_failed"]));
        Assert.Matches(@"^Shard \d/2 of the pipeline's run for 2026-12-02 failed: accounts: The account source gave account 'shard-\d+' for shard", health.Description);
    }

    [Fact]
    public void ABatchSourceThatCannotReadOneShard_WithUsageInProcess_StopsThePipelineBeingMade_NamingIt()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        using var provider = Instance(Path.Combine(_folder, "batches.db"), time, shards: 4, usage: true, services: s =>
        {
            s.RemoveAll<IUsageEventSource>();
            s.AddSingleton<IUsageBatchSource, UsageBatchTests.LoginBatches>();
        });
        var refused = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<LifecyclePipeline>());
        Assert.Equal("The pipeline runs in 4 shards, and its usage batch source (LoginBatches) cannot read one shard's events: implement IShardedUsageBatchSource (batches carry no account objects to filter), or run in one shard.", refused.Message);
    }

    [Fact]
    public async Task OneInstanceRunningThreeShardsAtOnce_LeavesEveryStore_AsOneShardDoes()
    {
        // A per-shard step of our own counts the shards running at once: three walkers over eight shards overlap.
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        var (running, most) = (0, 0);
        void Probe(IServiceCollection s) => s.AddSingleton(new PipelineStepRegistration("probe", async (_, ct) =>
        {
            // Until three shards have been in this step at once, each waits here (up to 2 s) for the others to come:
            // walkers drift apart on a loaded machine, and one walker never brings a second.
            InterlockedMax(ref most, Interlocked.Increment(ref running));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref most) < 3 && watch.Elapsed < TimeSpan.FromSeconds(2))
            {
                await Task.Delay(10, ct);
            }

            Interlocked.Decrement(ref running);
            return null;
        }));
        await using var one = Instance(Path.Combine(_folder, "single.db"), time, shards: 1, services: Probe);
        await using var three = Instance(Path.Combine(_folder, "concurrent.db"), time, shards: 8, concurrency: 3, services: Probe);
        for (var d = 0; d < 2; d++)
        {
            var date = Day.PlusDays(d);
            // These accounts' triggers flip from day to day: in a shard of 30 accounts more than half the open runs
            // may end at once, which the share of the whole portfolio would not show.
            var request = new PipelineRunRequest { Date = date, AllowMassCancellation = true };
            var alone = await one.GetRequiredService<LifecyclePipeline>().RunAsync(request);
            most = 0;
            var result = await three.GetRequiredService<LifecyclePipeline>().RunAsync(request);
            Assert.Equal(PipelineRunOutcome.Succeeded, result.Outcome);
            Assert.Equal(3, most);
            Assert.All(result.Day!.ShardRuns, r => Assert.Equal((PipelineRunStatus.Succeeded, 1), (r.Status, r.Claims)));
            Assert.Equal(alone.Day!.Forecast!.Total, result.Day.Forecast!.Total);
            AssertSame(await DumpAsync(one, date), await DumpAsync(three, date));
        }
    }

    [Fact]
    public void ShardsRunAtOnce_WithUsageIngestedInProcess_StopThePipelineBeingMade_SayingWhy()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        using var provider = Instance(Path.Combine(_folder, "usage.db"), time, shards: 4, usage: true, concurrency: 2);
        var refused = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<LifecyclePipeline>());
        Assert.Equal("The pipeline runs 2 shards at once (LifecyclePipelineOptions.ShardConcurrency), and ingests usage in process: its one UsageAggregator holds one shard's state at a time. Run one shard at a time, or compute usage where the events are (an IUsageSignalSource).", refused.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void AShardConcurrencyOutOfRange_IsRefusedAtStartUp_NamingTheKey(int concurrency)
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        using var provider = Instance(Path.Combine(_folder, "range.db"), time, shards: 4, concurrency: concurrency);
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<LifecyclePipelineOptions>>().Value);
        Assert.Contains($"ShardConcurrency: {concurrency} is out of range; from 1 to 64.", error.Message, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static ServiceProvider Instance(string database, FakeTimeProvider time, int shards, bool usage = false, int attempts = 3, Action<IServiceCollection>? services = null, int concurrency = 1)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        var lifecycle = collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id);
        if (usage)
        {
            lifecycle.AddUsage(u => u.Count("logins_30d", 30, "user.login"));
        }

        lifecycle
            .UseTimeProvider(time)
            .AddHealthScoring()
            .AddSegmentation(s => s.Add("Falling", "health.change(1) <= -5").Add("Big", "contract.arr >= 150000"))
            .AddForecasting()
            .AddPlaybooks()
            .AddSqliteStorage($"Data Source={database}")
            .AddLifecyclePipeline(p =>
            {
                if (usage)
                {
                    p.UseUsageEvents<Events>();
                }

                p.UseAccountSource<Source>().Configure(o =>
                {
                    o.Schedule = false;
                    o.RetryDelay = TimeSpan.Zero;
                    o.MaxAttempts = attempts;
                    o.Shards = shards;
                    o.ShardConcurrency = concurrency;
                });
            });
        services?.Invoke(collection);
        return collection.BuildServiceProvider();
    }

    private static void AssertSame(string[] single, string[] sharded)
    {
        var missing = single.Except(sharded, StringComparer.Ordinal).Take(5).ToArray();
        var extra = sharded.Except(single, StringComparer.Ordinal).Take(5).ToArray();
        Assert.True(missing.Length == 0 && extra.Length == 0, $"only in the single run: {string.Join(" | ", missing)}\nonly in the sharded run: {string.Join(" | ", extra)}");
        Assert.Equal(single.Length, sharded.Length);
        Assert.True(single.Length > 1000, $"the stores hold {single.Length} lines");
    }

    /// <summary>Everything the stores hold about the portfolio, as sorted lines: what one instance and many must agree on.</summary>
    private static async Task<string[]> DumpAsync(ServiceProvider provider, LocalDate date, bool instants = true)
    {
        var lines = new List<string>();
        var ids = Accounts(date).Select(a => a.Id).ToArray();
        var health = provider.GetRequiredService<IHealthHistoryStore>();
        foreach (var id in ids)
        {
            foreach (var r in await health.HistoryAsync(id, Day, date))
            {
                lines.Add($"health {r.Account} {r.Date} {(instants ? r.ScoredAt : null)} {r.Score:R} {r.Color} {r.CalculatedColor} {r.Confidence:R} {r.ScorecardId} {string.Join(';', r.Factors.Select(f => $"{f.Factor}={f.RawValue:R}:{f.Points:R}:{f.Contribution:R}:{f.ObservedAt}"))}");
            }
        }

        var snapshots = provider.GetRequiredService<ISegmentSnapshotStore>();
        for (var d = Day; d <= date; d = d.PlusDays(1))
        {
            var snapshot = await snapshots.LatestAsync(d);
            lines.AddRange(snapshot!.Members.Select(m => $"segments {snapshot.Date} {m.Key} {string.Join(',', m.Value)}"));
        }

        foreach (var (id, transitions) in await provider.GetRequiredService<IStageHistoryStore>().LoadAsync(ids))
        {
            lines.AddRange(transitions.Select((t, i) => $"stage {id} {i} {t.From} {t.To} {(instants ? t.At : null)} {t.Kind} {t.Actor} {t.Reason}"));
        }

        var store = (SqlitePlaybookRunStore)provider.GetRequiredService<IPlaybookRunStore>();
        foreach (var run in await store.AllRunsAsync())
        {
            lines.Add($"run {run.Id} {run.PlaybookId} {run.Account} {run.OccurrenceKey} {run.TriggeredOn} {(instants ? run.CreatedAt : null)} {run.Status}");
            lines.AddRange(run.Tasks.Select(t => $"task {t.Id} {t.Title} {t.OwnerRole} {t.Owner} {t.Channel} {t.Priority} {t.Due}"));
        }

        lines.AddRange((await store.TriggerStatesAsync()).Select(s => $"state {s.Key.PlaybookId} {s.Key.Account} {s.Value.Holds} {s.Value.Since}"));
        lines.Sort(StringComparer.Ordinal);
        return [.. lines];
    }

    /// <summary>
    /// 240 accounts whose signals move from day to day (each on its own phase), so colors change, segments are entered
    /// and left, and playbooks start and end; a fifth of them in Onboarding with a finished onboarding (so they move to
    /// Adoption), one in twelve churned from the second day, and renewals spread over the next quarter.
    /// </summary>
    private static IEnumerable<Account> Accounts(LocalDate date)
    {
        var day = date.DayOfYear;
        return Enumerable.Range(0, 240).Select(i =>
        {
            var phase = ((i * 7) + day) % 10;
            return new Account
            {
                Id = new AccountId($"shard-{i}"),
                Name = $"Account {i}",
                Owner = $"csm-{i % 6}",
                Stage = i % 12 == 5 && date > Day ? DefaultLifecycleStages.Churned : i % 5 == 0 ? DefaultLifecycleStages.Onboarding : DefaultLifecycleStages.Adoption,
                CustomerSince = new LocalDate(2025, 1, 1).PlusDays(i),
                Contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1).PlusDays(i % 150), new Money(10_000 + (i * 997.13m), i % 9 == 0 ? "EUR" : "USD"), 20),
                Signals = SignalSet.Create([
                    new(WellKnownSignals.Logins30Days, phase * 45),
                    new(WellKnownSignals.ActiveSeats, 2 + (phase * 2)),
                    new(WellKnownSignals.Nps, phase),
                    new(WellKnownSignals.UnresolvedTickets, 9 - phase),
                    new(WellKnownSignals.HighSeverityTickets, phase < 3 ? 3 : 0),
                    new(WellKnownSignals.OnboardingCompletion, i % 10 == 0 ? 1 : 0.5)]),
            };
        });
    }

    public sealed class Source : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var account in Accounts(date))
            {
                yield return account;
            }
        }
    }

    /// <summary>A pushed-down source that gives every account to every shard.</summary>
    public sealed class CarelessShardSource : IShardedAccountSource
    {
        public IAsyncEnumerable<Account> ReadAsync(LocalDate date, CancellationToken cancellationToken) => new Source().ReadAsync(date, cancellationToken);

        public IAsyncEnumerable<Account> ReadAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken) => new Source().ReadAsync(date, cancellationToken);
    }

    /// <summary>A pushed-down source that reads one shard as it should until the test's day, when it gives every shard every account.</summary>
    public sealed class CarelessOnTheDay : IShardedAccountSource
    {
        public IAsyncEnumerable<Account> ReadAsync(LocalDate date, CancellationToken cancellationToken) => new Source().ReadAsync(date, cancellationToken);

        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, AccountShard shard, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var account in new Source().ReadAsync(date, cancellationToken))
            {
                if (date == Day || shard.Contains(account.Id))
                {
                    yield return account;
                }
            }
        }
    }

    /// <summary>Each date, logins by the first forty accounts, more on some days than others; and the day before's again (a source that repeats).</summary>
    public sealed class Events : IUsageEventSource
    {
        public async IAsyncEnumerable<Usage.UsageEvent> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var day in new[] { date.PlusDays(-1), date })
            {
                for (var i = 0; i < 40; i++)
                {
                    for (var n = 0; n < 1 + ((i + day.Day) % 4); n++)
                    {
                        yield return new($"{day:uuuu-MM-dd}-{i}-{n}", new AccountId($"shard-{i}"), $"user{n}", "user.login", day.AtStartOfDayInZone(NewYork).ToInstant() + Duration.FromHours(1 + n));
                    }
                }
            }
        }
    }
}
