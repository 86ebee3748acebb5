using System.Diagnostics.CodeAnalysis;

namespace CustomerLifecycle.Stages;

/// <summary>
/// A lifecycle stage model: the stages in order, their categories and entry criteria, and the allowed transitions.
/// The model is data: build one with <see cref="CreateBuilder"/>, start from <see cref="Default"/>, or bind one
/// from configuration through <c>CustomerLifecycleOptions.StageModel</c>.
/// </summary>
/// <remarks>A model is always valid (the builder checks it) and is immutable and thread-safe.</remarks>
public sealed class LifecycleStageModel
{
    private readonly Dictionary<StageId, int> _indexById;
    private readonly StageTransitionRule?[,] _rules;
    private readonly StageTransitionRule[][] _forwardFrom;

    internal LifecycleStageModel(List<LifecycleStage> stages, List<StageTransitionRule> transitions, StageId initialStage, StageId? onboardingStage, StageId? firstValueStage)
    {
        Stages = stages.ToArray();
        Transitions = transitions.ToArray();
        InitialStage = initialStage;
        OnboardingStage = onboardingStage;
        FirstValueStage = firstValueStage;
        _indexById = new Dictionary<StageId, int>(stages.Count);
        for (var i = 0; i < stages.Count; i++)
        {
            _indexById.Add(stages[i].Id, i);
        }

        _rules = new StageTransitionRule?[stages.Count, stages.Count];
        foreach (var t in transitions)
        {
            _rules[_indexById[t.From], _indexById[t.To]] = t;
        }

        _forwardFrom = new StageTransitionRule[stages.Count][];
        for (var i = 0; i < stages.Count; i++)
        {
            var from = stages[i].Id;
            _forwardFrom[i] = transitions
                .Where(t => t.From == from && t.Direction == TransitionDirection.Forward)
                .OrderBy(t => stages[_indexById[t.To]].Order)
                .ToArray();
        }
    }

    /// <summary>
    /// The default model from the customer-success literature: Outreach → Connection → Conversion (pre-customer),
    /// Onboarding → Adoption → Value realization → Expansion → Advocacy (customer), Churned (terminal) with win-back
    /// to Conversion. See <see cref="DefaultLifecycleStages"/> for the criteria.
    /// </summary>
    public static LifecycleStageModel Default { get; } = DefaultLifecycleStages.CreateModel();

    /// <summary>The stages, ordered by <see cref="LifecycleStage.Order"/>.</summary>
    public IReadOnlyList<LifecycleStage> Stages { get; }

    /// <summary>The allowed transitions.</summary>
    public IReadOnlyList<StageTransitionRule> Transitions { get; }

    /// <summary>The stage new accounts start in.</summary>
    public StageId InitialStage { get; }

    /// <summary>The stage whose entry starts onboarding, if the model has one.</summary>
    public StageId? OnboardingStage { get; }

    /// <summary>The stage whose entry means the customer reached first value, if the model has one.</summary>
    public StageId? FirstValueStage { get; }

    /// <summary>Starts an empty builder.</summary>
    public static LifecycleStageModelBuilder CreateBuilder() => new();

    /// <summary>Starts a builder holding this model, to rename, add or remove stages.</summary>
    public LifecycleStageModelBuilder ToBuilder()
    {
        var builder = new LifecycleStageModelBuilder();
        builder.Load(this);
        return builder;
    }

    /// <summary>True when the model has a stage <paramref name="id"/>.</summary>
    /// <param name="id">The stage's identifier.</param>
    public bool Contains(StageId id) => _indexById.ContainsKey(id);

    /// <summary>Gets a stage.</summary>
    /// <param name="id">The stage's identifier.</param>
    /// <exception cref="UnknownStageException">The model has no such stage.</exception>
    public LifecycleStage GetStage(StageId id) =>
        TryGetStage(id, out var stage) ? stage : throw new UnknownStageException(id, this);

    /// <summary>Gets a stage when the model has it.</summary>
    /// <param name="id">The stage's identifier.</param>
    /// <param name="stage">The stage, when found.</param>
    public bool TryGetStage(StageId id, [NotNullWhen(true)] out LifecycleStage? stage)
    {
        if (!id.IsEmpty && _indexById.TryGetValue(id, out var index))
        {
            stage = Stages[index];
            return true;
        }

        stage = null;
        return false;
    }

    /// <summary>Gets the rule allowing a move, or null when the move is not allowed.</summary>
    /// <param name="from">The stage moved from.</param>
    /// <param name="to">The stage moved to.</param>
    /// <exception cref="UnknownStageException">A stage is not in the model.</exception>
    public StageTransitionRule? FindTransition(StageId from, StageId to) => _rules[IndexOf(from), IndexOf(to)];

    /// <summary>The forward transitions out of a stage, nearest target first.</summary>
    /// <param name="from">The stage.</param>
    /// <exception cref="UnknownStageException">The stage is not in the model.</exception>
    public IReadOnlyList<StageTransitionRule> ForwardTransitionsFrom(StageId from) => _forwardFrom[IndexOf(from)];

    private int IndexOf(StageId id) =>
        !id.IsEmpty && _indexById.TryGetValue(id, out var index) ? index : throw new UnknownStageException(id, this);
}
