using CustomerLifecycle.HealthScoring;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

public sealed class EngineTests
{
    [Fact]
    public async Task RepeatedEvaluation_CreatesNothingTwice()
    {
        var store = new InMemoryPlaybookRunStore();
        var handler = new RecordingHandler();
        var engine = new PlaybookEngine([Save], store, Clock(), [handler]);
        var before = Portfolio(Day0, Snap("a", HealthColor.Green));
        var after = Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red));
        Assert.Single((await engine.EvaluateAsync(before, after)).Created);
        Assert.Empty((await engine.EvaluateAsync(before, after)).Created);
        Assert.Empty((await engine.EvaluateAsync(after, Portfolio(Day0.PlusDays(2), Snap("a", HealthColor.Red)))).Created);
        Assert.Equal(2, handler.Received.Count);
        Assert.Single(store.AllRuns());
    }

    [Fact]
    public async Task EachAccount_IsComparedWithItsOwnEarlierSnapshot_WhateverTheOrderOfTheTwoDays()
    {
        // The engine looks at the same position in the earlier day first: accounts listed in another order, or
        // shifted by a new one, must still meet their own yesterday.
        var before = Portfolio(Day0, Snap("a", HealthColor.Green), Snap("b", HealthColor.Red), Snap("c", HealthColor.Green));
        var after = Portfolio(Day0.PlusDays(1), Snap("d", HealthColor.Green), Snap("c", HealthColor.Green), Snap("b", HealthColor.Red), Snap("a", HealthColor.Red));
        var result = await new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock()).EvaluateAsync(before, after);
        Assert.Equal([new AccountId("a")], result.Created.Select(r => r.Account));

        var sameOrder = Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Red), Snap("b", HealthColor.Red), Snap("c", HealthColor.Red));
        var again = await new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock()).EvaluateAsync(before, sameOrder);
        Assert.Equal(["a", "c"], again.Created.Select(r => r.Account.Value).Order());
    }

    [Fact]
    public async Task DueDates_FollowTheStepOffsets_AndSkipWeekendsAndHolidays()
    {
        var calendar = new BusinessCalendar(holidays: [new LocalDate(2026, 11, 16)]);
        var engine = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock(), calendar: calendar);
        var result = await engine.EvaluateAsync(null, Portfolio(new LocalDate(2026, 11, 5), Snap("a", HealthColor.Red))); // a Thursday
        // +2 days is Saturday → Monday 9th; +14 days is Thursday 19th.
        Assert.Equal([new LocalDate(2026, 11, 9), new LocalDate(2026, 11, 19)], result.Created[0].Tasks.Select(t => t.Due));
        var onHoliday = await new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock(), calendar: calendar).EvaluateAsync(null, Portfolio(new LocalDate(2026, 11, 14), Snap("b", HealthColor.Red)));
        Assert.Equal(new LocalDate(2026, 11, 17), onHoliday.Created[0].Tasks[0].Due); // Monday 16th is a holiday
        var without = await new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock()).EvaluateAsync(null, Portfolio(new LocalDate(2026, 11, 5), Snap("a", HealthColor.Red)));
        Assert.Equal(new LocalDate(2026, 11, 7), without.Created[0].Tasks[0].Due);
    }

    [Fact]
    public async Task Cooldown_AndCap_SuppressRunsPerAccount()
    {
        var cooled = Save with { Cooldown = Period.FromDays(30) };
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([cooled], store, Clock());
        // Each Green day is evaluated: it ends the state (and cancels the open run), so the next Red is a new onset.
        await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red)));
        await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(10), Snap("a", HealthColor.Green)));
        var again = await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(11), Snap("a", HealthColor.Red)));
        Assert.Equal(RunAdmission.CoolingDown, Assert.Single(again.Suppressed).Reason);
        await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(30), Snap("a", HealthColor.Green)));
        var later = await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(31), Snap("a", HealthColor.Red)));
        Assert.Single(later.Created);

        var capped = Save with { Cap = new EnrolmentCap(2, Period.FromDays(90)) };
        var capEngine = new PlaybookEngine([capped], new InMemoryPlaybookRunStore(), Clock());
        var results = new List<PlaybookEvaluation>();
        for (var i = 0; i < 4; i++)
        {
            await capEngine.EvaluateAsync(null, Portfolio(Day0.PlusDays((i * 20) - 1), Snap("a", HealthColor.Green)));
            results.Add(await capEngine.EvaluateAsync(null, Portfolio(Day0.PlusDays(i * 20), Snap("a", HealthColor.Red))));
        }

        Assert.Equal([1, 1, 0, 0], results.Select(r => r.Created.Count));
        Assert.Equal(RunAdmission.Capped, results[2].Suppressed[0].Reason);
        Assert.Equal(RunAdmission.Created, PlaybookLimits.Admit([Day0, Day0.PlusDays(20)], Day0.PlusDays(90), null, capped.Cap));
    }

    [Fact]
    public async Task OpenRuns_AreCancelledWhenTheirReasonGoesAway()
    {
        var segment = new Playbook("risk", "At risk", PlaybookTrigger.SegmentEntered("AtRisk"), [Step("Call", 5)]);
        var store = new InMemoryPlaybookRunStore();
        var handler = new RecordingHandler { FailOnCall = _ => true };
        var engine = new PlaybookEngine([segment, Save], store, Clock(), [handler]);
        await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red, segments: ["AtRisk"]), Snap("b", HealthColor.Red, segments: ["AtRisk"])));
        var result = await engine.EvaluateAsync(Portfolio(Day0, Snap("a", HealthColor.Red, segments: ["AtRisk"]), Snap("b", HealthColor.Red, segments: ["AtRisk"])), Portfolio(Day0.PlusDays(1), Snap("a", HealthColor.Green), Snap("b", HealthColor.Red, segments: ["AtRisk"])));
        Assert.Equal(["risk|a", "save|a"], result.Cancelled.Select(r => $"{r.PlaybookId}|{r.Account}").Order());
        Assert.Equal(2, (await store.OpenRunsAsync()).Count);

        // Cancelled tasks are never handed off, even after the handler recovers.
        var recovered = new PlaybookEngine([segment, Save], store, Clock(), [new RecordingHandler()]);
        var (handedOff, _) = await recovered.HandOffPendingAsync();
        Assert.All(handedOff, t => Assert.Equal("b", t.Account.Value));
    }

    [Fact]
    public async Task Owners_AreAssignedByRole_RoundRobinOrLeastLoaded()
    {
        var playbook = new Playbook("p", "P", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Call"), Step("Exec sponsor", role: "Executive"), Step("Review", role: "Support")]);
        var assigner = new OwnerAssigner(new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)>
        {
            ["Executive"] = (["vp1", "vp2"], AssignmentStrategy.RoundRobin),
            ["Support"] = (["s1", "s2"], AssignmentStrategy.LeastLoaded),
            ["CSM"] = (["pool"], AssignmentStrategy.RoundRobin),
        });
        var engine = new PlaybookEngine([playbook], new InMemoryPlaybookRunStore(), Clock(), assigner: assigner);
        var result = await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red), Snap("b", HealthColor.Red, owner: null), Snap("c", HealthColor.Red)));
        Assert.Equal(["dana vp1 s1", "pool vp2 s2", "dana vp1 s1"], result.Created.Select(r => string.Join(" ", r.Tasks.Select(t => t.Owner))));
        Assert.Throws<ArgumentException>(() => new OwnerAssigner(new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)> { ["X"] = ([], AssignmentStrategy.RoundRobin) }));
    }

    [Fact]
    public async Task LeastLoaded_SpreadsTheRunsOfOneEvaluation_CountingTasksNotYetStored()
    {
        // Runs reach the store a batch at a time; least-loaded counts the batch's own tasks, so 1,001 accounts do not
        // all land on whoever had fewer tasks when the evaluation began.
        var playbook = new Playbook("p", "P", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Exec sponsor", role: "Executive")]);
        var assigner = new OwnerAssigner(new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)> { ["Executive"] = (["vp1", "vp2", "vp3"], AssignmentStrategy.LeastLoaded) });
        var store = new InMemoryPlaybookRunStore();
        await store.TryCreateAsync([new RunRequest(new PlaybookRun("old", "p", new AccountId("x"), "k", Day0, Instant.MinValue, [new PlaybookTask("old#1", "old", "p", new AccountId("x"), "t", "Executive", "vp1", TaskChannel.Call, TaskPriority.Normal, Day0)]), null, null)]);
        var engine = new PlaybookEngine([playbook], store, Clock(), assigner: assigner);
        var result = await engine.EvaluateAsync(null, Portfolio(Day0, [.. Enumerable.Range(0, 1_001).Select(i => Snap("a" + i, HealthColor.Red))]));
        Assert.Equal(1_001, result.Created.Count);
        var counts = await store.OpenTaskCountsAsync();
        Assert.Equal([(334, "vp1"), (334, "vp2"), (334, "vp3")], new[] { "vp1", "vp2", "vp3" }.Select(o => (counts[o], o)));

        // A second evaluation finds every run: nothing is created, and the counts stay.
        Assert.Empty((await engine.EvaluateAsync(null, Portfolio(Day0, [.. Enumerable.Range(0, 1_001).Select(i => Snap("a" + i, HealthColor.Red))]))).Created);
        Assert.Equal(334, (await store.OpenTaskCountsAsync())["vp2"]);
    }

    [Fact]
    public async Task RunsReachTheStore_InBatchesOfTenThousand_InTheOrderFound_EvenWhenABatchEndsWithinAnAccount()
    {
        // Three playbooks on 7,001 accounts: 21,003 runs, so the first batch ends within account 3,333.
        Playbook[] playbooks = [.. Enumerable.Range(1, 3).Select(i => new Playbook("save" + i, "Save " + i, PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Call", 2)]))];
        var store = new BatchRecordingStore();
        var accounts = Enumerable.Range(0, 7_001).Select(i => Snap("a" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), HealthColor.Red)).ToArray();
        var result = await new PlaybookEngine(playbooks, store, Clock()).EvaluateAsync(null, Portfolio(Day0, accounts));
        Assert.Equal([10_000, 10_000, 1_003], store.Batches.Select(b => b.Length));
        var expected = accounts.SelectMany(a => playbooks.Select(p => (p.Id, a.Account.Id))).ToArray();
        Assert.Equal(21_003, expected.Length);
        Assert.Equal(expected, store.Batches.SelectMany(b => b).Select(r => (r.Run.PlaybookId, r.Run.Account)));
        Assert.Equal(expected, result.Created.Select(r => (r.PlaybookId, r.Account)));
    }

    /// <summary>The in-memory store, recording each batch it is asked to create.</summary>
    private sealed class BatchRecordingStore() : DelegatingRunStore(new InMemoryPlaybookRunStore())
    {
        public List<RunRequest[]> Batches { get; } = [];

        public override ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
        {
            Batches.Add([.. requests]);
            return base.TryCreateAsync(requests, cancellationToken);
        }
    }

    [Fact]
    public void AnAccountsSegments_AreASetWithoutRegardToCase()
    {
        var snapshot = Snap("a", segments: ["AtRisk", "growth", "atrisk"]);
        Assert.Equal(2, snapshot.Segments.Count);
        Assert.True(snapshot.Segments.Contains("ATRISK"));
        Assert.True(snapshot.Segments.Contains("Growth"));
        Assert.False(snapshot.Segments.Contains("Advocate"));
        Assert.True(snapshot.Segments.SetEquals(["growth", "AtRisk"]));
        Assert.True(snapshot.Segments.IsSubsetOf(["atrisk", "GROWTH", "x"]));
        Assert.False(snapshot.Segments.Overlaps(["x"]));
        Assert.Equal(["AtRisk", "growth"], snapshot.Segments);
    }

    [Fact]
    public async Task AHandlerFailingOnEveryThirdTask_LosesAndDuplicatesNothing()
    {
        var store = new InMemoryPlaybookRunStore();
        var flaky = new RecordingHandler { FailOnCall = call => call % 3 == 0 };
        var engine = new PlaybookEngine([Save], store, Clock(), [flaky]);
        var after = Portfolio(Day0, [.. Enumerable.Range(0, 10).Select(i => Snap("a" + i, HealthColor.Red))]);
        var first = await engine.EvaluateAsync(null, after);
        Assert.Equal(20, first.Created.Sum(r => r.Tasks.Count));
        Assert.NotEmpty(first.Failures);
        Assert.All(first.Failures, f => Assert.StartsWith("handler failed", f.Error.Message, StringComparison.Ordinal));
        for (var i = 0; i < 10 && flaky.Received.Count < 20; i++)
        {
            await engine.EvaluateAsync(null, after);
        }

        Assert.Equal(20, flaky.Received.Count);
        Assert.Equal(20, flaky.Received.Select(t => t.Id).Distinct().Count());
        Assert.Single(store.AllRuns(), r => r.Account.Value == "a0");
    }

    [Fact]
    public async Task ARestartBetweenCreationAndHandOff_HandsTheTasksOffOnTheNextRun()
    {
        var store = new InMemoryPlaybookRunStore();
        var clock = new CustomerLifecycle.Testing.FakeClock(Instant.FromUtc(2026, 11, 2, 9, 0));
        var business = new BusinessClock(clock, DateTimeZone.Utc);

        // The first process claims the tasks and stops before handing them off (its handler never returns).
        var stopped = new PlaybookEngine([Save], store, business, [new NeverReturns()]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stopped.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red)), cancellationToken: cts.Token));

        var handler = new RecordingHandler();
        var restarted = new PlaybookEngine([Save], store, business, [handler]);
        var result = await restarted.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red)));
        Assert.Empty(result.Created);
        Assert.Equal(2, handler.Received.Count);

        // A claim left by a crash (no release) expires after the lease, measured in real time: the business clock
        // stands still (a host that fixes it at 09:00), and the claim is recovered all the same.
        var realTime = new CustomerLifecycle.Testing.FakeClock(Instant.FromUtc(2026, 12, 2, 14, 0));
        var crashStore = new InMemoryPlaybookRunStore();
        var crashed = new PlaybookEngine([Save], crashStore, business, [new RecordingHandler()], options: new PlaybookEngineOptions { LeaseTime = realTime.AsTimeProvider() });
        await crashStore.TryCreateAsync([new RunRequest(new PlaybookRun("r", "save", new AccountId("z"), "k", Day0, clock.GetCurrentInstant(), [new PlaybookTask("r#1", "r", "save", new AccountId("z"), "Call", "CSM", "dana", TaskChannel.Call, TaskPriority.High, Day0)]), null, null)]);
        Assert.Single(await crashStore.ClaimHandOffsAsync("dead-process", realTime.GetCurrentInstant(), Duration.FromMinutes(5), 100));
        Assert.Empty((await crashed.HandOffPendingAsync()).HandedOff);
        realTime.Advance(Duration.FromMinutes(4));
        Assert.Empty((await crashed.HandOffPendingAsync()).HandedOff);
        realTime.Advance(Duration.FromMinutes(2));
        Assert.Single((await crashed.HandOffPendingAsync()).HandedOff);
        Assert.Equal(Instant.FromUtc(2026, 11, 2, 9, 0), clock.GetCurrentInstant());
    }

    [Fact]
    public async Task ConcurrentEvaluationsOfOnePortfolio_CreateAndHandOffEachTaskOnce()
    {
        var store = new InMemoryPlaybookRunStore();
        var handler = new RecordingHandler();
        var before = Portfolio(Day0, [.. Enumerable.Range(0, 200).Select(i => Snap("a" + i, HealthColor.Green))]);
        var after = Portfolio(Day0.PlusDays(1), [.. Enumerable.Range(0, 200).Select(i => Snap("a" + i, HealthColor.Red))]);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new PlaybookEngine([Save], store, Clock(), [handler]).EvaluateAsync(before, after))));
        Assert.Equal(200, results.Sum(r => r.Created.Count));
        Assert.Equal(400, handler.Received.Count);
        Assert.Equal(400, handler.Received.Select(t => t.Id).Distinct().Count());
    }

    [Fact]
    public async Task Progress_IsReportedEveryTenThousandAccounts_AndAtTheEnd()
    {
        var accounts = Enumerable.Range(0, 25_000).Select(i => Snap("a" + i, HealthColor.Green)).ToArray();
        var reports = new List<int>();
        var engine = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock());
        await engine.EvaluateAsync(null, Portfolio(Day0, accounts), progress: new Recorder(reports));
        Assert.Equal([10_000, 20_000, 25_000], reports);
    }

    private sealed class Recorder(List<int> reports) : IProgress<int>
    {
        public void Report(int value) => reports.Add(value);
    }

    [Fact]
    public async Task BadInput_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new PlaybookEngine([Save, Save], new InMemoryPlaybookRunStore(), Clock()));
        var engine = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock());
        await Assert.ThrowsAsync<ArgumentException>(() => engine.EvaluateAsync(Portfolio(Day0), Portfolio(Day0)));
        Assert.Throws<ArgumentException>(() => Portfolio(Day0, Snap("a"), Snap("a")));
        Assert.Throws<ArgumentException>(() => new Playbook("bad id", "x", Save.Trigger, [Step("x")]));
        Assert.Throws<ArgumentException>(() => new Playbook("ok", "x", Save.Trigger, []));
        Assert.Throws<ArgumentException>(() => new PlaybookStep("x", "CSM", TaskChannel.Call, Period.FromDays(-1)));
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(weekend: Enum.GetValues<IsoDayOfWeek>().Skip(1)));
    }

    [Theory]
    [InlineData(0, "P30D", "Runs", "1 or more runs (was 0)")]
    [InlineData(-2, "P30D", "Runs", "1 or more runs (was -2)")]
    [InlineData(1, "P0D", "Every", "(was P0D)")]
    [InlineData(1, "P-7D", "Every", "(was P-7D)")]
    [InlineData(1, "P1M-3D", "Every", "(was P1M-3D)")]
    [InlineData(1, "P-1M", "Every", "(was P-1M)")]
    [InlineData(1, "P-1Y2M", "Every", "(was P-1Y2M)")]
    [InlineData(1, "P-2W", "Every", "(was P-2W)")]
    [InlineData(1, "P1DT2H", "Every", "(was P1DT2H)")]
    public void AnEnrolmentCap_OfNoRunsOrOverAnEmptyOrNegativeWindow_IsRefusedNamingTheField(int runs, string every, string field, string says)
    {
        var period = NodaTime.Text.PeriodPattern.Roundtrip.Parse(every).Value;
        var error = Assert.ThrowsAny<ArgumentException>(() => new EnrolmentCap(runs, period));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);

        // Nor through `with`, and the valid cap it came from is unchanged.
        var valid = new EnrolmentCap(2, Period.FromWeeks(2));
        Assert.ThrowsAny<ArgumentException>(() => runs < 1 ? valid with { Runs = runs } : valid with { Every = period });
        Assert.Equal(new EnrolmentCap(2, Period.FromWeeks(2)), valid);
        Assert.Throws<ArgumentNullException>(() => new EnrolmentCap(1, null!));
    }

    [Fact]
    public void ACooldown_ThatIsNotAPositiveDatePeriod_IsRefusedNamingThePlaybook()
    {
        var error = Assert.Throws<ArgumentException>(() => Save with { Cooldown = Period.FromDays(-30) });
        Assert.Equal("Cooldown", error.ParamName);
        Assert.Contains("Playbook 'save': the cooldown is a positive period", error.Message, StringComparison.Ordinal);
        Assert.Contains("(was P-30D)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Save with { Cooldown = Period.Zero });
        Assert.Throws<ArgumentException>(() => Save with { Cooldown = Period.FromHours(12) });
        Assert.Null((Save with { Cooldown = Period.FromDays(30) } with { Cooldown = null }).Cooldown);
        Assert.Equal(Period.FromMonths(1), (Save with { Cooldown = Period.FromMonths(1) }).Cooldown);
    }

    private sealed class NeverReturns : IPlaybookTaskHandler
    {
        public async ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken) => await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
