using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Segmentation.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var assembly = System.Reflection.Assembly.Load("CustomerLifecycle.Segmentation");
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(assembly));
        Assert.Null(ex);
    }
}
