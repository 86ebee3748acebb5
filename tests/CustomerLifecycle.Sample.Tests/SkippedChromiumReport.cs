using System.Runtime.CompilerServices;
using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>The skipped browser tests, for the project's <c>ReportSkippedChromiumTests</c> target (<see cref="SkippedTestsReport"/>).</summary>
internal static class SkippedChromiumReport
{
#pragma warning disable CA2255 // A module initializer in a test assembly: it runs once, when the test host loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Write() => SkippedTestsReport.Write(
        "chromium-skipped.txt",
        Chromium.SkipReason,
        typeof(SkippedChromiumReport).Assembly,
        [typeof(ChromiumFactAttribute)],
        (tests, reason) => $"{tests} browser test(s) of CustomerLifecycle.Sample.Tests (the dashboard in Chromium) skipped: {reason}.");
}
