using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Usage.DuckDb.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(typeof(DuckDbUsageSignalSource).Assembly));
        Assert.Null(ex);
    }
}
