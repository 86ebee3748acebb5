using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using static CustomerLifecycle.Segmentation.Tests.TestAccounts;

namespace CustomerLifecycle.Segmentation.Tests.Segments;

public sealed class DefaultSegmentsTests
{
    private static string[] SegmentsOf(Account account, HealthScore? health = null) =>
        [.. SegmentCatalog.Default.SegmentsOf(new SegmentSubject(account, health), Today).Select(s => s.Name)];

    [Theory]
    [InlineData(0, "Onboarding")]
    [InlineData(90, "Onboarding")]
    [InlineData(91, null)] // day 91 is before month 3 ends: between Onboarding and Nurture
    [InlineData(92, "Nurture")] // 2026-08-22 to 2026-11-22 is three calendar months
    [InlineData(200, "Nurture")]
    [InlineData(300, null)] // months 9 to 12: none of the three
    [InlineData(365, null)]
    [InlineData(366, "Established")]
    public void Tenure_PutsAnAccountInOneOfOnboardingNurtureEstablished(int tenureDays, string? expected)
    {
        var tenure = SegmentsOf(Make(tenureDays: tenureDays)).Intersect([DefaultSegments.Onboarding, DefaultSegments.Nurture, DefaultSegments.Established]);
        Assert.Equal(expected is null ? [] : [expected], tenure);
    }

    [Fact]
    public void HandMadeAccounts_LandInTheSegmentsTheDocumentsDescribe()
    {
        // A large, long-standing, enthusiastic account using almost every seat.
        var advocate = Make(tenureDays: 800, arr: 120_000m, seats: 100, signals: [(WellKnownSignals.Nps, 10), (WellKnownSignals.ActiveSeats, 95), (WellKnownSignals.Logins30Days, 40), (WellKnownSignals.DaysSinceLastLogin, 1)]);
        Assert.Equal(["Established", "Growth", "Advocate", "HighEngagement", "HighTouch", "SalesLed"], SegmentsOf(advocate, Health(85, HealthColor.Green)));

        // A small new account that has gone quiet and turned Red.
        var quiet = Make(tenureDays: 30, arr: 4_000m, seats: 10, signals: [(WellKnownSignals.Logins30Days, 2), (WellKnownSignals.DaysSinceLastLogin, 21), (WellKnownSignals.ActiveSeats, 3)]);
        Assert.Equal(["Onboarding", "AtRisk", "LowEngagement", "TechTouch", "ProductLed"], SegmentsOf(quiet, Health(30, HealthColor.Red)));

        // A mid-size account: low touch, no engagement data, NPS 9 but under a year.
        var mid = Make(tenureDays: 150, arr: 10_000m, signals: [(WellKnownSignals.Nps, 9)]);
        Assert.Equal(["Nurture", "LowTouch", "SalesLed"], SegmentsOf(mid, Health(70, HealthColor.Yellow)));

        // A churned account is a win-back candidate, and not AtRisk or in a tenure segment any more.
        var churned = Make(tenureDays: 500, arr: 49_999.99m, stage: DefaultLifecycleStages.Churned);
        Assert.Equal(["Churned", "LowTouch", "SalesLed"], SegmentsOf(churned, Health(10, HealthColor.Red)));
    }

    [Fact]
    public void EveryDefaultSegment_HasADescription_AndPrintsBackToItsRule()
    {
        Assert.Equal(14, DefaultSegments.All.Count);
        foreach (var segment in DefaultSegments.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(segment.Description));
            Assert.Equal(segment.Rule, SegmentRule.Parse(segment.Rule.ToString()));
        }
    }
}
