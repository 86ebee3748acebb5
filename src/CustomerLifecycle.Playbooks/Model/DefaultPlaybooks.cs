using CustomerLifecycle.Events;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// The default playbooks from the customer-lifecycle documents, each described in <c>docs/playbooks/</c>. Tech-touch
/// accounts (the <see cref="DefaultSegments.TechTouch"/> segment) get automated variants where a CSM's time would not pay.
/// </summary>
public static class DefaultPlaybooks
{
    /// <summary>The role of automated steps (an email or in-app platform).</summary>
    public const string AutomationRole = "Automation";

    /// <summary>The role of executive sponsors.</summary>
    public const string ExecutiveRole = "Executive";

    /// <summary>Health turned Red: a CSM call within a week, a save plan within two weeks, an executive sponsor.</summary>
    public static Playbook ChurnSave { get; } = new("churn-save", "Churn save", PlaybookTrigger.HealthTurned(HealthColor.Red),
        [
            Step("Call the customer about what changed", OwnerAssigner.CsmRole, TaskChannel.Call, 7, TaskPriority.Urgent),
            Step("Agree a save plan with the customer", OwnerAssigner.CsmRole, TaskChannel.Meeting, 14, TaskPriority.High),
            Step("Bring in an executive sponsor", ExecutiveRole, TaskChannel.Meeting, 14, TaskPriority.High),
        ])
    {
        Description = "Health turned Red. Act before the customer decides to leave: understand what changed, agree a save plan, and engage an executive sponsor.",
        Cooldown = Period.FromDays(30),
        Variants = Variant(Step("Send the 'we are here to help' email with a booking link", AutomationRole, TaskChannel.Email, 0, TaskPriority.High), Step("Review the account and call if it stays Red", OwnerAssigner.CsmRole, TaskChannel.Call, 7, TaskPriority.High)),
    };

    /// <summary>Seat use reached 75 %: an expansion conversation.</summary>
    public static Playbook Expansion { get; } = new("expansion", "Expansion", PlaybookTrigger.SeatUtilizationAtLeast(0.75),
        [
            Step("Share the upgrade options and what more seats unlock", OwnerAssigner.CsmRole, TaskChannel.Email, 3, TaskPriority.Normal),
            Step("Hold an expansion conversation", OwnerAssigner.CsmRole, TaskChannel.Call, 14, TaskPriority.Normal),
        ])
    {
        Description = "Seat use reached 75 % of the licence: the customer is growing into the product. Offer more before they hit the limit.",
        Cap = new EnrolmentCap(1, Period.FromDays(90)),
        Variants = Variant(Step("Show the in-app upgrade prompt", AutomationRole, TaskChannel.InApp, 0, TaskPriority.Normal)),
    };

    /// <summary>90 days before renewal: a value review, and re-engagement of low-activity users.</summary>
    public static Playbook RenewalPreparation { get; } = new("renewal-preparation", "Renewal preparation", PlaybookTrigger.DateReached(DateAnchor.RenewalDate, Period.FromDays(-90)),
        [
            Step("Hold a value review: outcomes delivered against the goals", OwnerAssigner.CsmRole, TaskChannel.Meeting, 21, TaskPriority.High),
            Step("Re-engage low-activity users with tips and training", OwnerAssigner.CsmRole, TaskChannel.Email, 7, TaskPriority.Normal),
        ])
    {
        Description = "90 days before renewal: show the value delivered, and wake up users whose activity fell, well before the decision.",
        Variants = Variant(Step("Send the '10 tips to get more out of the product' sequence", AutomationRole, TaskChannel.Email, 0, TaskPriority.Normal), Step("Send the renewal summary of value delivered", AutomationRole, TaskChannel.Email, 30, TaskPriority.Normal)),
    };

    /// <summary>An NPS answer of 9–10: ask for a review or a referral.</summary>
    public static Playbook NpsPromoter { get; } = new("nps-promoter", "NPS promoter follow-up", PlaybookTrigger.EventOccurred(LifecycleEventType.NpsResponse, 9, 10),
        [Step("Thank them and ask for a review or a referral", OwnerAssigner.CsmRole, TaskChannel.Email, 3, TaskPriority.Normal)])
    {
        Description = "An NPS answer of 9 or 10: thank the promoter and turn the goodwill into a review or a referral.",
        Variants = Variant(Step("Send the review-and-referral request", AutomationRole, TaskChannel.Email, 1, TaskPriority.Normal)),
    };

    /// <summary>An NPS answer of 0–6: resolve the problem and close the loop.</summary>
    public static Playbook NpsDetractor { get; } = new("nps-detractor", "NPS detractor follow-up", PlaybookTrigger.EventOccurred(LifecycleEventType.NpsResponse, 0, 6),
        [
            Step("Call to understand the low score", OwnerAssigner.CsmRole, TaskChannel.Call, 2, TaskPriority.Urgent),
            Step("Close the loop: tell them what is being done", OwnerAssigner.CsmRole, TaskChannel.Email, 14, TaskPriority.High),
        ])
    {
        Description = "An NPS answer of 0 to 6: find out why within two days, fix what can be fixed, and tell the customer.",
    };

