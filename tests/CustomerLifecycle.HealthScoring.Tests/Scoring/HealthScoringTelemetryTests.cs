using CustomerLifecycle.Testing;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>The accounts-scored counter after a known batch: one measurement per color, the batch's own counts.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class HealthScoringTelemetryTests
{
    private static Account[] Accounts() => [.. Enumerable.Range(0, 300).Select(i => new Account
    {
        Id = new AccountId("a" + i),
        Name = "A" + i,
        Signals = i % 10 == 0 ? SignalSet.Empty : SignalSet.Create([
            new(WellKnownSignals.Logins30Days, i % 7 * 9), new(WellKnownSignals.ActiveSeats, i % 50), new(WellKnownSignals.Nps, i % 11),
            new(WellKnownSignals.UnresolvedTickets, i % 5), new(WellKnownSignals.HighSeverityTickets, i % 3), new(WellKnownSignals.OnboardingCompletion, 0.5),
            new(WellKnownSignals.FeaturesUsed, i % 13), new(WellKnownSignals.Csat, 1 + (i % 5)), new(WellKnownSignals.LicensedSeats, 50)]),
    })];

    [Fact]
    public void ABatch_IsCountedByColor_OncePerAccount()
    {
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, FakeClock.AtDefaultStart());
        var accounts = Accounts();
        var results = new HealthScore[accounts.Length];
        using var scored = new MetricCollector<long>(null, CustomerLifecycleTelemetry.Name, "customerlifecycle.health.accounts_scored");

        scorer.ScoreBatch(accounts, results);
        var colors = results.GroupBy(r => r.Color?.ToString().ToLowerInvariant() ?? "none").ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.True(colors.Count >= 3, $"the portfolio should cover several colors: {string.Join(", ", colors)}");
        var measured = scored.GetMeasurementSnapshot();
        Assert.Equal(colors.Count, measured.Count); // one measurement per color, not one per account
        Assert.Equal(colors.OrderBy(c => c.Key), measured.Select(m => new KeyValuePair<string, long>((string)m.Tags["customerlifecycle.health.color"]!, m.Value)).OrderBy(c => c.Key));

        // The column path and a single score count too.
        scored.Clear();
        var matrix = SignalMatrix.FromAccounts(accounts, Scorecard.Default.Signals);
        scorer.ScoreBatch(matrix, new double[accounts.Length], new HealthColor?[accounts.Length]);
        scorer.Score(accounts[1]);
        Assert.Equal(accounts.Length + 1, scored.GetMeasurementSnapshot().Sum(m => m.Value));
    }
}

/// <summary>The tests that listen to the meter run alone, so that their listeners reach no allocation test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
