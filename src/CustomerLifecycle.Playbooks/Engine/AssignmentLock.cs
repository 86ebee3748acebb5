namespace CustomerLifecycle.Playbooks;

/// <summary>A held assignment lock of a store in one process (<see cref="IPlaybookRunStore.LockAssignmentAsync"/>): a semaphore released once, on the first dispose.</summary>
internal sealed class AssignmentLock : IAsyncDisposable
{
    private SemaphoreSlim? _held;

    private AssignmentLock(SemaphoreSlim? held) => _held = held;

    /// <summary>A lock that holds nothing.</summary>
    public static AssignmentLock None { get; } = new(null);

    /// <summary>Waits for the semaphore and holds it.</summary>
    public static async ValueTask<IAsyncDisposable> TakeAsync(SemaphoreSlim semaphore, CancellationToken cancellationToken)
    {
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new AssignmentLock(semaphore);
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _held, null)?.Release();
        return ValueTask.CompletedTask;
    }
}
