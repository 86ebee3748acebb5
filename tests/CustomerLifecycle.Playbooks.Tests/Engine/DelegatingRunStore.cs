using NodaTime;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>
/// A store that hands every call to another; tests override the calls they hold, count or fail. Compiled into the
/// Hosting tests too (linked), which wrap their stores the same way.
/// </summary>
public abstract class DelegatingRunStore(IPlaybookRunStore inner) : IPlaybookRunStore
{
    public virtual ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default) => inner.TryCreateAsync(requests, cancellationToken);

    public virtual ValueTask<IAsyncDisposable> LockAssignmentAsync(CancellationToken cancellationToken = default) => inner.LockAssignmentAsync(cancellationToken);

    public virtual ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default) => inner.TriggerStatesAsync(cancellationToken);

    public ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(CancellationToken cancellationToken = default) => inner.OpenRunsAsync(cancellationToken);

    public ValueTask<IReadOnlyList<PlaybookRun>> RunsAsync(string playbookId, LocalDate from, LocalDate through, CancellationToken cancellationToken = default) => inner.RunsAsync(playbookId, from, through, cancellationToken);

    public ValueTask<IReadOnlyList<string>> CancelAsync(IReadOnlyList<string> runIds, Instant at, CancellationToken cancellationToken = default) => inner.CancelAsync(runIds, at, cancellationToken);

    public virtual ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default) => inner.ClaimHandOffsAsync(claimant, now, lease, limit, cancellationToken);

    public ValueTask<bool> CompleteHandOffAsync(string taskId, string claimant, CancellationToken cancellationToken = default) => inner.CompleteHandOffAsync(taskId, claimant, cancellationToken);

    public ValueTask ReleaseHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default) => inner.ReleaseHandOffsAsync(taskIds, claimant, cancellationToken);

    public ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsAsync(CancellationToken cancellationToken = default) => inner.OpenTaskCountsAsync(cancellationToken);

    public ValueTask SetTriggerStatesAsync(IReadOnlyList<TriggerStateChange> changes, CancellationToken cancellationToken = default) => inner.SetTriggerStatesAsync(changes, cancellationToken);
}
