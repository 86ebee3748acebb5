namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The built-in health factors, one for each signal family of the customer-success literature. Each reads
/// keys from <see cref="WellKnownSignals"/>; the mappings are sensible defaults a scorecard may replace.
/// </summary>
/// <remarks>All members are immutable and thread-safe.</remarks>
public static class HealthFactors
{
    /// <summary>Usage frequency: logins in 30 days per active user. 0 → 0, 4 → 50, 12 → 90, 20 or more → 100.</summary>
    public static RatioFactor UsageFrequency { get; } = new("usage_frequency", WellKnownSignals.Logins30Days, WellKnownSignals.ActiveSeats,
        PointMapping.Linear((0, 0), (4, 50), (12, 90), (20, 100)), "Logins in the last 30 days per active user");

    /// <summary>Usage depth: share of available features used. 0 → 0, 30 % → 50, 60 % → 85, 80 % or more → 100.</summary>
    public static RatioFactor FeatureDepth { get; } = new("feature_depth", WellKnownSignals.FeaturesUsed, WellKnownSignals.FeaturesAvailable,
        PointMapping.Linear((0, 0), (0.3, 50), (0.6, 85), (0.8, 100)), "Share of the plan's features in use");

    /// <summary>Usage breadth: active seats per licensed seat. 0 → 0, 50 % → 50, 80 % → 90, 100 % or more → 100.</summary>
    public static RatioFactor SeatUtilization { get; } = new("seat_utilization", WellKnownSignals.ActiveSeats, WellKnownSignals.LicensedSeats,
        PointMapping.Linear((0, 0), (0.5, 50), (0.8, 90), (1.0, 100)), "Active seats per licensed seat");

    /// <summary>Engagement: share of surveys answered in 90 days. 0 → 0, 25 % → 60, 50 % or more → 100.</summary>
    public static SignalFactor SurveyResponse { get; } = new("survey_response", WellKnownSignals.SurveyResponseRate,
        PointMapping.Linear((0, 0), (0.25, 60), (0.5, 100)), "Share of surveys answered in the last 90 days");

    /// <summary>Engagement: webinars and trainings attended in 90 days. None → 20, 1 → 60, 2 → 80, 4 or more → 100.</summary>
    public static SignalFactor WebinarAttendance { get; } = new("webinar_attendance", WellKnownSignals.WebinarsAttended90Days,
        PointMapping.Bands(20, (1, 60), (2, 80), (4, 100)), "Webinars and trainings attended in the last 90 days");

    /// <summary>Engagement: email open rate. 0 → 0, 20 % → 50, 40 % or more → 100.</summary>
    public static SignalFactor EmailEngagement { get; } = new("email_engagement", WellKnownSignals.EmailOpenRate,
        PointMapping.Linear((0, 0), (0.2, 50), (0.4, 100)), "Share of emails opened in the last 90 days");

    /// <summary>Support volume: tickets opened in 30 days, lower is better. 0–1 → 100, 2 → 80, 5 → 50, 10 → 20, 20 or more → 0.</summary>
    public static SignalFactor TicketVolume { get; } = new("ticket_volume", WellKnownSignals.TicketsOpened30Days,
        PointMapping.Linear((1, 100), (2, 80), (5, 50), (10, 20), (20, 0)), "Support tickets opened in the last 30 days");

    /// <summary>Support: tickets open past their target. None → 100, 1–2 → 60, 3–4 → 30, 5 or more → 0.</summary>
    public static SignalFactor UnresolvedTickets { get; } = new("unresolved_tickets", WellKnownSignals.UnresolvedTickets,
        PointMapping.Bands(100, (1, 60), (3, 30), (5, 0)), "Support tickets open past their target");

    /// <summary>Support: open high-severity tickets. None → 100, 1 → 40, 2 or more → 0.</summary>
    public static SignalFactor HighSeverityTickets { get; } = new("high_severity_tickets", WellKnownSignals.HighSeverityTickets,
        PointMapping.Bands(100, (1, 40), (2, 0)), "Open high-severity support tickets");

    /// <summary>Feedback: the latest NPS response. Detractors (0–6) → 10, passives (7–8) → 60, promoters (9–10) → 100.</summary>
    public static SignalFactor Nps { get; } = new("nps", WellKnownSignals.Nps,
        PointMapping.Bands(10, (7, 60), (9, 100)), "Latest Net Promoter Score response (detractor, passive, promoter)");

    /// <summary>Feedback: the latest CSAT (1–5). 1 → 0, 3 → 50, 4 → 75, 5 → 100.</summary>
    public static SignalFactor Csat { get; } = new("csat", WellKnownSignals.Csat,
        PointMapping.Linear((1, 0), (3, 50), (4, 75), (5, 100)), "Latest customer satisfaction score");

    /// <summary>Account change: the champion left in the last 90 days (1) → 0 points; otherwise (0) → 100.</summary>
    public static SignalFactor ChampionLeft { get; } = new("champion_left", WellKnownSignals.ChampionLeft,
        PointMapping.Bands(100, (0.5, 0)), "Whether the account's champion left recently");

    /// <summary>Account change: days the oldest invoice is late. 0 → 100, 15 → 70, 30 → 40, 60 or more → 0.</summary>
    public static SignalFactor LatePayment { get; } = new("late_payment", WellKnownSignals.DaysLateOnPayment,
        PointMapping.Linear((0, 100), (15, 70), (30, 40), (60, 0)), "Days the oldest unpaid invoice is past due");

    /// <summary>Account change: ARR change at the last renewal. -30 % or less → 0, -10 % → 40, flat → 80, +10 % or more → 100.</summary>
    public static SignalFactor Contraction { get; } = new("contraction", WellKnownSignals.ArrChangeRatio,
        PointMapping.Linear((-0.3, 0), (-0.1, 40), (0, 80), (0.1, 100)), "ARR change at the last renewal or amendment");

    /// <summary>Onboarding progress: share of required onboarding steps done, linearly 0 → 0 to 100 % → 100.</summary>
    public static SignalFactor OnboardingProgress { get; } = new("onboarding_progress", WellKnownSignals.OnboardingCompletion,
        PointMapping.Linear((0, 0), (1, 100)), "Share of required onboarding steps done");

    /// <summary>The CSM's sentiment (1–5), linearly 1 → 0 to 5 → 100.</summary>
    public static SignalFactor CsmSentiment { get; } = new("csm_sentiment", WellKnownSignals.CsmSentiment,
        PointMapping.Linear((1, 0), (5, 100)), "The customer success manager's own sentiment");

    /// <summary>Every built-in factor.</summary>
    public static IReadOnlyList<IHealthFactor> All { get; } =
    [
        UsageFrequency, FeatureDepth, SeatUtilization, SurveyResponse, WebinarAttendance, EmailEngagement,
        TicketVolume, UnresolvedTickets, HighSeverityTickets, Nps, Csat, ChampionLeft, LatePayment, Contraction,
        OnboardingProgress, CsmSentiment,
    ];
}
