using CustomerLifecycle.Feedback;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Storage.Conformance;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>The in-memory store keeps the contract every store keeps.</summary>
public sealed class InMemoryStoreConformance : PlaybookRunStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IPlaybookRunStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryPlaybookRunStore());
}

/// <summary>The SQLite store keeps it, with the concurrency cases across two stores (two connections) on one file.</summary>
public sealed class SqliteStoreConformance : PlaybookRunStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-sqlite-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IPlaybookRunStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqlitePlaybookRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "runs.db")}" }));

    protected override ValueTask<IPlaybookRunStore> OpenAnotherAsync(IPlaybookRunStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL store keeps it, with the concurrency cases across two stores (two connection pools) on one schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStoreConformance(PostgresServer server) : PlaybookRunStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IPlaybookRunStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IPlaybookRunStore> OpenAnotherAsync(IPlaybookRunStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlPlaybookRunStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory pipeline ledger keeps the ledger's contract.</summary>
public sealed class InMemoryLedgerConformance : PipelineRunStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IPipelineRunStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryPipelineRunStore());
}

/// <summary>The SQLite ledger keeps it, racers on two connections to one file.</summary>
public sealed class SqliteLedgerConformance : PipelineRunStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-ledger-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IPipelineRunStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqlitePipelineRunStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "ledger.db")}" }));

    protected override ValueTask<IPipelineRunStore> OpenAnotherAsync(IPipelineRunStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL ledger keeps it, racers on two connection pools to one schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlLedgerConformance(PostgresServer server) : PipelineRunStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IPipelineRunStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlPipelineRunStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IPipelineRunStore> OpenAnotherAsync(IPipelineRunStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlPipelineRunStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory health history keeps the health history's contract.</summary>
public sealed class InMemoryHealthHistoryConformance : HealthHistoryStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IHealthHistoryStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryHealthHistoryStore());
}

/// <summary>The SQLite health history keeps it, read back through a second connection to the file.</summary>
public sealed class SqliteHealthHistoryConformance : HealthHistoryStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-health-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IHealthHistoryStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqliteHealthHistoryStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "health.db")}" }));

    protected override ValueTask<IHealthHistoryStore> OpenAnotherAsync(IHealthHistoryStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL health history keeps it, read back through a second connection pool.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlHealthHistoryConformance(PostgresServer server) : HealthHistoryStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IHealthHistoryStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlHealthHistoryStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IHealthHistoryStore> OpenAnotherAsync(IHealthHistoryStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlHealthHistoryStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory segment snapshots keep the snapshots' contract.</summary>
public sealed class InMemorySegmentSnapshotConformance : SegmentSnapshotStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<ISegmentSnapshotStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemorySegmentSnapshotStore());
}

/// <summary>The SQLite segment snapshots keep it, read back through a second connection to the file.</summary>
public sealed class SqliteSegmentSnapshotConformance : SegmentSnapshotStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-segments-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<ISegmentSnapshotStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqliteSegmentSnapshotStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "segments.db")}" }));

    protected override ValueTask<ISegmentSnapshotStore> OpenAnotherAsync(ISegmentSnapshotStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL segment snapshots keep it, read back through a second connection pool.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlSegmentSnapshotConformance(PostgresServer server) : SegmentSnapshotStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<ISegmentSnapshotStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlSegmentSnapshotStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<ISegmentSnapshotStore> OpenAnotherAsync(ISegmentSnapshotStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlSegmentSnapshotStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory stage histories keep the stage histories' contract.</summary>
public sealed class InMemoryStageHistoryConformance : StageHistoryStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IStageHistoryStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryStageHistoryStore());
}

/// <summary>The SQLite stage histories keep it, read back through a second connection to the file.</summary>
public sealed class SqliteStageHistoryConformance : StageHistoryStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-stages-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IStageHistoryStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqliteStageHistoryStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "stages.db")}" }));

    protected override ValueTask<IStageHistoryStore> OpenAnotherAsync(IStageHistoryStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL stage histories keep it, read back through a second connection pool.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStageHistoryConformance(PostgresServer server) : StageHistoryStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IStageHistoryStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlStageHistoryStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IStageHistoryStore> OpenAnotherAsync(IStageHistoryStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlStageHistoryStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory overrides keep the overrides' contract.</summary>
public sealed class InMemoryHealthOverrideConformance : HealthOverrideStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IHealthOverrideStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryHealthOverrideStore());
}

/// <summary>The SQLite overrides keep it, read back through a second connection to the file.</summary>
public sealed class SqliteHealthOverrideConformance : HealthOverrideStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-overrides-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IHealthOverrideStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqliteHealthOverrideStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "overrides.db")}" }));

    protected override ValueTask<IHealthOverrideStore> OpenAnotherAsync(IHealthOverrideStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL overrides keep it, read back through a second connection pool.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlHealthOverrideConformance(PostgresServer server) : HealthOverrideStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IHealthOverrideStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlHealthOverrideStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IHealthOverrideStore> OpenAnotherAsync(IHealthOverrideStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlHealthOverrideStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}

/// <summary>The in-memory feedback store keeps the feedback contract.</summary>
public sealed class InMemoryFeedbackConformance : FeedbackStoreConformance
{
    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IFeedbackStore> CreateStoreAsync(CancellationToken cancellationToken) => new(new InMemoryFeedbackStore());
}

/// <summary>The SQLite feedback store keeps it, read back through a second connection to the file.</summary>
public sealed class SqliteFeedbackConformance : FeedbackStoreConformance, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-feedback-").FullName;

    public static TheoryData<string> Cases => new(CaseNames);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override ValueTask<IFeedbackStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new(new SqliteFeedbackStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "feedback.db")}" }));

    protected override ValueTask<IFeedbackStore> OpenAnotherAsync(IFeedbackStore store, CancellationToken cancellationToken) => CreateStoreAsync(cancellationToken);
}

/// <summary>The PostgreSQL feedback store keeps it, read back through a second connection pool.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlFeedbackConformance(PostgresServer server) : FeedbackStoreConformance
{
    private string _schema = "";

    public static TheoryData<string> Cases => new(CaseNames);

    [PostgresTheory]
    [MemberData(nameof(Cases))]
    public async Task Conforms(string name) => Assert.Null(await Record.ExceptionAsync(() => RunAsync(name)));

    protected override ValueTask<IFeedbackStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _schema = PostgresServer.NewSchema();
        return new(new PostgreSqlFeedbackStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
    }

    protected override ValueTask<IFeedbackStore> OpenAnotherAsync(IFeedbackStore store, CancellationToken cancellationToken) =>
        new(new PostgreSqlFeedbackStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = _schema }));
}
