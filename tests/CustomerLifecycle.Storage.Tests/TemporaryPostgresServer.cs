using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL server started from the machine's Debian <c>postgresql</c> binaries: a new cluster in a
/// temporary folder (initdb), on a free loopback port (pg_ctl), as a non-root user (the <c>postgres</c> account when the
/// process runs as root, since PostgreSQL refuses to run as root). Stopped and deleted on dispose. No Docker. Shared by
/// the storage tests and the store benchmarks (linked into both).
/// </summary>
public sealed class TemporaryPostgresServer : IAsyncDisposable
{
    private static readonly Lazy<(string? Bin, string? Reason)> Binaries = new(FindBinaries);
    private readonly string _bin;
    private readonly string _folder;

    private TemporaryPostgresServer(string bin, string folder, int port, string connectionString)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
        ConnectionString = connectionString;
    }

    /// <summary>Why no server can be started here, or null when one can.</summary>
    public static string? Unavailable => Binaries.Value.Reason;

    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>Creates a cluster and starts it.</summary>
    /// <exception cref="InvalidOperationException">No binaries, or initdb or pg_ctl failed (the message says why).</exception>
    public static async Task<TemporaryPostgresServer> StartAsync()
    {
        var bin = Binaries.Value.Bin ?? throw new InvalidOperationException(Binaries.Value.Reason);
        var folder = Directory.CreateTempSubdirectory("customerlifecycle-pg-").FullName;
        var data = Path.Combine(folder, "data");
        var asUser = AsUser;
        if (asUser is not null)
        {
            Run("chown", null, "-R", $"{asUser}:{asUser}", folder);
        }

        Run(Path.Combine(bin, "initdb"), asUser, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C");
        var port = FreePort();
        Run(Path.Combine(bin, "pg_ctl"), asUser, "-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
        var connectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = true, MaxPoolSize = 20 }.ToString();
        var server = new TemporaryPostgresServer(bin, folder, port, connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return server;
    }

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), AsUser, "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private static string? AsUser => Environment.UserName == "root" ? "postgres" : null;

    private static (string?, string?) FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("CUSTOMERLIFECYCLE_PG_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        // Debian's layout: /usr/lib/postgresql/<major>/bin; the newest first.
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        var bin = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "initdb")) && File.Exists(Path.Combine(c, "pg_ctl")));
        if (bin is null)
        {
            return (null, "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or CUSTOMERLIFECYCLE_PG_BIN; install Debian's postgresql package to run these tests");
        }

        if (Environment.UserName == "root" && !File.Exists("/usr/sbin/runuser"))
        {
            return (null, "running as root without runuser, and PostgreSQL refuses to run as root");
        }

        return (bin, null);
    }

    private static void Run(string program, string? asUser, params string[] arguments)
    {
        var start = new ProcessStartInfo(asUser is null ? program : "/usr/sbin/runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asUser is not null)
        {
            foreach (var a in new[] { "-u", asUser, "--", program })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} did not finish in two minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
