using CustomerLifecycle.HealthScoring;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>
/// For random sequences of portfolio snapshots, evaluated pair by pair in a random order, with repeats and with
/// several evaluations at once, the runs created are exactly the distinct trigger occurrences of the pairs evaluated
/// (computed here independently), and every task reaches the handler once.
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
    public void RunsCreated_AreExactlyTheDistinctTriggerOccurrences()
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
                    var (was, now) = (s.States[i - 1][a], s.States[i][a]);
                    if (now.Color == HealthColor.Red && was.Color != HealthColor.Red)
                    {
                        expected.Add($"red|{Accounts[a]}|{dates[i]}");
                    }

                    if (now.InSegment && !was.InSegment)
                    {
                        expected.Add($"seg|{Accounts[a]}|{dates[i]}");
                    }

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
                Task.WhenAll(batch.Select(i => Task.Run(() => new PlaybookEngine(Playbooks, store, Clock(), [handler]).EvaluateAsync(Snapshot(i - 1), Snapshot(i))))).GetAwaiter().GetResult();
            }

            var runs = store.AllRuns();
            var actual = runs.Select(r => $"{r.PlaybookId}|{r.Account}|{r.TriggeredOn}").ToHashSet();
            var tasks = runs.Where(r => r.Status == RunStatus.Open).Sum(r => r.Tasks.Count);
            return actual.SetEquals(expected) && runs.Count == expected.Count
                && handler.Received.Select(t => t.Id).Distinct().Count() == handler.Received.Count
                && handler.Received.Count >= tasks;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200))));
    }
}
