using CustomerLifecycle.HealthScoring;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>What the hostile-input review found: absence is not a reason to cancel, mass cancellations need consent, leases survive a fixed business clock, and run ids never collide.</summary>
public sealed class CancellationAndHandOffTests
{
    private static PortfolioSnapshot Reds(LocalDate date, int count) => Portfolio(date, [.. Enumerable.Range(0, count).Select(i => Snap("a" + i, HealthColor.Red))]);

    [Fact]
    public async Task AnAbsentAccount_KeepsItsRuns_ARemovedOrChurnedOneLosesThem()
    {
        var store = new InMemoryPlaybookRunStore();
        var engine = new PlaybookEngine([Save], store, Clock());
        await engine.EvaluateAsync(null, Reds(Day0, 4));
        Assert.Equal(4, (await store.OpenRunsAsync()).Count);

        // a0 is absent (a partial export), a1 removed, a2 churned, a3 still Red.
        var after = new PortfolioSnapshot(Day0.PlusDays(1), [Snap("a2", HealthColor.Red, churnedOn: Day0.PlusDays(1)), Snap("a3", HealthColor.Red)], [new AccountId("a1")]);
        var result = await engine.EvaluateAsync(Reds(Day0, 4), after);
        Assert.Empty(result.Created);
        Assert.Equal(["a1", "a2"], result.Cancelled.Select(r => r.Account.Value).Order(StringComparer.Ordinal));
        Assert.Equal(["a0", "a3"], (await store.OpenRunsAsync()).Select(r => r.Account.Value).Order(StringComparer.Ordinal));

        // No handler: nothing is handed off, and every task of the open runs is still pending for the first handler.
        Assert.Empty(result.HandedOff);
        var first = new RecordingHandler();
        var (handedOff, _) = await new PlaybookEngine([Save], store, Clock(), [first]).HandOffPendingAsync();
        Assert.Equal(4, handedOff.Count);

        // An empty snapshot cancels nothing at all.
        Assert.Empty((await engine.EvaluateAsync(after, Portfolio(Day0.PlusDays(2)))).Cancelled);
        Assert.Equal(2, (await store.OpenRunsAsync()).Count);
        Assert.Throws<ArgumentException>(() => new PortfolioSnapshot(Day0, [Snap("a3")], [new AccountId("a3")]));
    }

