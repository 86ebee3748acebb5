using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation.Tests;

internal static class TestAccounts
{
    public static readonly LocalDate Today = new(2026, 11, 22);

    public static Account Make(
        string id = "acme",
        int? tenureDays = 400,
        decimal arr = 20_000m,
        string currency = "USD",
        int seats = 100,
        StageId? stage = null,
        string? owner = "dana",
        string? tier = null,
        string? plan = null,
        int renewalInDays = 200,
        params (SignalKey Key, double Value)[] signals) => new()
        {
            Id = new AccountId(id),
            Name = "Account " + id,
            Owner = owner,
            Tier = tier,
            CustomerSince = tenureDays is { } days ? Today.PlusDays(-days) : null,
            Contract = new Contract(Today.PlusDays(renewalInDays).PlusYears(-1), Today.PlusDays(renewalInDays), new Money(arr, currency), seats, plan),
            Stage = stage ?? DefaultLifecycleStages.Adoption,
            Signals = SignalSet.FromPairs(signals.Select(s => KeyValuePair.Create(s.Key, s.Value))),
        };

    public static HealthScore Health(double value, HealthColor color) => new() { Value = value, Color = color, Confidence = 1, ScorecardId = "default" };
}
