using CustomerLifecycle.Storage.PostgreSql;
using CustomerLifecycle.Storage.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Storage.Tests;

/// <summary>Saved states: the latest per key, whole, across instances, on every store.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StateStoreTests(PostgresServer server) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-state-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task TheLatestStatePerKey_IsReadBackWhole(Func<IStateStore> open)
    {
        var day = new LocalDate(2026, 12, 2);
        var big = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var writer = open();
        var reader = open();
        try
        {
            Assert.Null(await reader.ReadAsync("usage"));
            await writer.WriteAsync("usage", day, new byte[] { 1, 2, 3 });
            await writer.WriteAsync("other", day, new byte[] { 9 });
            await writer.WriteAsync("usage", day.PlusDays(1), big);
            var read = await reader.ReadAsync("usage");
            Assert.Equal(("usage", day.PlusDays(1)), (read!.Key, read.AsOf));
            Assert.Equal(big, read.State);
            Assert.Equal([9], (await reader.ReadAsync("other"))!.State);
            await Assert.ThrowsAnyAsync<ArgumentException>(async () => await writer.WriteAsync(" ", day, new byte[] { 1 }));
        }
        finally
        {
            foreach (var store in new[] { writer, reader })
            {
                if (store is IAsyncDisposable disposable)
                {
                    await disposable.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public Task InMemory() => TheLatestStatePerKey_IsReadBackWhole(() => Shared.Instance);

    [Fact]
    public Task Sqlite() => TheLatestStatePerKey_IsReadBackWhole(() => new SqliteStateStore(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "state.db")}" }));

    [PostgresFact]
    public Task PostgreSql()
    {
        var schema = PostgresServer.NewSchema();
        return TheLatestStatePerKey_IsReadBackWhole(() => new PostgreSqlStateStore(new PostgreSqlStorageOptions { ConnectionString = server.ConnectionString, Schema = schema }));
    }

    // The in-memory store is one process's: both "instances" are the same store.
    private static class Shared
    {
        public static readonly InMemoryStateStore Instance = new();
    }
}