    [Fact]
    public async Task AMassCancellation_IsRefusedBeforeAnythingIsWritten_UnlessConfirmed()
    {
        var store = new InMemoryPlaybookRunStore();
        var handler = new RecordingHandler();
        var engine = new PlaybookEngine([Save], store, Clock(), [handler]);
        await engine.EvaluateAsync(null, Reds(Day0, 30));
        var handedOff = handler.Received.Count;

        // Everyone turned Green, and one new account turned Red: 30 of 30 open runs would go.
        var greens = Portfolio(Day0.PlusDays(1), [.. Enumerable.Range(0, 30).Select(i => Snap("a" + i, HealthColor.Green)), Snap("new", HealthColor.Red)]);
        var e = await Assert.ThrowsAsync<MassCancellationException>(() => engine.EvaluateAsync(null, greens));
        Assert.Equal((30, 30, 0.5), (e.WouldCancel, e.OpenRuns, e.MaxShare));
        Assert.StartsWith("The evaluation of 2026-11-03 would cancel 30 of 30 open playbook runs (100.0 %), more than the 50 % allowed; nothing was changed.", e.Message, StringComparison.Ordinal);
        Assert.Equal(30, (await store.OpenRunsAsync()).Count);
        Assert.Equal(30, store.AllRuns().Count); // the new account's run was not created either
        Assert.Equal(handedOff, handler.Received.Count);

        var confirmed = await engine.EvaluateAsync(null, greens, allowMassCancellation: true);
        Assert.Equal(30, confirmed.Cancelled.Count);
        Assert.Single(confirmed.Created);

        // Below the minimum count, or within the share, nothing is refused.
        var small = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock());
        await small.EvaluateAsync(null, Reds(Day0, 10));
        Assert.Equal(10, (await small.EvaluateAsync(null, Portfolio(Day0.PlusDays(1), [.. Enumerable.Range(0, 10).Select(i => Snap("a" + i, HealthColor.Green))]))).Cancelled.Count);
        var lenient = new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock(), options: new PlaybookEngineOptions { MaxCancellationShare = 1 });
        await lenient.EvaluateAsync(null, Reds(Day0, 30));
        Assert.Equal(30, (await lenient.EvaluateAsync(null, greens)).Cancelled.Count);
    }

    [Fact]
    public async Task AHandlersOwnCancellation_IsAFailure_OnlyTheCallersTokenStops()
    {
        var store = new InMemoryPlaybookRunStore();
        var timesOut = new TimingOutHandler();
        var engine = new PlaybookEngine([Save], store, Clock(), [timesOut]);
        var result = await engine.EvaluateAsync(null, Reds(Day0, 3));
        Assert.Equal(6, result.Failures.Count);
        Assert.All(result.Failures, f => Assert.IsType<TaskCanceledException>(f.Error));
        Assert.Empty(result.HandedOff);

        // The tasks stay pending and reach a working handler later, once each.
        var handler = new RecordingHandler();
        var (handedOff, failures) = await new PlaybookEngine([Save], store, Clock(), [handler]).HandOffPendingAsync();
        Assert.Equal(6, handedOff.Count);
        Assert.Empty(failures);
    }

    [Fact]
    public async Task TasksAreClaimedInBatches_AndAFailedTaskIsTriedOncePerEvaluation()
    {
        var store = new CountingStore();
        var flaky = new RecordingHandler { FailOnCall = call => call == 1 };
        var engine = new PlaybookEngine([Save], store, Clock(), [flaky], options: new PlaybookEngineOptions { HandOffBatchSize = 3 });
        var result = await engine.EvaluateAsync(null, Reds(Day0, 5));
        Assert.Equal(9, result.HandedOff.Count);
        Assert.Single(result.Failures);
        Assert.Equal(10, flaky.Received.Count + result.Failures.Count);
        Assert.True(store.Claims >= 4, $"{store.Claims} claims of at most 3 tasks for 10 tasks");
        Assert.All(store.Sizes, n => Assert.InRange(n, 0, 3));

        // The failed task was given back at the end, and the next evaluation hands it off.
        Assert.Single((await engine.HandOffPendingAsync()).HandedOff);
    }

    [Fact]
    public void RunIds_OfDistinctTriples_NeverCollide()
    {
        // Parts made of the pieces that matter ('|', '%', and the escapes themselves), so that collisions of a naive
        // "p|a|k" join, or of an escape that forgets '%', are frequent; the empty account id (default AccountId) included.
        // At most 25 pieces of up to 3 characters: even a near miss that joins two parts stays within AccountId's 256.
        var part = from n in Gen.Choose(0, 25)
                   from tokens in Gen.ArrayOf(Gen.Elements("a", "|", "%", "%7C", "%25", "7C", "25", "c"), n)
                   select string.Concat(tokens);
        var triple = from p in part from a in part from k in part select (P: p, A: a, K: k);
        var gen = from x in triple
                  from y in Gen.Frequency((1, Gen.Constant(x)), (2, triple), (3, NearMiss(x)))
                  select (x, y);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (x, y) = t;
            var idX = PlaybookRun.IdFor(x.P, x.A.Length == 0 ? default : new AccountId(x.A), x.K);
            var idY = PlaybookRun.IdFor(y.P, y.A.Length == 0 ? default : new AccountId(y.A), y.K);
            return (idX == idY) == (x == y);
        }).QuickCheckThrowOnFailure()));

        Assert.Equal("save|acme|red:2026-11-02", PlaybookRun.IdFor("save", new AccountId("acme"), "red:2026-11-02"));
        Assert.NotEqual(PlaybookRun.IdFor("p", new AccountId("a|b"), "c"), PlaybookRun.IdFor("p", new AccountId("a"), "b|c"));
    }

    // A triple that a flawed encoding would confuse with x: the '|' between two parts moved, or a character swapped
    // for its escape ('|' for "%7C", '%' for "%25") or back.
    private static Gen<(string P, string A, string K)> NearMiss((string P, string A, string K) x)
    {
        var joined = x.P + "|" + x.A + "|" + x.K;
        var bars = Enumerable.Range(0, joined.Length).Where(i => joined[i] == '|').ToArray();
        var moved = from i in Gen.Elements(bars)
                    from j in Gen.Elements(bars)
                    where i < j
                    select (joined[..i], joined[(i + 1)..j], joined[(j + 1)..]);
        var swapped = from which in Gen.Choose(0, 2)
                      from swap in Gen.Elements(("|", "%7C"), ("%7C", "|"), ("%", "%25"), ("%25", "%"))
                      select which switch
                      {
                          0 => (x.P.Replace(swap.Item1, swap.Item2, StringComparison.Ordinal), x.A, x.K),
                          1 => (x.P, x.A.Replace(swap.Item1, swap.Item2, StringComparison.Ordinal), x.K),
                          _ => (x.P, x.A, x.K.Replace(swap.Item1, swap.Item2, StringComparison.Ordinal)),
                      };
        return Gen.OneOf(moved, swapped);
    }

    private sealed class TimingOutHandler : IPlaybookTaskHandler
    {
        // What an HttpClient time-out throws: an OperationCanceledException the caller did not ask for.
        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken) => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.");
    }

    private sealed class CountingStore() : DelegatingRunStore(new InMemoryPlaybookRunStore())
    {
        public int Claims { get; private set; }

        public List<int> Sizes { get; } = [];

        public override async ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default)
        {
            var claimed = await base.ClaimHandOffsAsync(claimant, now, lease, limit, cancellationToken);
            Claims++;
            Sizes.Add(claimed.Count);
            return claimed;
        }
    }
}
