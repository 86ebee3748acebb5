using CustomerLifecycle.HealthScoring;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>
/// Exactly once, in its two forms. Date triggers, which read the earlier snapshot: for random sequences of portfolio
/// snapshots, evaluated pair by pair in a random order, with repeats and with several evaluations at once, the runs
/// created are exactly the distinct trigger occurrences of the pairs evaluated. State triggers, which read the trigger
/// state in the store: for evaluations in date order, with repeats (several at once) and with any earlier snapshot
/// (the right one, none, or a stale one), the runs are exactly the onsets of each state from one evaluation to the
/// next. Both computed here independently; every task reaches the handler once.
/// </summary>
public sealed class ExactlyOncePropertyTests
{
    private static readonly string[] Accounts = ["a", "b", "c"];
    private static readonly Period RenewalLead = Period.FromDays(-3);

    private static readonly Playbook[] Playbooks =
    [
        new("red", "Red", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Call", 1), Step("Plan", 7)]),
        new("seg", "Segment", PlaybookTrigger.SegmentEntered("S"), [Step("Welcome")]),
        new("renew", "Renewal", PlaybookTrigger.DateReached(DateAnchor.RenewalDate, RenewalLead), [Step("Prepare", 2)]),
    ];

    private sealed record State(HealthColor Color, bool InSegment);

    private static Gen<(int[] Gaps, State[][] States, int[] Renewals, int[] Plan, int Parallel)> Scenario() =>
        from n in Gen.Choose(2, 6)
        from gaps in Gen.ArrayOf(Gen.Choose(1, 5), n)
        from states in Gen.ArrayOf(Gen.ArrayOf(from c in Gen.Elements(HealthColor.Red, HealthColor.Yellow, HealthColor.Green) from s in Gen.Elements(true, false) select new State(c, s), Accounts.Length), n)
        from renewals in Gen.ArrayOf(Gen.Choose(0, 30), Accounts.Length)
        from plan in Gen.NonEmptyListOf(Gen.Choose(1, n - 1))
        from parallel in Gen.Choose(1, 4)
        select (gaps, states, renewals, plan.Take(12).ToArray(), parallel);

    [Fact]
    public void DateTriggers_RunsCreated_AreExactlyTheDistinctTriggerOccurrencesOfThePairs_InAnyOrder()
    {
        Assert.Null(Record.Exception(() => Prop.ForAll(Scenario().ToArbitrary(), s =>
        {
            var dates = new LocalDate[s.Gaps.Length];
            for (var i = 0; i < dates.Length; i++)
            {
                dates[i] = (i == 0 ? Day0 : dates[i - 1]).PlusDays(s.Gaps[i]);
            }

            PortfolioSnapshot Snapshot(int i) => Portfolio(dates[i], [.. Accounts.Select((id, a) => Snap(id, s.States[i][a].Color, s.States[i][a].InSegment ? ["S"] : [], renewal: Day0.PlusDays(s.Renewals[a])))]);

            var expected = new HashSet<string>();
            foreach (var i in s.Plan.Distinct())
            {
                for (var a = 0; a < Accounts.Length; a++)
                {
                    var due = Day0.PlusDays(s.Renewals[a]).Plus(RenewalLead);
                    if (due > dates[i - 1] && due <= dates[i])
                    {
                        expected.Add($"renew|{Accounts[a]}|{due}");
                    }
                }
            }

            var store = new InMemoryPlaybookRunStore();
            var handler = new RecordingHandler();
            var batches = s.Plan.Chunk(s.Parallel);
            foreach (var batch in batches)
            {
                Task.WhenAll(batch.Select(i => Task.Run(() => new PlaybookEngine(Playbooks.Skip(2), store, Clock(), [handler]).EvaluateAsync(Snapshot(i - 1), Snapshot(i))))).GetAwaiter().GetResult();
            }

            var runs = store.AllRuns();
            var actual = runs.Select(r => $"{r.PlaybookId}|{r.Account}|{r.TriggeredOn}").ToHashSet();
            var tasks = runs.Where(r => r.Status == RunStatus.Open).Sum(r => r.Tasks.Count);
            return actual.SetEquals(expected) && runs.Count == expected.Count
                && handler.Received.Select(t => t.Id).Distinct().Count() == handler.Received.Count
                && handler.Received.Count >= tasks;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200))));
    }

    [Fact]
    public void WithTriggerState_RunsCreated_AreTheOnsetsFromOneEvaluationToTheNext_WhateverEarlierSnapshotIsGiven()
    {
        // Evaluations in date order, a date evaluated again at random; each given the right earlier snapshot, none
        // (a restart), or a stale one (an older snapshot, as when two date spans overlap).
        var gen = from s in Scenario()
                  from repeats in Gen.ArrayOf(Gen.Choose(0, 2), s.Gaps.Length)
                  from befores in Gen.ArrayOf(Gen.Choose(0, 2), 3 * s.Gaps.Length)
                  select (s, repeats, befores);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (s, repeats, befores) = t;
            var dates = new LocalDate[s.Gaps.Length];
            for (var i = 0; i < dates.Length; i++)
            {
                dates[i] = (i == 0 ? Day0 : dates[i - 1]).PlusDays(s.Gaps[i]);
            }

            PortfolioSnapshot Snapshot(int i) => Portfolio(dates[i], [.. Accounts.Select((id, a) => Snap(id, s.States[i][a].Color, s.States[i][a].InSegment ? ["S"] : [], renewal: Day0.PlusDays(s.Renewals[a])))]);

            // Onsets of Red and of segment membership from each evaluated date to the next (the first from nothing).
            var expected = new HashSet<string>();
            for (var i = 0; i < dates.Length; i++)
            {
                for (var a = 0; a < Accounts.Length; a++)
                {
                    var now = s.States[i][a];
                    var was = i == 0 ? null : s.States[i - 1][a];
                    if (now.Color == HealthColor.Red && was?.Color != HealthColor.Red)
                    {
                        expected.Add($"red|{Accounts[a]}|{dates[i]}");
                    }

                    if (now.InSegment && was?.InSegment != true)
                    {
                        expected.Add($"seg|{Accounts[a]}|{dates[i]}");
                    }
                }
            }

            var store = new InMemoryPlaybookRunStore();
            var handler = new RecordingHandler();
            var engine = new PlaybookEngine(Playbooks.Take(2), store, Clock(), [handler]);
            var k = 0;
            for (var i = 0; i < dates.Length; i++)
            {
                // The repeats of a date run at once, as several instances evaluating the same business date.
                var evaluations = new List<Task>();
                for (var r = 0; r <= repeats[i]; r++)
                {
                    var before = (befores[k++ % befores.Length], i) switch
                    {
                        (_, 0) => null,
                        (0, _) => Snapshot(i - 1),
                        (1, _) => null,
                        _ => Snapshot(0),
                    };
                    var after = Snapshot(i);
                    evaluations.Add(Task.Run(() => engine.EvaluateAsync(before?.Date < after.Date ? before : null, after)));
                }

                Task.WhenAll(evaluations).GetAwaiter().GetResult();
            }

            var runs = store.AllRuns();
            var actual = runs.Select(r => $"{r.PlaybookId}|{r.Account}|{r.TriggeredOn}").ToHashSet();
            return actual.SetEquals(expected) && runs.Count == expected.Count
                && handler.Received.Select(x => x.Id).Distinct().Count() == handler.Received.Count;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200))));
    }
    [Fact]
    public void OlderDatesEvaluatedAgain_AfterNewerOnes_ChangeNoRunAndNoTriggerState()
    {
        // Issue 30: dates evaluated in order, then older ones again (a rerun of an older date, an instance behind
        // another), in a random order and several at once: every run (its status too) and every trigger state stay as
        // the in-order evaluation left them.
        var gen = from s in Scenario()
                  from reruns in Gen.NonEmptyListOf(Gen.Choose(0, 5))
                  select (s, reruns: reruns.Take(10).ToArray());
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (s, reruns) = t;
            var dates = new LocalDate[s.Gaps.Length];
            for (var i = 0; i < dates.Length; i++)
            {
                dates[i] = (i == 0 ? Day0 : dates[i - 1]).PlusDays(s.Gaps[i]);
            }

            PortfolioSnapshot Snapshot(int i) => Portfolio(dates[i], [.. Accounts.Select((id, a) => Snap(id, s.States[i][a].Color, s.States[i][a].InSegment ? ["S"] : [], renewal: Day0.PlusDays(s.Renewals[a])))]);

            var store = new InMemoryPlaybookRunStore();
            var engine = new PlaybookEngine(Playbooks.Take(2), store, Clock(), [new RecordingHandler()]);
            for (var i = 0; i < dates.Length; i++)
            {
                engine.EvaluateAsync(null, Snapshot(i)).GetAwaiter().GetResult();
            }

            static string Describe(InMemoryPlaybookRunStore store) =>
                string.Join("; ", store.AllRuns().OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => $"{r.Id}:{r.Status}"))
                + " / " + string.Join("; ", store.TriggerStatesAsync().AsTask().GetAwaiter().GetResult().OrderBy(x => x.Key.PlaybookId + "|" + x.Key.Account, StringComparer.Ordinal).Select(x => $"{x.Key.PlaybookId}|{x.Key.Account}={x.Value}"));

            var inOrder = Describe(store);
            foreach (var batch in reruns.Select(r => r % (dates.Length - 1)).Chunk(s.Parallel))
            {
                Task.WhenAll(batch.Select(i => Task.Run(() => engine.EvaluateAsync(null, Snapshot(i))))).GetAwaiter().GetResult();
            }

            return (Describe(store) == inOrder).Label($"in order: {inOrder}\nafter reruns: {Describe(store)}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300))));
    }

    [Fact]
    public async Task TheIssuesCase_RedOnTwoDaysThenGreen_TheSecondDayAgain_CreatesNothingAndKeepsTheEnd()
    {
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine(Playbooks.Take(1), store, Clock());
        await engine.EvaluateAsync(null, Portfolio(Day0, Snap("acme", HealthColor.Red)));
        await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), Snap("acme", HealthColor.Red)));
        await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(2), Snap("acme", HealthColor.Green)));
        var again = await engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), Snap("acme", HealthColor.Red)));
        Assert.Empty(again.Created);
        Assert.Empty(again.Cancelled);
        Assert.Equal([("red|acme|color:Red:2026-11-02", RunStatus.Cancelled)], store.AllRuns().Select(r => (r.Id, r.Status)));
        Assert.Equal(new TriggerState(false, Day0.PlusDays(2)), (await store.TriggerStatesAsync())[new TriggerStateKey("red", new AccountId("acme"))]);
    }

    [Fact]
    public async Task TwoDatesAtOnce_NeverStartTwoOpenRunsOfOneState()
    {
        // Both evaluations read the trigger states before either writes (a gate holds each read until both have read):
        // both see an onset, and the store, deciding the single open run with the insert, starts one between them.
        var inner = new InMemoryPlaybookRunStore();
        await new PlaybookEngine(Playbooks.Take(1), inner, Clock()).EvaluateAsync(null, Portfolio(Day0, Snap("acme", HealthColor.Green)));
        var store = new ReadTogetherStore(inner, readers: 2);
        var engine = new PlaybookEngine(Playbooks.Take(1), store, Clock());
        var results = await Task.WhenAll(
            Task.Run(() => engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), Snap("acme", HealthColor.Red)))),
            Task.Run(() => engine.EvaluateAsync(null, Portfolio(Day0.PlusDays(2), Snap("acme", HealthColor.Red)))));
        Assert.Single(inner.AllRuns());
        Assert.Single(results.SelectMany(r => r.Created));
        Assert.Empty(results.SelectMany(r => r.Suppressed));
    }

    private sealed class ReadTogetherStore(InMemoryPlaybookRunStore inner, int readers) : DelegatingRunStore(inner)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting = readers;

        public override async ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default)
        {
            var states = await base.TriggerStatesAsync(cancellationToken);
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                _all.SetResult();
            }

            await _all.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return states;
        }
    }
}
