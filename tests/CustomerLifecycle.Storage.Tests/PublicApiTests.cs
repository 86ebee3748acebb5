using System.Reflection;
using CustomerLifecycle.Storage.Conformance;
using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Storage.Tests;

public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => new(typeof(SqlitePlaybookRunStore).Assembly.GetName().Name!, typeof(PostgreSqlPlaybookRunStore).Assembly.GetName().Name!, typeof(PlaybookRunStoreConformance).Assembly.GetName().Name!);

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void PublicApi_MatchesTheCommittedFile(string assembly)
    {
        var ex = Record.Exception(() => PublicApi.AssertMatchesCommitted(Assembly.Load(assembly)));
        Assert.Null(ex);
    }
}
