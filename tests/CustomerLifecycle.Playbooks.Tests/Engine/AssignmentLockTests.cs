using CustomerLifecycle.HealthScoring;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>
/// Least-loaded assignment across evaluations that run at once (the shards of a day on several instances): the engine
/// holds the store's assignment lock from reading the open-task counts until its runs are created, so the second
/// evaluation reads counts with the first one's tasks in them.
/// </summary>
public sealed class AssignmentLockTests
{
    private static readonly Playbook Escalate = new("escalate", "Escalate", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Exec call", role: "Exec")]);

    private static OwnerAssigner Team() => new(new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)>
    {
        ["Exec"] = (["ann", "bob", "cy"], AssignmentStrategy.LeastLoaded),
    });

    private static PortfolioSnapshot Shard(string prefix) =>
        new(Day0, [.. Enumerable.Range(1, 4).Select(i => Snap($"{prefix}{i}", HealthColor.Red))]) { Partial = true };

    [Fact]
    public async Task TwoEvaluationsAtOnce_WithALeastLoadedTeam_AssignAsOneAfterTheOther()
    {
        var inner = new InMemoryPlaybookRunStore();
        var store = new PausingStore(inner);
        var first = Task.Run(() => new PlaybookEngine([Escalate], store, Clock(), assigner: Team()).EvaluateAsync(null, Shard("a")));

        // The first evaluation has read the counts (none), assigned its four tasks, and is writing them.
        await store.Writing.WaitAsync(TimeSpan.FromSeconds(10));
        var second = Task.Run(() => new PlaybookEngine([Escalate], store, Clock(), assigner: Team()).EvaluateAsync(null, Shard("b")));
        await Task.WhenAny(second, Task.Delay(300));
        Assert.False(second.IsCompleted, "the second evaluation assigned while the first held the assignment lock");

        store.Resume();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        // One after the other: four tasks to ann, bob, cy, ann, then four to bob, cy, then the two with fewest.
        var counts = await inner.OpenTaskCountsAsync();
        Assert.Equal(8, counts.Values.Sum());
        Assert.True(counts.Values.Max() - counts.Values.Min() <= 1, $"least loaded across both: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
    }

    [Fact]
    public async Task AnAssignerThatReadsNoCounts_TakesNoLock()
    {
        var inner = new InMemoryPlaybookRunStore();
        var held = await inner.LockAssignmentAsync();
        var result = await new PlaybookEngine([Escalate], inner, Clock()).EvaluateAsync(null, Shard("a")).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(4, result.Created.Count);
        await held.DisposeAsync();
    }

    /// <summary>Holds the first write of runs until the test resumes it.</summary>
    private sealed class PausingStore(InMemoryPlaybookRunStore inner) : DelegatingRunStore(inner)
    {
        private readonly TaskCompletionSource _writing = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writes;

        public Task Writing => _writing.Task;

        public void Resume() => _resume.SetResult();

        public override async ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _writes) == 1)
            {
                _writing.SetResult();
                await _resume.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }

            return await base.TryCreateAsync(requests, cancellationToken);
        }
    }
}
