using System.Runtime.CompilerServices;
using CustomerLifecycle.Playbooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>A portfolio of 60 accounts (every third with poor signals, so Red), the whole composition, and a clock the tests move.</summary>
internal static class Fixtures
{
    public static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    public static Account[] Portfolio(int count = 60) => [.. Enumerable.Range(0, count).Select(i => new Account
    {
        Id = new AccountId($"acct-{i:D3}"),
        Name = $"Account {i}",
        Owner = $"csm-{i % 4}",
        CustomerSince = new LocalDate(2024, 1, 1).PlusDays(i),
        Contract = new Contract(new LocalDate(2026, 3, 1), new LocalDate(2027, 3, 1).PlusDays(i), new Money(10_000 + (i * 1_000), "USD"), 20),
        Signals = i % 3 == 0
            ? SignalSet.Create([new(WellKnownSignals.Logins30Days, 0), new(WellKnownSignals.ActiveSeats, 1), new(WellKnownSignals.Nps, 2), new(WellKnownSignals.UnresolvedTickets, 9), new(WellKnownSignals.HighSeverityTickets, 4)])
            : SignalSet.Create([new(WellKnownSignals.Logins30Days, 400), new(WellKnownSignals.ActiveSeats, 19), new(WellKnownSignals.Nps, 10), new(WellKnownSignals.UnresolvedTickets, 0), new(WellKnownSignals.HighSeverityTickets, 0)]),
    })];

    /// <summary>The full composition over a SQLite file (ledger and run store), with the pipeline's schedule off unless asked.</summary>
    public static ServiceProvider Host(string database, FakeTimeProvider time, Action<LifecyclePipelineBuilder>? pipeline = null, bool schedule = false, Action<IServiceCollection>? services = null, bool usage = false)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        services?.Invoke(collection);
        var lifecycle = collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id);
        if (usage)
        {
            lifecycle.AddUsage(u => u.Count("logins_30d", 30, "user.login"));
        }

        lifecycle
            .UseTimeProvider(time)
            .AddHealthScoring()
            .AddSegmentation()
            .AddForecasting()
            .AddPlaybooks()
            .AddSqliteStorage($"Data Source={database}")
            .AddLifecyclePipeline(p =>
            {
                if (usage)
                {
                    p.UseUsageEvents<LoginEvents>();
                }

                p.UseAccountSource<ListSource>().Configure(o =>
                {
                    o.Schedule = schedule;
                    o.RetryDelay = TimeSpan.Zero;
                });
                pipeline?.Invoke(p);
            });
        return collection.BuildServiceProvider();
    }

    public static async Task<int> RunCountAsync(ServiceProvider provider) =>
        (await ((Storage.Sqlite.SqlitePlaybookRunStore)provider.GetRequiredService<IPlaybookRunStore>()).AllRunsAsync()).Count;

    /// <summary>Each date, two logins (01:00 and 02:00 local, before the 06:00 run) for each of the first ten accounts, and the day before's again (a source that repeats).</summary>
    public sealed class LoginEvents : IUsageEventSource
    {
        public async IAsyncEnumerable<CustomerLifecycle.Usage.UsageEvent> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var day in new[] { date.PlusDays(-1), date })
            {
                for (var i = 0; i < 10; i++)
                {
                    for (var n = 0; n < 2; n++)
                    {
                        yield return new($"{day:uuuu-MM-dd}-{i}-{n}", new AccountId($"acct-{i:D3}"), $"user{n}", "user.login", day.AtStartOfDayInZone(NewYork).ToInstant() + Duration.FromHours(1 + n));
                    }
                }
            }
        }
    }

    public sealed class ListSource : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var account in Portfolio())
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
                yield return account;
            }
        }
    }
}
