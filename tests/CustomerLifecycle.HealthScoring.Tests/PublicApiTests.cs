using CustomerLifecycle.Testing;

namespace CustomerLifecycle.HealthScoring.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheCommittedFile()
    {
        var assembly = System.Reflection.Assembly.Load("CustomerLifecycle.HealthScoring");
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(assembly));
        Assert.Null(ex);
    }
}
