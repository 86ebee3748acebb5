namespace CustomerLifecycle.Stages;

/// <summary>A lifecycle stage model as configuration data (the <c>StageModel</c> section).</summary>
/// <remarks>
/// <code>
/// "StageModel": {
///   "Stages": [
///     { "Id": "Trial", "Category": "PreCustomer" },
///     { "Id": "Onboarding", "Category": "Customer", "EntryCriteria": [ { "Kind": "ContractStarted" } ] },
///     { "Id": "Live", "Category": "Customer", "EntryCriteria": [ { "Kind": "Signal", "Signal": "onboarding_completion", "Operator": "&gt;=", "Value": 1 } ] },
///     { "Id": "Churned", "Category": "Terminal" }
///   ],
///   "Transitions": [ { "From": "Trial", "To": "Onboarding" }, { "From": "Onboarding", "To": "Live" },
///                    { "From": "Live", "To": "Churned" }, { "From": "Churned", "To": "Trial" } ],
///   "OnboardingStage": "Onboarding", "FirstValueStage": "Live"
/// }
/// </code>
/// </remarks>
public sealed class LifecycleStageModelOptions
{
    /// <summary>The stages. Empty means the default model, in which case the other properties must be empty too.</summary>
    /// <value>The default value is empty (the default model).</value>
    public IList<StageOptions> Stages { get; set; } = [];

    /// <summary>The allowed transitions.</summary>
    /// <value>The default value is empty.</value>
    public IList<StageTransitionOptions> Transitions { get; set; } = [];

    /// <summary>The stage new accounts start in.</summary>
    /// <value>The default value is null: the stage with the lowest order.</value>
    public string? InitialStage { get; set; }

    /// <summary>The stage whose entry starts onboarding.</summary>
    /// <value>The default value is null: no onboarding metrics.</value>
    public string? OnboardingStage { get; set; }

    /// <summary>The stage whose entry means first value.</summary>
    /// <value>The default value is null: no time-to-first-value or activation metrics.</value>
    public string? FirstValueStage { get; set; }

    /// <summary>Builds the model, or returns every problem with its key relative to this section.</summary>
    internal bool TryCreateModel(out LifecycleStageModel? model, out List<LifecycleModelError> errors)
    {
        errors = [];
        if (Stages.Count == 0)
        {
            if (Transitions.Count > 0 || InitialStage is not null || OnboardingStage is not null || FirstValueStage is not null)
            {
                errors.Add(new("Stages", "No stages are declared, so the default model is used; Transitions, InitialStage, OnboardingStage and FirstValueStage must then be left out."));
                model = null;
                return false;
            }

            model = LifecycleStageModel.Default;
            return true;
        }

        var builder = new LifecycleStageModelBuilder();
        for (var i = 0; i < Stages.Count; i++)
        {
            var stage = Stages[i] ?? new StageOptions();
            if (!Enum.TryParse<StageCategory>(stage.Category, ignoreCase: true, out var category) || !Enum.IsDefined(category) || int.TryParse(stage.Category, out _))
            {
                errors.Add(new($"Stages:{i}:Category", $"Stage '{stage.Id}' has category '{stage.Category}'; use PreCustomer, Customer or Terminal."));
            }

            var criteria = new List<IStageEntryCriterion>();
            for (var j = 0; j < stage.EntryCriteria.Count; j++)
            {
                if (stage.EntryCriteria[j].TryCreate($"Stages:{i}:EntryCriteria:{j}", errors) is { } criterion)
                {
                    criteria.Add(criterion);
                }
            }

            builder.AddStage(stage.Id ?? string.Empty, category, stage.DisplayName, criteria, stage.Order, stage.Description);
        }

        foreach (var t in Transitions)
        {
            builder.AddTransition(t?.From ?? string.Empty, t?.To ?? string.Empty);
        }

        builder.WithInitialStage(InitialStage).WithOnboardingStage(OnboardingStage).WithFirstValueStage(FirstValueStage);
        if (!builder.TryBuild(out model, out var modelErrors))
        {
            errors.AddRange(modelErrors);
        }

        if (errors.Count > 0)
        {
            model = null;
            return false;
        }

        return true;
    }
}
