using CustomerLifecycle.Stages;

namespace CustomerLifecycle.HealthScoring;

internal static class DefaultScorecards
{
    public static IReadOnlyList<CriticalRule> DefaultRules { get; } =
    [
        new CriticalRule("two or more open high-severity tickets", WellKnownSignals.HighSeverityTickets, ComparisonOperator.GreaterThanOrEqual, 2, HealthColor.Red),
        new CriticalRule("the champion left", WellKnownSignals.ChampionLeft, ComparisonOperator.GreaterThanOrEqual, 1, HealthColor.Red),
    ];

    public static Scorecard CreateDefault()
    {
        var builder = Scorecard.CreateBuilder("default", 1);
        builder
            .AddGroup("usage", 35, g => g
                .AddFactor(HealthFactors.UsageFrequency, 1)
                .AddFactor(HealthFactors.FeatureDepth, 1)
                .AddFactor(HealthFactors.SeatUtilization, 1))
            .AddGroup("support", 20, g => g
                .AddFactor(HealthFactors.TicketVolume, 1)
                .AddFactor(HealthFactors.UnresolvedTickets, 1)
                .AddFactor(HealthFactors.HighSeverityTickets, 1))
            .AddGroup("feedback", 20, g => g
                .AddFactor(HealthFactors.Nps, 2)
                .AddFactor(HealthFactors.Csat, 1))
            .AddGroup("engagement", 10, g => g
                .AddFactor(HealthFactors.SurveyResponse, 1)
                .AddFactor(HealthFactors.WebinarAttendance, 1)
                .AddFactor(HealthFactors.EmailEngagement, 1))
            .AddGroup("account_changes", 10, g => g
                .AddFactor(HealthFactors.ChampionLeft, 1)
                .AddFactor(HealthFactors.LatePayment, 1)
                .AddFactor(HealthFactors.Contraction, 1))
            .AddFactor(HealthFactors.CsmSentiment, 5);
        foreach (var rule in DefaultRules)
        {
            builder.AddCriticalRule(rule);
        }

        return builder.WithDescription("General-purpose scorecard for established customers.").Build();
    }

    public static Scorecard CreateOnboarding() =>
        Scorecard.CreateBuilder("onboarding", 1)
            .AddFactor(HealthFactors.OnboardingProgress, 60)
            .AddGroup("usage", 25, g => g
                .AddFactor(HealthFactors.UsageFrequency, 1)
                .AddFactor(HealthFactors.SeatUtilization, 1))
            .AddGroup("support", 15, g => g
                .AddFactor(HealthFactors.UnresolvedTickets, 1)
                .AddFactor(HealthFactors.HighSeverityTickets, 1))
            .AddCriticalRule(DefaultRules[0])
            .WithDescription("New customers, scored mostly on onboarding progress.")
            .Build();
}
