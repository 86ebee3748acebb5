namespace CustomerLifecycle;

/// <summary>
/// The catalogue of signal keys that the built-in health factors, segments and playbooks read.
/// Host applications fill the ones they have and add their own keys beside them.
/// </summary>
/// <remarks>All members are immutable and thread-safe.</remarks>
public static class WellKnownSignals
{
    /// <summary>Logins by the account's users in the last 30 days (count, 0 or more).</summary>
    public static SignalKey Logins30Days { get; } = new("logins_30d");

    /// <summary>Days since any user of the account last logged in (days, 0 or more).</summary>
    public static SignalKey DaysSinceLastLogin { get; } = new("days_since_last_login");

    /// <summary>Users active in the last 30 days (count, 0 or more).</summary>
    public static SignalKey ActiveSeats { get; } = new("active_seats");

    /// <summary>Seats the contract licenses (count, 0 or more). Usually taken from <see cref="Contract.LicensedSeats"/>.</summary>
    public static SignalKey LicensedSeats { get; } = new("licensed_seats");

    /// <summary>Distinct product features used in the last 30 days (count).</summary>
    public static SignalKey FeaturesUsed { get; } = new("features_used");

    /// <summary>Product features available on the account's plan (count).</summary>
    public static SignalKey FeaturesAvailable { get; } = new("features_available");

    /// <summary>The latest Net Promoter Score response from the account (0 to 10).</summary>
    public static SignalKey Nps { get; } = new("nps");

    /// <summary>The latest customer satisfaction score (1 to 5).</summary>
    public static SignalKey Csat { get; } = new("csat");

    /// <summary>Share of surveys sent in the last 90 days that the account answered (0 to 1).</summary>
    public static SignalKey SurveyResponseRate { get; } = new("survey_response_rate");

    /// <summary>Webinars and trainings attended in the last 90 days (count).</summary>
    public static SignalKey WebinarsAttended90Days { get; } = new("webinars_attended_90d");

    /// <summary>Share of emails opened in the last 90 days (0 to 1).</summary>
    public static SignalKey EmailOpenRate { get; } = new("email_open_rate");

    /// <summary>Support tickets opened in the last 30 days (count).</summary>
    public static SignalKey TicketsOpened30Days { get; } = new("tickets_opened_30d");

    /// <summary>Support tickets currently open (count).</summary>
    public static SignalKey OpenTickets { get; } = new("open_tickets");

    /// <summary>Support tickets open for longer than the support target (count).</summary>
    public static SignalKey UnresolvedTickets { get; } = new("unresolved_tickets");

    /// <summary>Open support tickets of high or urgent severity (count).</summary>
    public static SignalKey HighSeverityTickets { get; } = new("high_severity_tickets");

    /// <summary>1 when the account's champion left in the last 90 days, otherwise 0.</summary>
    public static SignalKey ChampionLeft { get; } = new("champion_left");

    /// <summary>Days the oldest unpaid invoice is past due (0 when nothing is late).</summary>
    public static SignalKey DaysLateOnPayment { get; } = new("days_late_on_payment");

    /// <summary>Change of ARR at the last renewal or amendment, as a fraction (-0.2 is a 20 % contraction).</summary>
    public static SignalKey ArrChangeRatio { get; } = new("arr_change_ratio");

    /// <summary>Share of required onboarding steps done (0 to 1).</summary>
    public static SignalKey OnboardingCompletion { get; } = new("onboarding_completion");

    /// <summary>The CSM's own sentiment about the account (1 = very negative to 5 = very positive).</summary>
    public static SignalKey CsmSentiment { get; } = new("csm_sentiment");

    /// <summary>Meetings held with the prospect or customer in the last 90 days (count).</summary>
    public static SignalKey Meetings90Days { get; } = new("meetings_90d");

    /// <summary>1 when the customer has reached the first value it was promised, otherwise 0.</summary>
    public static SignalKey FirstValueReached { get; } = new("first_value_reached");

    /// <summary>Every key of the catalogue, in declaration order.</summary>
    public static IReadOnlyList<SignalKey> All { get; } =
    [
        Logins30Days, DaysSinceLastLogin, ActiveSeats, LicensedSeats, FeaturesUsed, FeaturesAvailable, Nps, Csat,
        SurveyResponseRate, WebinarsAttended90Days, EmailOpenRate, TicketsOpened30Days, OpenTickets,
        UnresolvedTickets, HighSeverityTickets, ChampionLeft, DaysLateOnPayment, ArrChangeRatio,
        OnboardingCompletion, CsmSentiment, Meetings90Days, FirstValueReached,
    ];
}
