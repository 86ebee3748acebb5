namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// What every conformance suite shares: the store factory you implement, and the opening, tracking and disposal of
/// the stores a case uses. Derive from a suite (<see cref="PlaybookRunStoreConformance"/>,
/// <see cref="PipelineRunStoreConformance"/>, <see cref="HealthHistoryStoreConformance"/>), not from this class.
/// </summary>
/// <typeparam name="TStore">The store interface the suite checks.</typeparam>
public abstract class StoreConformance<TStore>
    where TStore : class
{
    private readonly List<object> _opened = [];

    private protected StoreConformance()
    {
    }

    /// <summary>Creates a store over fresh, empty storage (a new database, schema or file), for one case.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The store.</returns>
    protected abstract ValueTask<TStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A second store over the same storage as <paramref name="store"/>, as another process would open it. By default
    /// the same instance (a store that lives in one process); a database store should return a new instance with its
    /// own connections, so the concurrency cases run across instances.
    /// </summary>
    /// <param name="store">A store from <see cref="CreateStoreAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The store.</returns>
    protected virtual ValueTask<TStore> OpenAnotherAsync(TStore store, CancellationToken cancellationToken) => new(store);

    private protected Task RunCaseAsync<TSuite>(TSuite suite, (string Name, Func<TSuite, string, CancellationToken, Task> Run)[] cases, string caseName, CancellationToken cancellationToken) =>
        ConformanceCases.RunAsync(suite, cases, caseName, _opened, cancellationToken);

    private protected async Task<TStore> NewAsync(CancellationToken cancellationToken)
    {
        var store = await CreateStoreAsync(cancellationToken).ConfigureAwait(false);
        _opened.Add(store);
        return store;
    }

    private protected async Task<TStore> AnotherAsync(TStore store, CancellationToken cancellationToken)
    {
        var another = await OpenAnotherAsync(store, cancellationToken).ConfigureAwait(false);
        if (!ReferenceEquals(another, store))
        {
            _opened.Add(another);
        }

        return another;
    }

    private protected async Task<(TStore Store, TStore Other)> OpenAsync(CancellationToken cancellationToken)
    {
        var store = await NewAsync(cancellationToken).ConfigureAwait(false);
        return (store, await AnotherAsync(store, cancellationToken).ConfigureAwait(false));
    }
}
