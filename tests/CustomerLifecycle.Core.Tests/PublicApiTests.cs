using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Core.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(typeof(Account).Assembly));
        Assert.Null(ex);
    }
}
