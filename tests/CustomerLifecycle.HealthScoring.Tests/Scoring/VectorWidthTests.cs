using System.Numerics;
using System.Runtime.Intrinsics;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>
/// CI runs the batch properties again with 512-bit <see cref="Vector{T}"/> (<c>DOTNET_MaxVectorTBitWidth=512</c>, on a
/// CPU with AVX-512) and with hardware intrinsics off (<c>DOTNET_EnableHWIntrinsic=0</c>, the software fallback), and
/// says which it asked for in <c>CUSTOMERLIFECYCLE_EXPECT_VECTOR_DOUBLES</c>: this test fails when the run is not on
/// that width, so a setting the runtime ignored cannot pass for a test of the wider or the scalar path.
/// </summary>
public sealed class VectorWidthTests
{
    [Fact]
    public void TheRun_IsOnTheVectorWidthCIAskedFor()
    {
        switch (Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_EXPECT_VECTOR_DOUBLES"))
        {
            case null or "":
                Assert.True(Vector<double>.Count >= 1);
                break;
            case "scalar":
                Assert.False(Vector.IsHardwareAccelerated);
                Assert.False(Vector256.IsHardwareAccelerated);
                break;
            case var count:
                Assert.Equal(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), Vector<double>.Count);
                break;
        }
    }
}
