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

    [Theory]
    [InlineData("another instance")]
    [InlineData("the same instance, restarted inside its lease")]
    public async Task AWorkerKilledHoldingTheDate_ItsDateIsCompletedByTheNextAfterItsLease(string survivor)
    {
        // Issue 30: an instance SIGKILLed while it holds the day used to leave the ledger Running; the survivor (or the
        // same worker restarted at once, a new holder) logged "skipped" and waited for the next day. Now it waits for the
        // dead holder's lease (4 s here) and resumes the day after its last completed step.
        var database = Path.Combine(_folder, $"killed-{survivor.Length}.db");
        string[] settings = ["--Worker:Database=" + database, "--Worker:Accounts=40000", "--CustomerLifecycle:Pipeline:Lease=00:00:04", "--CustomerLifecycle:Pipeline:RetryDelay=00:00:01", "--CustomerLifecycle:Pipeline:RunAt=00:00", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:CustomerLifecycle.Hosting=Information", "--Worker:Http=http://127.0.0.1:0"];
        var (holder, holderOutput) = Start(["--once", .. settings]);
        var watch = Stopwatch.StartNew();
        while (Status(database) is not (0, _) && !holder.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(10);
        }

        Assert.False(holder.HasExited, $"the worker finished before it could be killed:\n{holderOutput}");
        holder.Kill(); // SIGKILL, holding the day
        await holder.WaitForExitAsync();
        Assert.Equal((0, 1), Status(database)); // still Running, claimed once

        // The scheduled worker (the day is due at start): it finds the day held, waits for the lease, and completes it.
        var (next, nextOutput) = Start(settings);
        try
        {
            watch.Restart();
            while (Status(database) is not (1, _) && !next.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(50);
            }

            Assert.True(Status(database) == (1, 2), $"the day was not completed by a second claim ({Status(database)}):\n{nextOutput}");
            Assert.Contains("holds it until", nextOutput.ToString(), StringComparison.Ordinal); // event 5011 while it waited
        }
        finally
        {
            next.Kill();
            await next.WaitForExitAsync();
            holder.Dispose();
            next.Dispose();
        }
    }

    [Fact]
    public async Task Scheduled_ItServesItsHealthAndItsMetricsOverHttp()
    {
        // The day is due at start (RunAt 00:00): the worker runs it, then /healthz says Healthy and /metrics (Prometheus'
        // text format, through OpenTelemetry's exporter) has the day's counts.
        var port = FreePort();
        var (worker, output) = Start(["--Worker:Database=" + Path.Combine(_folder, "http.db"), "--Worker:Accounts=300", $"--Worker:Http=http://127.0.0.1:{port}", "--CustomerLifecycle:Pipeline:RunAt=00:00", "--Logging:LogLevel:Default=Warning"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var watch = Stopwatch.StartNew();
            (int Code, string Body) health = (0, "");
            while (health.Body != "Healthy" && !worker.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                try
                {
                    using var response = await http.GetAsync("/healthz");
                    health = ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(100);
            }

            Assert.True(health == (200, "Healthy"), $"/healthz answered {health}:\n{output}");
            var metrics = await http.GetStringAsync("/metrics");
            Assert.Matches(@"(?m)^customerlifecycle_pipeline_runs_total\{[^}]*customerlifecycle_pipeline_outcome=""succeeded""[^}]*\} 1( \d+)?$", metrics);
            Assert.Matches(@"(?m)^customerlifecycle_health_accounts_scored_total\{[^}]*customerlifecycle_health_color=""red""[^}]*\} 100( \d+)?$", metrics);
            Assert.Matches(@"(?m)^customerlifecycle_pipeline_step_duration_seconds_count\{[^}]*customerlifecycle_pipeline_step=""playbooks""[^}]*\} 1( \d+)?$", metrics);
        }
        finally
        {
            worker.Kill();
            await worker.WaitForExitAsync();
            worker.Dispose();
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The ledger's status and claims for the one date run, or (-1, 0) when there is none yet.</summary>
    private static (int Status, int Claims) Status(string database)
    {
        if (!File.Exists(database))
        {
            return (-1, 0);
        }

        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT status, claims FROM pipeline_run";
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetInt32(0), reader.GetInt32(1)) : (-1, 0);
        }
        catch (SqliteException)
        {
            return (-1, 0); // the file is being created, or its ledger table is not there yet
        }
    }

    private (Process Process, System.Text.StringBuilder Output) Start(string[] arguments) => CustomerLifecycle.Testing.ChildProcess.Start(WorkerPath(), arguments, _folder);

    private static string WorkerPath()
    {
        // tests/CustomerLifecycle.Hosting.Tests/bin/<configuration>/<framework>[/<rid>]/ → samples/CustomerLifecycle.Worker/bin/<configuration>/net10.0/
        var bin = new DirectoryInfo(AppContext.BaseDirectory);
        while (bin.Parent is { } parent && parent.Name != "bin")
        {
            bin = parent;
        }

        var worker = Path.GetFullPath(Path.Combine(bin.Parent!.Parent!.Parent!.Parent!.FullName, "samples", "CustomerLifecycle.Worker", "bin", bin.Name, "net10.0", "CustomerLifecycle.Worker.dll"));
        Assert.True(File.Exists(worker), $"the worker sample was not built: {worker}");
        return worker;
    }

    private async Task<string> RunAsync()
    {
        var worker = WorkerPath();
        var (exitCode, output, error) = await CustomerLifecycle.Testing.ChildProcess.RunAsync("dotnet", [worker, "--once", "--Worker:Database=" + Path.Combine(_folder, "worker.db"), "--Worker:Accounts=300", "--Logging:LogLevel:Default=Warning"], TimeSpan.FromMinutes(2), _folder);
        Assert.True(exitCode == 0, $"the worker failed ({exitCode}):\n{output}\n{error}");
        return output;
    }
}
