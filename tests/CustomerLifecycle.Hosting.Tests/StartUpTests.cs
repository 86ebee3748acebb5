using CustomerLifecycle.Feedback;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using static CustomerLifecycle.Hosting.Tests.Fixtures;

namespace CustomerLifecycle.Hosting.Tests;

/// <summary>What an application sees as it starts: options checked without a host, what the worker logs, the clocks, a check without its pipeline.</summary>
public sealed class StartUpTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("customerlifecycle-startup-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    public static TheoryData<Type> PackageServices() =>
    [
        typeof(HealthScorer), typeof(HealthCalibrator), typeof(Segmenter), typeof(PlaybookEngine), typeof(RenewalForecaster),
        typeof(UsageAggregator), typeof(LifecycleStageMachine), typeof(FeedbackLoopTracker), typeof(LifecyclePipeline),
    ];

    [Theory]
    [MemberData(nameof(PackageServices))]
    public void WithoutAHost_TheFirstResolveOfAnyServiceOfThePackages_ValidatesTheirOptions(Type service)
    {
        // A misspelt zone is read only by the business clock; the scorer and the forecaster never touch it, and scored
        // and forecast with it before.
        var collection = new ServiceCollection();
        collection.AddCustomerLifecycle(o => o.TimeZone = "Europe/Londn")
            .AddUsage(u => u.Count("logins_30d", 30, "user.login"))
            .AddHealthScoring()
            .AddSegmentation()
            .AddForecasting()
            .AddPlaybooks()
            .AddLifecyclePipeline(p => p.UseAccountSource<ListSource>());
        using var provider = collection.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService(service));
        Assert.Contains("TimeZone: 'Europe/Londn' is not a tzdb time zone id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFactorOfYourOwnThatReadsTheBusinessClock_ResolvesWithTheOptionsChecked()
    {
        // The options' validators resolve the factors; a factor taking the business clock must not make a circle.
        var collection = new ServiceCollection();
        collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id).AddHealthScoring(h => h.AddFactor<DaysToRenewal>());
        using var provider = collection.BuildServiceProvider();
        Assert.Contains(provider.GetServices<IHealthFactor>(), f => f is DaysToRenewal);
        Assert.NotNull(provider.GetRequiredService<HealthScorer>());
    }

    [Fact]
    public void OneTimeProvider_MovesTheBusinessClockAndThePipelinesTime()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 4, 0).ToDateTimeOffset());
        var collection = new ServiceCollection();
        collection.AddCustomerLifecycle(o => o.TimeZone = NewYork.Id).UseTimeProvider(time).AddLifecyclePipeline(p => p.UseAccountSource<ListSource>());
        using var provider = collection.BuildServiceProvider();
        var clock = provider.GetRequiredService<BusinessClock>();
        Assert.Equal(new LocalDate(2026, 12, 1), clock.Today); // 23:00 in New York
        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(new LocalDate(2026, 12, 2), clock.Today);
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task TheScheduledPipeline_SaysAtStartWhatItRuns_AndEachStepAsItStarts()
    {
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 30).ToDateTimeOffset()); // 06:30 New York: due
        var logs = new FakeLogCollector();
        await using var provider = Host(Path.Combine(_folder, "start.db"), time, schedule: true,
            services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new FakeLoggerProvider(logs)));
        var service = provider.GetServices<IHostedService>().OfType<LifecyclePipelineService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 2000 && !logs.GetSnapshot().Any(r => r.Id.Id == 5005); i++)
            {
                await Task.Delay(5);
            }

            var records = logs.GetSnapshot();
            var start = Assert.Single(records, r => r.Id.Id == 5014);
            Assert.Equal(
                "Pipeline daily started: business dates in America/New_York; runs each day at 06:00; 2026-12-02 is due and runs now; 1 shard(s), 1 at a time; ledger SqlitePipelineRunStore, state store SqliteStateStore; steps accounts, stages, health, segments, playbooks, forecast",
                start.Message);
            Assert.Equal(
                ["accounts", "stages", "health", "segments", "playbooks", "forecast"],
                records.Where(r => r.Id.Id == 5013).Select(r => r.GetStructuredStateValue("Step")));
            Assert.True(records.ToList().FindIndex(r => r.Id.Id == 5014) < records.ToList().FindIndex(r => r.Id.Id == 5013), "the start is logged before the first step");
            Assert.Equal("Pipeline daily: step health for 2026-12-02 started (attempt 1)", records.First(r => r.Id.Id == 5013 && r.GetStructuredStateValue("Step") == "health").Message);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AScorecardThatMeasuresNothing_IsAWarning_SaidOnce()
    {
        // Accounts whose signals the default scorecard does not read: every score is missing or imputed. Two dates, one warning.
        var time = new FakeTimeProvider(Instant.FromUtc(2026, 12, 2, 11, 30).ToDateTimeOffset());
        var logs = new FakeLogCollector();
        await using var provider = Host(Path.Combine(_folder, "blind.db"), time,
            pipeline: p => p.UseAccountSource<UnreadSignals>(),
            services: s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new FakeLoggerProvider(logs)));
        var pipeline = provider.GetRequiredService<LifecyclePipeline>();
        await pipeline.RunAsync(new LocalDate(2026, 12, 1));
        await pipeline.RunAsync(new LocalDate(2026, 12, 2));
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 5015);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.StartsWith($"Scorecard {Scorecard.Default.Id} v{Scorecard.Default.Version} measured none of its factors for the 3 accounts it scored: they carry none of the signals it reads (logins_30d, active_seats, ", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APipelineCheckWithoutAPipeline_StopsTheHostStarting_SayingWhy()
    {
        // The host starts its hosted services in order; one of them refuses.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCustomerLifecycle();
        services.AddHealthChecks().AddLifecyclePipelineCheck();
        await using var provider = services.BuildServiceProvider();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            foreach (var hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        });
        Assert.Equal("AddLifecyclePipelineCheck was called, but no pipeline is registered: the check reads the daily pipeline's ledger. Add it (services.AddCustomerLifecycle(...).AddLifecyclePipeline(...)), or remove the check.", error.Message);
    }

    /// <summary>Three adoption accounts with signals of their own names only.</summary>
    public sealed class UnreadSignals : IAccountSource
    {
        public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            foreach (var i in Enumerable.Range(1, 3))
            {
                yield return new Account { Id = new AccountId($"u{i}"), Name = $"U{i}", Stage = DefaultLifecycleStages.Adoption, Signals = SignalSet.Create([new(new SignalKey("weekly_logins"), 30), new(new SignalKey("happiness"), 9)]) };
            }
        }
    }

    /// <summary>A factor of the user's that needs today's date: days until the contract ends.</summary>
    private sealed class DaysToRenewal(BusinessClock clock) : IHealthFactor
    {
        public string Name => "days_to_renewal";

        public string Description => $"days from {clock.Zone.Id} today to the renewal";

        public IReadOnlyList<SignalKey> Inputs { get; } = [new("renewal_days")];

        public PointMapping DefaultMapping { get; } = PointMapping.Linear((0, 0), (90, 100));

        public double Measure(ReadOnlySpan<double> inputs) => inputs[0];
    }
}
