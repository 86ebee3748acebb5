using System.Collections.Concurrent;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// The playbook store's assignment lock (<see cref="Playbooks.IPlaybookRunStore.LockAssignmentAsync"/>) on SQLite: an
/// exclusive open of the file <c>{database}-assignment.lock</c> beside the database, which the operating system drops
/// when the process ends, so a holder that dies releases it; an in-memory database's is a semaphore of this process.
/// </summary>
internal sealed class SqliteAssignmentLock : IAsyncDisposable
{
    // Whether an exclusive open failed because another open holds the file: flock's EWOULDBLOCK (errno 11 on Linux,
    // 35 on macOS), or Windows' ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION (32, 33).
    private static bool IsHeld(IOException e) => (e.HResult & 0xFFFF) is var code && (OperatingSystem.IsWindows() ? code is 32 or 33 : OperatingSystem.IsMacOS() ? code == 35 : code == 11);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InMemory = new(StringComparer.Ordinal);

    private FileStream? _file;
    private SemaphoreSlim? _semaphore;

    private SqliteAssignmentLock(FileStream? file, SemaphoreSlim? semaphore) => (_file, _semaphore) = (file, semaphore);

    /// <summary>The lock file of a database file.</summary>
    public static string FileOf(string database) => Path.GetFullPath(database) + "-assignment.lock";

    /// <summary>Waits for the lock (trying the file every 20 ms) and holds it.</summary>
    public static async ValueTask<IAsyncDisposable> TakeAsync(SqliteSchema schema, CancellationToken cancellationToken)
    {
        if (schema.IsInMemory)
        {
            var semaphore = InMemory.GetOrAdd(schema.DataSource, _ => new SemaphoreSlim(1, 1));
            await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new SqliteAssignmentLock(null, semaphore);
        }

        var path = FileOf(schema.DataSource);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new SqliteAssignmentLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1), null);
            }
            catch (IOException e) when (IsHeld(e))
            {
                // Held by another store, in this process or another: try again shortly.
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _file, null) is { } file)
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }

        Interlocked.Exchange(ref _semaphore, null)?.Release();
    }
}
