namespace CustomerLifecycle.Storage.Tests;

/// <summary>
/// The tests' PostgreSQL server (<see cref="TemporaryPostgresServer"/>): one per test run, stopped and deleted when
/// the run ends. Where none can be started the tests that need it are skipped with the reason, unless
/// <see cref="RequireVariable"/> is set (as .ci/run does), when that is a failure.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Set by .ci/run: a server that cannot be started is a failure, not a skip.</summary>
    public const string RequireVariable = "CUSTOMERLIFECYCLE_REQUIRE_POSTGRES";

    private TemporaryPostgresServer? _server;

    /// <summary>Why the tests that need a server are skipped, or null.</summary>
    public static string? SkipReason => Required ? null : TemporaryPostgresServer.Unavailable;

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true";

    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("The PostgreSQL server did not start.");

    public async Task InitializeAsync()
    {
        if (TemporaryPostgresServer.Unavailable is { } reason)
        {
            if (Required)
            {
                throw new InvalidOperationException($"{RequireVariable} is set, but no PostgreSQL server can be started: {reason}");
            }

            return;
        }

        _server = await TemporaryPostgresServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new, empty schema name: each test keeps its tables apart on the shared server.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];
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
