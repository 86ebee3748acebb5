using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Hosting.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(typeof(LifecyclePipeline).Assembly));
        Assert.Null(ex);
    }
}
