namespace CustomerLifecycle.Stages;

/// <summary>
/// The stages of <see cref="LifecycleStageModel.Default"/>, and how they are entered.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>stage</term><description>entered automatically when</description></listheader>
/// <item><term>Outreach</term><description>initial stage</description></item>
/// <item><term>Connection</term><description><c>signals.meetings_90d &gt;= 1</c></description></item>
/// <item><term>Conversion</term><description>explicit move only (the deal is being closed)</description></item>
/// <item><term>Onboarding</term><description>the contract has started</description></item>
/// <item><term>Adoption</term><description><c>signals.onboarding_completion &gt;= 1</c> (the onboarding checklist is done)</description></item>
/// <item><term>ValueRealization</term><description><c>signals.first_value_reached &gt;= 1</c></description></item>
/// <item><term>Expansion</term><description>seat utilization of 80 % or more</description></item>
/// <item><term>Advocacy</term><description><c>signals.nps &gt;= 9</c> and a tenure of 365 days or more</description></item>
/// <item><term>Churned</term><description>explicit move only; win-back is an explicit backward move to Conversion</description></item>
/// </list>
/// Customer stages may also step back one stage (Adoption → Onboarding and so on) by an explicit move with a reason.
/// Renewal is a recurring window on the contract (<see cref="Contract.IsInRenewalWindow"/>), not a stage, and
/// at-risk is a health state, not a stage. All members are immutable and thread-safe.
/// </remarks>
public static class DefaultLifecycleStages
{
    /// <summary>First contact with a prospect.</summary>
    public static StageId Outreach { get; } = new("Outreach");

    /// <summary>A two-way conversation with the prospect.</summary>
    public static StageId Connection { get; } = new("Connection");

    /// <summary>The deal is being closed.</summary>
    public static StageId Conversion { get; } = new("Conversion");

    /// <summary>From the signed contract to a customer able to use the product.</summary>
    public static StageId Onboarding { get; } = new("Onboarding");

    /// <summary>Users take the product into their daily work.</summary>
    public static StageId Adoption { get; } = new("Adoption");

    /// <summary>The customer has reached the value it was promised.</summary>
    public static StageId ValueRealization { get; } = new("ValueRealization");

    /// <summary>Usage nears capacity: upsell and cross-sell.</summary>
    public static StageId Expansion { get; } = new("Expansion");

    /// <summary>A long-standing, satisfied customer who promotes the product.</summary>
    public static StageId Advocacy { get; } = new("Advocacy");

    /// <summary>The customer has left.</summary>
    public static StageId Churned { get; } = new("Churned");

    internal static LifecycleStageModel CreateModel()
    {
        var builder = new LifecycleStageModelBuilder()
            .AddStage(Outreach.Value, StageCategory.PreCustomer, "Outreach", order: 10, description: "First contact with a prospect.")
            .AddStage(Connection.Value, StageCategory.PreCustomer, "Connection", [new SignalCriterion(WellKnownSignals.Meetings90Days, ComparisonOperator.GreaterThanOrEqual, 1)], 20, "A two-way conversation with the prospect.")
            .AddStage(Conversion.Value, StageCategory.PreCustomer, "Conversion", order: 30, description: "The deal is being closed.")
            .AddStage(Onboarding.Value, StageCategory.Customer, "Onboarding", [ContractStartedCriterion.Instance], 40, "From the signed contract to a customer able to use the product.")
            .AddStage(Adoption.Value, StageCategory.Customer, "Adoption", [new SignalCriterion(WellKnownSignals.OnboardingCompletion, ComparisonOperator.GreaterThanOrEqual, 1)], 50, "Users take the product into their daily work.")
            .AddStage(ValueRealization.Value, StageCategory.Customer, "Value realization", [new SignalCriterion(WellKnownSignals.FirstValueReached, ComparisonOperator.GreaterThanOrEqual, 1)], 60, "The customer has reached the value it was promised.")
            .AddStage(Expansion.Value, StageCategory.Customer, "Expansion", [new SeatUtilizationCriterion(0.8)], 70, "Usage nears capacity: upsell and cross-sell.")
            .AddStage(Advocacy.Value, StageCategory.Customer, "Advocacy", [new SignalCriterion(WellKnownSignals.Nps, ComparisonOperator.GreaterThanOrEqual, 9), new TenureCriterion(365)], 80, "A long-standing, satisfied customer who promotes the product.")
            .AddStage(Churned.Value, StageCategory.Terminal, "Churned", order: 90, description: "The customer has left; a win-back returns it to Conversion.");

        StageId[] chain = [Outreach, Connection, Conversion, Onboarding, Adoption, ValueRealization, Expansion, Advocacy];
        for (var i = 1; i < chain.Length; i++)
        {
            builder.AddTransition(chain[i - 1].Value, chain[i].Value);
        }

        StageId[] customer = [Onboarding, Adoption, ValueRealization, Expansion, Advocacy];
        for (var i = 0; i < customer.Length; i++)
        {
            builder.AddTransition(customer[i].Value, Churned.Value);
            if (i > 0)
            {
                builder.AddTransition(customer[i].Value, customer[i - 1].Value);
            }
        }

        return builder
            .AddTransition(Churned.Value, Conversion.Value)
            .WithInitialStage(Outreach.Value)
            .WithOnboardingStage(Onboarding.Value)
            .WithFirstValueStage(ValueRealization.Value)
            .Build();
    }
}
