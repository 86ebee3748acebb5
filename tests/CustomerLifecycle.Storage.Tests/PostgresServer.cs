using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL server the tests start themselves from the machine's Debian <c>postgresql</c> binaries: a
/// new cluster in a temporary folder (initdb), on a free loopback port (pg_ctl), as a non-root user (the
/// <c>postgres</c> account when the tests run as root, since PostgreSQL refuses to run as root). One per test run,
/// stopped and deleted when the run ends. No Docker.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Set by .ci/run: a server that cannot be started is a failure, not a skip.</summary>
    public const string RequireVariable = "CUSTOMERLIFECYCLE_REQUIRE_POSTGRES";

    private static readonly Lazy<(string? Bin, string? Reason)> Binaries = new(FindBinaries);
    private string? _folder;

    /// <summary>The binaries' folder, or why there is none (then the tests that need a server are skipped).</summary>
    public static string? SkipReason => Required ? null : Binaries.Value.Reason;

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true";

    public string ConnectionString { get; private set; } = "";

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        if (Binaries.Value.Bin is not { } bin)
        {
            if (Required)
            {
                throw new InvalidOperationException($"{RequireVariable} is set, but no PostgreSQL server can be started: {Binaries.Value.Reason}");
            }

            return;
        }

        _folder = Directory.CreateTempSubdirectory("customerlifecycle-pg-").FullName;
        var data = Path.Combine(_folder, "data");
        var asUser = Environment.UserName == "root" ? "postgres" : null;
        if (asUser is not null)
        {
            Run("chown", null, "-R", $"{asUser}:{asUser}", _folder);
        }

        Run(Path.Combine(bin, "initdb"), asUser, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "--locale=C");
        Port = FreePort();
        Run(Path.Combine(bin, "pg_ctl"), asUser, "-D", data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
        ConnectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = "postgres", Pooling = true, MaxPoolSize = 20 }.ToString();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
    }

    public Task DisposeAsync()
    {
        if (_folder is not null && Binaries.Value.Bin is { } bin)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), Environment.UserName == "root" ? "postgres" : null, "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
            }
            finally
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A new, empty schema name: each test keeps its tables apart on the shared server.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

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

/// <summary>The tests that share the server.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>A fact that needs the PostgreSQL server: skipped, with the reason, where none can be started (unless required).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs the PostgreSQL server: skipped, with the reason, where none can be started (unless required).</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
