namespace CustomerLifecycle.Segmentation;

/// <summary>
/// The default segments from the customer-lifecycle documents, written in the rule language so configuration can
/// override any of them by name. Tenure, engagement, touch model and motion are exclusive groups; the others overlap.
/// </summary>
/// <remarks>
/// ARR thresholds (touch model) are in the contract's own currency; a multi-currency portfolio should override them
/// per currency, for example <c>contract.arr &lt; 10000 and contract.currency == "USD" or contract.arr &lt; 9000 and contract.currency == "EUR"</c>.
/// </remarks>
public static class DefaultSegments
{
    /// <summary><c>Churned</c>: the account's stage is terminal: a win-back candidate.</summary>
    public const string Churned = "Churned";

    /// <summary><c>Onboarding</c>: the first 90 days as a customer.</summary>
    public const string Onboarding = "Onboarding";

    /// <summary><c>Nurture</c>: months 3 to 9 as a customer.</summary>
    public const string Nurture = "Nurture";

    /// <summary><c>Established</c>: a customer for over a year.</summary>
    public const string Established = "Established";

    /// <summary><c>AtRisk</c>: health is Red.</summary>
    public const string AtRisk = "AtRisk";

    /// <summary><c>Growth</c>: using over 80 % of the licensed seats.</summary>
    public const string Growth = "Growth";

    /// <summary><c>Advocate</c>: NPS 9 or 10 and a customer for over a year.</summary>
    public const string Advocate = "Advocate";

    /// <summary><c>HighEngagement</c>: 20 or more logins in 30 days and a login within the last week.</summary>
    public const string HighEngagement = "HighEngagement";

    /// <summary><c>LowEngagement</c>: fewer than 5 logins in 30 days, or none for over two weeks.</summary>
    public const string LowEngagement = "LowEngagement";

    /// <summary><c>HighTouch</c>: ARR of 50,000 or more: a named CSM.</summary>
    public const string HighTouch = "HighTouch";

    /// <summary><c>LowTouch</c>: ARR from 10,000 to under 50,000: pooled CSMs.</summary>
    public const string LowTouch = "LowTouch";

    /// <summary><c>TechTouch</c>: ARR under 10,000: automated, one-to-many programs.</summary>
    public const string TechTouch = "TechTouch";

    /// <summary><c>ProductLed</c>: the tech-touch accounts, served through the product.</summary>
    public const string ProductLed = "ProductLed";

    /// <summary><c>SalesLed</c>: the low- and high-touch accounts, served by people.</summary>
    public const string SalesLed = "SalesLed";

    /// <summary>The group of <see cref="Onboarding"/>, <see cref="Nurture"/> and <see cref="Established"/>.</summary>
    public const string TenureGroup = "Tenure";

    /// <summary>The group of <see cref="HighEngagement"/> and <see cref="LowEngagement"/>.</summary>
    public const string EngagementGroup = "Engagement";

    /// <summary>The group of <see cref="HighTouch"/>, <see cref="LowTouch"/> and <see cref="TechTouch"/>.</summary>
    public const string TouchModelGroup = "TouchModel";

    /// <summary>The group of <see cref="ProductLed"/> and <see cref="SalesLed"/>.</summary>
    public const string MotionGroup = "Motion";

    /// <summary>Every default segment, in priority order.</summary>
    public static IReadOnlyList<Segment> All { get; } =
    [
        Define(Churned, "stage.category == Terminal", 0, null, "Churned accounts: win-back candidates."),
        Define(Onboarding, "tenure.days <= 90 and not segment(\"Churned\")", 10, TenureGroup, "The first 90 days as a customer."),
        Define(Nurture, "tenure.months >= 3 and tenure.months < 9 and not segment(\"Churned\")", 11, TenureGroup, "Months 3 to 9 as a customer."),
        Define(Established, "tenure.days > 365 and not segment(\"Churned\")", 12, TenureGroup, "A customer for over a year."),
        Define(AtRisk, "health.color == Red and not segment(\"Churned\")", 20, null, "Health is Red."),
        Define(Growth, "seats.utilization > 0.8 and not segment(\"Churned\")", 21, null, "Using over 80 % of the licensed seats."),
        Define(Advocate, "signals.nps >= 9 and tenure.days > 365 and not segment(\"Churned\")", 22, null, "NPS 9 or 10 and a customer for over a year."),
        Define(HighEngagement, "signals.logins_30d >= 20 and last_login.days <= 7", 30, EngagementGroup, "20 or more logins in 30 days and a login within the last week."),
        Define(LowEngagement, "signals.logins_30d < 5 or last_login.days > 14", 31, EngagementGroup, "Fewer than 5 logins in 30 days, or none for over two weeks."),
        Define(HighTouch, "contract.arr >= 50000", 40, TouchModelGroup, "ARR of 50,000 or more: a named CSM."),
        Define(LowTouch, "contract.arr >= 10000 and contract.arr < 50000", 41, TouchModelGroup, "ARR from 10,000 to under 50,000: pooled CSMs."),
        Define(TechTouch, "contract.arr < 10000", 42, TouchModelGroup, "ARR under 10,000: automated, one-to-many programs."),
        Define(ProductLed, "segment(\"TechTouch\")", 50, MotionGroup, "Tech-touch accounts, served through the product."),
        Define(SalesLed, "segment(\"HighTouch\") or segment(\"LowTouch\")", 51, MotionGroup, "Low- and high-touch accounts, served by people."),
    ];

    private static Segment Define(string name, string rule, int priority, string? group, string description) =>
        new(name, SegmentRule.Parse(rule), priority, group, description);
}
