using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using CustomerLifecycle.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>
/// The usage step fed Apache Arrow record batches: batches carry no ids, so a date's batches are applied exactly once,
/// through a failure half-way, a rerun and a new instance.
/// </summary>
public sealed class UsageBatchTests : IDisposable
{
    private static readonly LocalDate Day = new(2026, 12, 2);
    private readonly string _folder = Directory.CreateTempSubdirectory("cl-batches-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private ServiceProvider Instance(FakeTimeProvider time)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id)
            .UseTimeProvider(time)
            .AddUsage(u => u.Count("logins_30d", 30, "user.login"))
            .AddSqliteStorage($"Data Source={Path.Combine(_folder, "pipeline.db")}")
            .AddLifecyclePipeline(p => p.UseAccountSource<ListSource>().UseUsageBatches<LoginBatches>().Configure(o =>
            {
                o.Schedule = false;
                o.RetryDelay = TimeSpan.Zero;
            }));
        return collection.BuildServiceProvider();
    }

    private static double Logins(PipelineRunResult result) =>
        result.Day!.Accounts.Single(a => a.Id == new AccountId("acct-000")).Signals[new SignalKey("logins_30d")] ?? double.NaN;

    private static IReadOnlyDictionary<string, long> UsageCounts(PipelineRunResult result) => result.Run!.Steps.Single(s => s.Step == "usage").Counts;

    [Fact]
    public async Task ADatesBatches_AreAppliedOnce_ThroughAFailureHalfWay_ARerun_AndANewInstance()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 0).ToDateTimeOffset());
        await using (var a = Instance(time))
        {
            // The source fails after its first batch on the first attempt; the retry starts from nothing again.
            LoginBatches.FailAfterFirstBatch = true;
            var first = await a.GetRequiredService<LifecyclePipeline>().RunAsync(Day);
            Assert.Equal(2, Logins(first));
            Assert.Equal((2L, 20L), (UsageCounts(first)["batches"], UsageCounts(first)["events_accepted"]));

            // The same date again: its batches are in the saved state, so none is read.
            var rerun = await a.GetRequiredService<LifecyclePipeline>().RunAsync(new PipelineRunRequest { Date = Day, Rerun = true });
            Assert.Equal(2, Logins(rerun));
            Assert.Equal(0L, UsageCounts(rerun)["batches"]);
        }

        // The next date on a new instance: it continues from the saved state.
        time.Advance(TimeSpan.FromDays(1));
        await using var b = Instance(time);
        LoginBatches.FailAfterFirstBatch = true;
        var next = await b.GetRequiredService<LifecyclePipeline>().RunAsync(Day.PlusDays(1));
        Assert.Equal(4, Logins(next));
        Assert.Equal(2L, UsageCounts(next)["batches"]);
    }

    [Fact]
    public void BatchesAndEvents_AreRefusedTogether()
    {
        var collection = new ServiceCollection();
        collection.AddCustomerLifecycle()
            .AddUsage(u => u.Count("logins_30d", 30, "user.login"))
            .AddLifecyclePipeline(p => p.UseAccountSource<ListSource>().UseUsageBatches<LoginBatches>().UseUsageEvents<LoginEvents>());
        using var provider = collection.BuildServiceProvider();
        Assert.Contains("register one", Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<LifecyclePipeline>()).Message, StringComparison.Ordinal);
    }

    /// <summary>Each date, two batches, each with one login (at 01:00 and 02:00 local) for each of the first ten accounts.</summary>
    public sealed class LoginBatches : IUsageBatchSource
    {
        public static bool FailAfterFirstBatch { get; set; }

        public UsageArrowColumns? Columns => null;

        public async IAsyncEnumerable<RecordBatch> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            for (var n = 0; n < 2; n++)
            {
                if (n == 1 && FailAfterFirstBatch)
                {
                    FailAfterFirstBatch = false;
                    throw new IOException("The warehouse export stopped.");
                }

                var at = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
                var accounts = new StringArray.Builder();
                var users = new StringArray.Builder();
                var names = new StringArray.Builder();
                for (var i = 0; i < 10; i++)
                {
                    accounts.Append($"acct-{i:D3}");
                    users.Append($"user{n}");
                    names.Append("user.login");
                    at.Append((date.AtStartOfDayInZone(NewYork).ToInstant() + Duration.FromHours(1 + n)).ToDateTimeOffset());
                }

                var schema = new Schema.Builder()
                    .Field(f => f.Name("account").DataType(StringType.Default))
                    .Field(f => f.Name("user").DataType(StringType.Default))
                    .Field(f => f.Name("name").DataType(StringType.Default))
                    .Field(f => f.Name("at").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")))
                    .Build();
                yield return new RecordBatch(schema, [accounts.Build(), users.Build(), names.Build(), at.Build()], 10);
            }
        }
    }
}
