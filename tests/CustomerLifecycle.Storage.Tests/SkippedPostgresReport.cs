using System.Runtime.CompilerServices;
using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>The skipped PostgreSQL tests, for the project's <c>ReportSkippedPostgresTests</c> target (<see cref="SkippedTestsReport"/>).</summary>
internal static class SkippedPostgresReport
{
#pragma warning disable CA2255 // A module initializer in a test assembly: it runs once, when the test host loads it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Write() => SkippedTestsReport.Write(
        "postgres-skipped.txt",
        PostgresServer.SkipReason,
        typeof(SkippedPostgresReport).Assembly,
        [typeof(PostgresFactAttribute), typeof(PostgresTheoryAttribute)],
        (tests, reason) => $"{tests} PostgreSQL test methods of CustomerLifecycle.Storage.Tests (each theory with all its cases) are skipped on this machine: {reason}. {PostgresServer.RequireVariable}=1 makes a missing server a failure instead, as in CI.");
}
