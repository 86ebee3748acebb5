using System.Reflection;
using System.Runtime.CompilerServices;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// Leaves next to the test assembly a one-line report of the PostgreSQL tests this run skips, and how to run them; the
/// project's <c>ReportSkippedPostgresTests</c> target prints it as a warning after <c>dotnet test</c>, where the skip
/// reasons alone show only at normal verbosity. No file when they run.
/// </summary>
internal static class SkippedPostgresReport
{
    public const string FileName = "postgres-skipped.txt";

#pragma warning disable CA2255 // A module initializer in a test assembly: it runs once, when the test host loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Write()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        if (PostgresServer.SkipReason is not { } reason)
        {
            File.Delete(path);
            return;
        }

        var tests = typeof(SkippedPostgresReport).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Count(m => m.IsDefined(typeof(PostgresFactAttribute)) || m.IsDefined(typeof(PostgresTheoryAttribute)));
        File.WriteAllText(path, $"{tests} PostgreSQL test methods of CustomerLifecycle.Storage.Tests (each theory with all its cases) are skipped on this machine: {reason}. {PostgresServer.RequireVariable}=1 makes a missing server a failure instead, as in CI.");
    }
}
