namespace CustomerLifecycle.Storage.Conformance;

/// <summary>What the suites share: running a named case, disposing the stores it opened, and the failure check.</summary>
internal static class ConformanceCases
{
    public static async Task RunAsync<TSuite>(TSuite suite, (string Name, Func<TSuite, string, CancellationToken, Task> Run)[] cases, string caseName, List<object> opened, CancellationToken cancellationToken)
    {
        var run = cases.FirstOrDefault(c => c.Name == caseName).Run ?? throw new ArgumentException($"No conformance case is named '{caseName}'; see CaseNames.", nameof(caseName));
        try
        {
            await run(suite, caseName, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var store in opened)
            {
                switch (store)
                {
                    case IAsyncDisposable a:
                        await a.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable d:
                        d.Dispose();
                        break;
                }
            }

            opened.Clear();
        }
    }

    public static void Expect(bool condition, string caseName, string message)
    {
        if (!condition)
        {
            throw new ConformanceException(caseName, message);
        }
    }
}
