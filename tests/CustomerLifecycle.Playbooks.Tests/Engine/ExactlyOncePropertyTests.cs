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
}
