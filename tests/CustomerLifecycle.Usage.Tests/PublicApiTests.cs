using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Usage.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(typeof(UsageAggregator).Assembly));
        Assert.Null(ex);
    }
}
