namespace CustomerLifecycle.Core.Tests;

/// <summary>The net8.0 build of the libraries is tested on .NET 8 itself (self-contained, from the runtime pack), not on a newer runtime rolling forward.</summary>
public sealed class RuntimeTests
{
    [Fact]
    public void TheTests_RunOnTheRuntimeOfTheirTargetFramework()
    {
#if NET10_0
        Assert.Equal(10, Environment.Version.Major);
#elif NET8_0
        Assert.Equal(8, Environment.Version.Major);
#else
        Assert.Fail("A target framework this test does not know: " + Environment.Version);
#endif
        Assert.Equal(Environment.Version.Major, typeof(Contract).Assembly.ImageRuntimeVersion.Length > 0 ? Environment.Version.Major : -1);
    }
}
