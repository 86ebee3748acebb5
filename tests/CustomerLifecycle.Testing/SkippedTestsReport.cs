using System.Reflection;

namespace CustomerLifecycle.Testing;

/// <summary>
/// The one-line report a test project leaves next to its assembly when it skips tests for want of something on the
/// machine (a PostgreSQL server, Chromium); the project's MSBuild target prints it as a warning after
/// <c>dotnet test</c>, where skip reasons alone show only at normal verbosity. No file when nothing is skipped.
/// </summary>
public static class SkippedTestsReport
{
    /// <summary>Writes the report, or deletes an old one when <paramref name="reason"/> is null.</summary>
    /// <param name="fileName">The report's file name, next to the test assembly.</param>
    /// <param name="reason">Why the tests are skipped; null when they run.</param>
    /// <param name="assembly">The test assembly.</param>
    /// <param name="attributes">The attributes that mark the tests that need the missing thing.</param>
    /// <param name="line">The report's line, given the number of test methods skipped and the reason.</param>
    public static void Write(string fileName, string? reason, Assembly assembly, Type[] attributes, Func<int, string, string> line)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(line);
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        if (reason is null)
        {
            File.Delete(path);
            return;
        }

        var tests = assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Count(m => attributes.Any(a => m.IsDefined(a)));
        File.WriteAllText(path, line(tests, reason));
    }
}
