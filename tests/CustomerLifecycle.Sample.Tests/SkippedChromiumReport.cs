using System.Reflection;
using System.Runtime.CompilerServices;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>
/// Leaves next to the test assembly a one-line report of the browser tests this run skips, and how to run them; the
/// project's <c>ReportSkippedChromiumTests</c> target prints it as a warning after <c>dotnet test</c>. No file when
/// they run.
/// </summary>
internal static class SkippedChromiumReport
{
    public const string FileName = "chromium-skipped.txt";

#pragma warning disable CA2255 // A module initializer in a test assembly: it runs once, when the test host loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Write()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (Chromium.SkipReason is not { } reason)
        {
            File.Delete(path);
            return;
        }

        var tests = typeof(SkippedChromiumReport).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Count(m => m.IsDefined(typeof(ChromiumFactAttribute)));
        File.WriteAllText(path, $"{tests} browser test(s) of CustomerLifecycle.Sample.Tests (the dashboard in Chromium) skipped: {reason}.");
    }
}