    /// <summary>The account entered Onboarding: welcome, kickoff, weekly check-ins, the 30-day call.</summary>
    public static Playbook Onboarding { get; } = new("onboarding", "Onboarding", PlaybookTrigger.StageEntered(DefaultLifecycleStages.Onboarding),
        [
            Step("Send the welcome sequence", AutomationRole, TaskChannel.Email, 0, TaskPriority.High),
            Step("Hold the kickoff meeting", OwnerAssigner.CsmRole, TaskChannel.Meeting, 7, TaskPriority.High),
            Step("Weekly check-in (week 2)", OwnerAssigner.CsmRole, TaskChannel.Call, 14, TaskPriority.Normal),
            Step("Weekly check-in (week 3)", OwnerAssigner.CsmRole, TaskChannel.Call, 21, TaskPriority.Normal),
            Step("30-day call: first value reached?", OwnerAssigner.CsmRole, TaskChannel.Call, 30, TaskPriority.High),
        ])
    {
        Description = "A new customer: welcome them, kick off, check in weekly, and confirm first value at day 30.",
        Variants = Variant(
            Step("Send the welcome sequence", AutomationRole, TaskChannel.Email, 0, TaskPriority.High),
            Step("Show the guided product tour", AutomationRole, TaskChannel.InApp, 0, TaskPriority.High),
            Step("Send the day-30 'how is it going' survey", AutomationRole, TaskChannel.Email, 30, TaskPriority.Normal)),
    };

    /// <summary>First value reached: ask for advocacy after the success.</summary>
    public static Playbook AdvocacyAsk { get; } = new("advocacy-ask", "Advocacy ask", PlaybookTrigger.EventOccurred(LifecycleEventType.FirstValue),
        [Step("Celebrate the success and ask for a testimonial or case study", OwnerAssigner.CsmRole, TaskChannel.Call, 7, TaskPriority.Normal)])
    {
        Description = "The customer reached a success: celebrate it with them, and ask for a testimonial, a review or a case study while it is fresh.",
        Variants = Variant(Step("Show the 'love the product? rate us' prompt", AutomationRole, TaskChannel.InApp, 0, TaskPriority.Normal)),
    };

    /// <summary>Three months after churn: a win-back outreach.</summary>
    public static Playbook WinBack { get; } = new("win-back", "Win-back", PlaybookTrigger.DateReached(DateAnchor.ChurnedOn, Period.FromMonths(3)),
        [Step("Reach out with what has changed since they left", OwnerAssigner.CsmRole, TaskChannel.Email, 0, TaskPriority.Normal)])
    {
        Description = "Three months after a customer left: tell them what has improved and offer a way back.",
        Variants = Variant(Step("Send the win-back offer", AutomationRole, TaskChannel.Email, 0, TaskPriority.Normal)),
    };

    /// <summary>A feature the customer asked for was released: close the feedback loop.</summary>
    public static Playbook FeedbackLoop { get; } = new("feedback-loop", "Close the feedback loop", PlaybookTrigger.EventOccurred(LifecycleEventType.FeatureReleased),
        [Step("Tell the customer their requested feature is live", OwnerAssigner.CsmRole, TaskChannel.Email, 2, TaskPriority.Normal)])
    {
        Description = "A feature the customer requested was released (the host raises FeatureReleased for each requesting account, for example from the FeedbackLoopTracker): tell them.",
    };

    /// <summary>No login for 30 days: re-engage dormant users.</summary>
    public static Playbook DormantUsers { get; } = new("dormant-users", "Dormant user re-engagement", PlaybookTrigger.SignalCrossed(WellKnownSignals.DaysSinceLastLogin, ComparisonOperator.GreaterThanOrEqual, 30),
        [
            Step("Send the re-engagement message", AutomationRole, TaskChannel.InApp, 0, TaskPriority.Normal),
            Step("Check in with the account's admin", OwnerAssigner.CsmRole, TaskChannel.Call, 7, TaskPriority.Normal),
        ])
    {
        Description = "Nobody logged in for 30 days: nudge the users, then ask the admin what is in the way.",
        Variants = Variant(Step("Send the re-engagement message", AutomationRole, TaskChannel.Email, 0, TaskPriority.Normal)),
    };

    /// <summary>The champion left: find a new one.</summary>
    public static Playbook ChampionLeft { get; } = new("champion-left", "Champion left", PlaybookTrigger.EventOccurred(LifecycleEventType.ChampionLeft),
        [Step("Find and onboard a new champion", OwnerAssigner.CsmRole, TaskChannel.Call, 3, TaskPriority.Urgent)])
    {
        Description = "The customer's champion left, a classic churn risk: find a new champion and re-establish the relationship.",
    };

    /// <summary>Every default playbook.</summary>
    public static IReadOnlyList<Playbook> All { get; } = [ChurnSave, Expansion, RenewalPreparation, NpsPromoter, NpsDetractor, Onboarding, AdvocacyAsk, WinBack, FeedbackLoop, DormantUsers, ChampionLeft];

    private static PlaybookStep Step(string title, string role, TaskChannel channel, int dueDays, TaskPriority priority) =>
        new(title, role, channel, Period.FromDays(dueDays), priority);

    private static Dictionary<string, IReadOnlyList<PlaybookStep>> Variant(params PlaybookStep[] techTouch) => new(StringComparer.OrdinalIgnoreCase) { [DefaultSegments.TechTouch] = techTouch };
}
