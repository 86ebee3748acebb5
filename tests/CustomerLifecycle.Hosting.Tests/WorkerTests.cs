using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>The worker sample, run as its own process: a day through the pipeline, its health, and the next run skipping the day.</summary>
public sealed class WorkerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cl-worker-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Once_RunsTheDayThroughThePipeline_AndASecondRunSkipsIt()
    {
        var first = await RunAsync();
        Assert.Contains(": Succeeded", first, StringComparison.Ordinal);
        Assert.Contains("  accounts ", first, StringComparison.Ordinal);
        Assert.Contains("accounts 300, active 300, churned 0", first, StringComparison.Ordinal);
        Assert.Contains("red 100, yellow 0, green 200", first, StringComparison.Ordinal);
        Assert.Contains("  playbooks ", first, StringComparison.Ordinal);
        Assert.Contains("health: Healthy", first, StringComparison.Ordinal);

        var second = await RunAsync();
        Assert.Contains(": Skipped", second, StringComparison.Ordinal);
        Assert.Contains("health: Healthy", second, StringComparison.Ordinal);
    }

    private async Task<string> RunAsync()
    {
        // tests/CustomerLifecycle.Hosting.Tests/bin/<configuration>/<framework>[/<rid>]/ → samples/CustomerLifecycle.Worker/bin/<configuration>/net10.0/
        var bin = new DirectoryInfo(AppContext.BaseDirectory);
        while (bin.Parent is { } parent && parent.Name != "bin")
        {
            bin = parent;
        }

        var worker = Path.GetFullPath(Path.Combine(bin.Parent!.Parent!.Parent!.Parent!.FullName, "samples", "CustomerLifecycle.Worker", "bin", bin.Name, "net10.0", "CustomerLifecycle.Worker.dll"));
        Assert.True(File.Exists(worker), $"the worker sample was not built: {worker}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _folder };
        foreach (var argument in new[] { worker, "--once", "--Worker:Database=" + Path.Combine(_folder, "worker.db"), "--Worker:Accounts=300", "--Logging:LogLevel:Default=Warning" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"the worker failed ({process.ExitCode}):\n{await output}\n{await error}");
        return await output;
    }
}
