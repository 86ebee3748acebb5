using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CustomerLifecycle.Segmentation.Tests.TestAccounts;

namespace CustomerLifecycle.Segmentation.Tests.DependencyInjection;

public sealed class AddSegmentationTests
{
    private const string Section = "CustomerLifecycle:Segmentation";

    private static ServiceProvider Provider(Dictionary<string, string?> values, Action<SegmentationBuilder>? configure = null)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddCustomerLifecycle()
            .UseClock(new FakeClock(Today.AtStartOfDayInZone(NodaTime.DateTimeZone.Utc).ToInstant().Plus(NodaTime.Duration.FromHours(12))))
            .AddHealthScoring()
            .AddSegmentation(config.GetSection(Section), configure)
            .Services.BuildServiceProvider(validateScopes: true);
    }

    [Fact]
    public void SegmentsFromAppSettings_OverrideDefaults_AddNewOnes_AndRemoveDisabled()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:Segments:Growth:Rule"] = "seats.utilization > 0.95",
            [$"{Section}:Segments:Champions:Rule"] = "signals.nps >= 9 and segment(\"HighEngagement\")",
            [$"{Section}:Segments:Champions:Priority"] = "60",
            [$"{Section}:Segments:ProductLed:Enabled"] = "false",
            [$"{Section}:Segments:AtRisk:Priority"] = "-5",
        }, s => s.Add("Strategic", "tier == \"Strategic\"", priority: 1));

        var segmenter = provider.GetRequiredService<Segmenter>();
        var names = segmenter.Catalog.Segments.Select(s => s.Name).ToList();
        Assert.Equal("AtRisk", names[0]);
        Assert.Contains("Champions", names);
        Assert.Contains("Strategic", names);
        Assert.DoesNotContain("ProductLed", names);
        Assert.Equal("seats.utilization > 0.95", segmenter.Catalog.Segments.Single(s => s.Name == "Growth").Rule.ToString());

        var account = Make(tier: "strategic", tenureDays: 800, seats: 10, signals: [(WellKnownSignals.ActiveSeats, 9), (WellKnownSignals.Nps, 10), (WellKnownSignals.Logins30Days, 25), (WellKnownSignals.DaysSinceLastLogin, 0)]);
        Assert.Equal(["Strategic", "Established", "Advocate", "HighEngagement", "LowTouch", "SalesLed", "Champions"], segmenter.SegmentsOf(account).Select(s => s.Name));
        Assert.Equal(Today, segmenter.Evaluate([account]).Date);
    }

    [Fact]
    public void InvalidConfiguration_StopsStartUp_ReportingEveryErrorWithItsKey()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:Segments:Broken:Rule"] = "tenure.days <=",
            [$"{Section}:Segments:NoRule:Priority"] = "3",
            [$"{Section}:Segments:Loop1:Rule"] = "segment(\"Loop2\")",
            [$"{Section}:Segments:Loop2:Rule"] = "segment(\"Loop1\")",
            [$"{Section}:Segments:Dangling:Rule"] = "segment(\"Missing\")",
        });
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SegmentationOptions>>().Value);

        // A rule that does not parse does not hide the reference and cycle errors of the others.
        Assert.Equal(
        [
            $"{Section}:Segments:Broken:Rule: Line 1, column 15: expected a number, a numeric field or '(' (tenure.days is a number), found the end of the rule.",
            $"{Section}:Segments:NoRule:Rule: a new segment needs a rule, for example \"tenure.days <= 90\".",
            $"{Section}:Segments:Dangling: The rule refers to segment(\"Missing\"), which is not defined.",
        ], e.Failures.Take(3));
        Assert.StartsWith($"{Section}:Segments:Loop1: Segment references form a cycle: Loop1 → Loop2 → Loop1.", e.Failures.Last(), StringComparison.Ordinal);
        Assert.Equal(4, e.Failures.Count());

        using var second = Provider(new()
        {
            [$"{Section}:Segments:Loop1:Rule"] = "segment(\"Loop2\")",
            [$"{Section}:Segments:Loop2:Rule"] = "segment(\"Loop1\")",
            [$"{Section}:Segments:Dangling:Rule"] = "segment(\"Missing\")",
            [$"{Section}:Segments:Churned:Enabled"] = "false",
        });
        var e2 = Assert.Throws<OptionsValidationException>(() => second.GetRequiredService<Segmenter>());
        Assert.Contains($"{Section}:Segments:Dangling: The rule refers to segment(\"Missing\"), which is not defined.", e2.Failures);
        Assert.Contains($"{Section}:Segments:Onboarding: The rule refers to segment(\"Churned\"), which is not defined.", e2.Failures);
        Assert.Contains(e2.Failures, f => f.StartsWith($"{Section}:Segments:Loop1: Segment references form a cycle: Loop1 → Loop2 → Loop1.", StringComparison.Ordinal));
    }

    [Fact]
    public void Limits_AreConfigurable_AndValidated()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:MaxRuleLength"] = "10",
            [$"{Section}:Segments:Long:Rule"] = "tenure.days <= 90",
        });
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SegmentationOptions>>().Value);
        Assert.Contains("at most 10 characters", Assert.Single(e.Failures), StringComparison.Ordinal);

        using var bad = Provider(new() { [$"{Section}:MaxRuleDepth"] = "0" });
        var e2 = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<SegmentationOptions>>().Value);
        Assert.Equal([$"{Section}:MaxRuleDepth: must be 1 to 256 (was 0)."], e2.Failures);
    }

    [Fact]
    public void WithoutConfiguration_TheDefaultsAreRegistered()
    {
        using var provider = new ServiceCollection().AddCustomerLifecycle().AddSegmentation().AddSegmentation().Services.BuildServiceProvider();
        Assert.Equal(DefaultSegments.All.Count, provider.GetRequiredService<SegmentCatalog>().Segments.Count);
        Assert.Same(provider.GetRequiredService<SegmentCatalog>(), provider.GetRequiredService<Segmenter>().Catalog);
    }

    [Fact]
    public void TheSegmenter_EvaluatesOnTheInjectedClocksBusinessDate_OrOnAGivenOne()
    {
        using var provider = new ServiceCollection().AddCustomerLifecycle(o => o.TimeZone = "Pacific/Auckland")
            .UseClock(new CustomerLifecycle.Testing.FakeClock(NodaTime.Instant.FromUtc(2026, 3, 31, 12, 0))) // 1 April, 01:00 in Auckland
            .AddSegmentation().Services.BuildServiceProvider();
        var segmenter = provider.GetRequiredService<Segmenter>();
        var account = new Account { Id = new AccountId("a"), Name = "A", CustomerSince = new NodaTime.LocalDate(2026, 1, 1) };
        Assert.Equal(new NodaTime.LocalDate(2026, 4, 1), segmenter.Evaluate([new SegmentSubject(account)]).Date);
        Assert.Contains(segmenter.SegmentsOf(new SegmentSubject(account)), s => s.Name == DefaultSegments.Onboarding);

        // An explicit date: 91 days after customer_since, out of Onboarding (first 90 days).
        var later = new NodaTime.LocalDate(2026, 4, 2);
        Assert.Equal(later, segmenter.Evaluate([new SegmentSubject(account)], later).Date);
        Assert.DoesNotContain(segmenter.SegmentsOf(new SegmentSubject(account), later), s => s.Name == DefaultSegments.Onboarding);
    }
}
