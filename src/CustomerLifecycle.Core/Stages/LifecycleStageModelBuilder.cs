namespace CustomerLifecycle.Stages;

/// <summary>
/// Builds a <see cref="LifecycleStageModel"/>: add, rename and remove stages, declare the allowed transitions,
/// then <see cref="Build"/>, which checks the whole model and reports every problem at once.
/// </summary>
/// <remarks>
/// Identifiers are checked at <see cref="Build"/> rather than when added, so that a model built from
/// configuration reports all its mistakes together. A builder is not thread-safe; the model it builds is.
/// </remarks>
/// <example>
/// <code>
/// var model = LifecycleStageModel.Default.ToBuilder()
///     .RemoveStage("Advocacy")
///     .RenameStage("ValueRealization", "Value", "Value")
///     .Build();
/// </code>
/// </example>
public sealed class LifecycleStageModelBuilder
{
    private readonly List<StageDraft> _stages = [];
    private readonly List<(string? From, string? To)> _transitions = [];
    private string? _initialStage;
    private string? _onboardingStage;
    private string? _firstValueStage;

    /// <summary>
    /// Adds a stage. Without an explicit <paramref name="order"/>, a stage is ordered after every stage added before it.
    /// </summary>
    /// <param name="id">The stage's identifier (checked at <see cref="Build"/>).</param>
    /// <param name="category">Pre-customer, customer or terminal.</param>
    /// <param name="displayName">The name shown to people; the identifier when null.</param>
    /// <param name="entryCriteria">The conditions to enter the stage automatically; none means only explicit moves enter it.</param>
    /// <param name="order">The stage's position; unique within the model.</param>
    /// <param name="description">What the stage means.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="entryCriteria"/> contains null.</exception>
    public LifecycleStageModelBuilder AddStage(
        string id,
        StageCategory category,
        string? displayName = null,
        IEnumerable<IStageEntryCriterion>? entryCriteria = null,
        int? order = null,
        string? description = null)
    {
        var criteria = entryCriteria?.ToList() ?? [];
        if (criteria.Contains(null!))
        {
            throw new ArgumentException($"Stage '{id}' has a null entry criterion.", nameof(entryCriteria));
        }

        var effectiveOrder = order ?? (_stages.Count == 0 ? 0 : _stages.Max(s => s.Order) + 1);
        _stages.Add(new StageDraft(id, displayName, category, effectiveOrder, criteria, description));
        return this;
    }

    /// <summary>Removes a stage and every transition to or from it. Does nothing when no such stage was added.</summary>
    /// <param name="id">The stage's identifier.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder RemoveStage(string id)
    {
        _stages.RemoveAll(s => Same(s.Id, id));
        _transitions.RemoveAll(t => Same(t.From, id) || Same(t.To, id));
        return this;
    }

    /// <summary>Renames a stage, keeping its order, criteria and transitions.</summary>
    /// <param name="id">The current identifier.</param>
    /// <param name="newId">The new identifier.</param>
    /// <param name="displayName">The new display name; the new identifier when null.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">No stage <paramref name="id"/> was added.</exception>
    public LifecycleStageModelBuilder RenameStage(string id, string newId, string? displayName = null)
    {
        var index = _stages.FindIndex(s => Same(s.Id, id));
        if (index < 0)
        {
            throw new ArgumentException($"Cannot rename stage '{id}': no such stage has been added.", nameof(id));
        }

        _stages[index] = _stages[index] with { Id = newId, DisplayName = displayName };
        for (var i = 0; i < _transitions.Count; i++)
        {
            var (from, to) = _transitions[i];
            _transitions[i] = (Same(from, id) ? newId : from, Same(to, id) ? newId : to);
        }

        _initialStage = Same(_initialStage, id) ? newId : _initialStage;
        _onboardingStage = Same(_onboardingStage, id) ? newId : _onboardingStage;
        _firstValueStage = Same(_firstValueStage, id) ? newId : _firstValueStage;
        return this;
    }

    /// <summary>Replaces the entry criteria of a stage.</summary>
    /// <param name="id">The stage's identifier.</param>
    /// <param name="entryCriteria">The new criteria; none means only explicit moves enter the stage.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">No stage <paramref name="id"/> was added, or a criterion is null.</exception>
    public LifecycleStageModelBuilder SetEntryCriteria(string id, params IEnumerable<IStageEntryCriterion> entryCriteria)
    {
        ArgumentNullException.ThrowIfNull(entryCriteria);
        var index = _stages.FindIndex(s => Same(s.Id, id));
        if (index < 0)
        {
            throw new ArgumentException($"Cannot set the criteria of stage '{id}': no such stage has been added.", nameof(id));
        }

        var criteria = entryCriteria.ToList();
        if (criteria.Contains(null!))
        {
            throw new ArgumentException($"Stage '{id}' has a null entry criterion.", nameof(entryCriteria));
        }

        _stages[index] = _stages[index] with { Criteria = criteria };
        return this;
    }

    /// <summary>Allows a move from one stage to another. Its direction follows from the stages' order.</summary>
    /// <param name="from">The stage moved from.</param>
    /// <param name="to">The stage moved to.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder AddTransition(string from, string to)
    {
        _transitions.Add((from, to));
        return this;
    }

    /// <summary>Removes an allowed move. Does nothing when it was not added.</summary>
    /// <param name="from">The stage moved from.</param>
    /// <param name="to">The stage moved to.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder RemoveTransition(string from, string to)
    {
        _transitions.RemoveAll(t => Same(t.From, from) && Same(t.To, to));
        return this;
    }

    /// <summary>Sets the stage new accounts start in. Defaults to the stage with the lowest order.</summary>
    /// <param name="id">The stage's identifier.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder WithInitialStage(string? id)
    {
        _initialStage = id;
        return this;
    }

    /// <summary>Sets the stage whose entry starts onboarding (for time to onboard and activation metrics).</summary>
    /// <param name="id">The stage's identifier, or null when the model has none.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder WithOnboardingStage(string? id)
    {
        _onboardingStage = id;
        return this;
    }

    /// <summary>Sets the stage whose entry means the customer reached first value (for time to first value and activation).</summary>
    /// <param name="id">The stage's identifier, or null when the model has none.</param>
    /// <returns>This builder.</returns>
    public LifecycleStageModelBuilder WithFirstValueStage(string? id)
    {
        _firstValueStage = id;
        return this;
    }

    /// <summary>Checks the model and builds it.</summary>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidLifecycleModelException">The model has one or more problems; all are listed.</exception>
    public LifecycleStageModel Build() =>
        TryBuild(out var model, out var errors) ? model : throw new InvalidLifecycleModelException(errors);

    /// <summary>Checks the model and builds it when it is valid.</summary>
    /// <param name="model">The model, when valid.</param>
    /// <param name="errors">Every problem found; empty when valid.</param>
    /// <returns>True when the model is valid.</returns>
    public bool TryBuild([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LifecycleStageModel? model, out IReadOnlyList<LifecycleModelError> errors)
    {
        var found = new List<LifecycleModelError>();
        var stages = new List<LifecycleStage>();
        var byId = new Dictionary<StageId, LifecycleStage>();
        var byOrder = new Dictionary<int, string>();
        if (_stages.Count == 0)
        {
            found.Add(new("Stages", "A lifecycle model needs at least one stage."));
        }

        for (var i = 0; i < _stages.Count; i++)
        {
            var draft = _stages[i];
            if (!StageId.IsValid(draft.Id))
            {
                found.Add(new($"Stages:{i}:Id", $"Stage id '{draft.Id}' is invalid: use 1 to {StageId.MaxLength} ASCII letters, digits, '_' or '-', starting with a letter."));
                continue;
            }

            if (!Enum.IsDefined(draft.Category))
            {
                found.Add(new($"Stages:{i}:Category", $"Stage '{draft.Id}' has unknown category '{draft.Category}'; use PreCustomer, Customer or Terminal."));
            }

            var id = new StageId(draft.Id!);
            if (byId.ContainsKey(id))
            {
                found.Add(new($"Stages:{i}:Id", $"Stage '{draft.Id}' is declared more than once; stage ids are unique (compared without case)."));
                continue;
            }

            if (byOrder.TryGetValue(draft.Order, out var other))
            {
                found.Add(new($"Stages:{i}:Order", $"Stage '{draft.Id}' has order {draft.Order}, which stage '{other}' already has; orders are unique so that every transition is either forward or backward."));
            }
            else
            {
                byOrder.Add(draft.Order, draft.Id!);
            }

            var displayName = string.IsNullOrWhiteSpace(draft.DisplayName) ? id.Value : draft.DisplayName;
            var stage = new LifecycleStage(id, displayName, draft.Category, draft.Order, draft.Criteria.ToArray(), draft.Description);
            byId.Add(id, stage);
            stages.Add(stage);
        }

        var transitions = new List<StageTransitionRule>();
        var seen = new HashSet<(StageId, StageId)>();
        for (var i = 0; i < _transitions.Count; i++)
        {
            var (fromText, toText) = _transitions[i];
            var from = Resolve(fromText, $"Transitions:{i}:From", byId, found, "Transition source");
            var to = Resolve(toText, $"Transitions:{i}:To", byId, found, "Transition target");
            if (from is null || to is null)
            {
                continue;
            }

            if (from.Id == to.Id)
            {
                found.Add(new($"Transitions:{i}", $"Transition from '{fromText}' to itself is not a transition."));
                continue;
            }

            if (!seen.Add((from.Id, to.Id)))
            {
                found.Add(new($"Transitions:{i}", $"Transition '{fromText}' -> '{toText}' is declared more than once."));
                continue;
            }

            var direction = to.Order > from.Order ? TransitionDirection.Forward : TransitionDirection.Backward;
            transitions.Add(new StageTransitionRule(from.Id, to.Id, direction));
        }

        LifecycleStage? initial = null;
        if (_initialStage is not null)
        {
            initial = Resolve(_initialStage, "InitialStage", byId, found, "Initial stage");
        }
        else if (stages.Count > 0)
        {
            initial = stages.MinBy(s => s.Order);
        }

        var onboarding = _onboardingStage is null ? null : Resolve(_onboardingStage, "OnboardingStage", byId, found, "Onboarding stage");
        var firstValue = _firstValueStage is null ? null : Resolve(_firstValueStage, "FirstValueStage", byId, found, "First-value stage");
        if (onboarding is not null && firstValue is not null && firstValue.Order <= onboarding.Order)
        {
            found.Add(new("FirstValueStage", $"First-value stage '{firstValue.Id}' (order {firstValue.Order}) must come after onboarding stage '{onboarding.Id}' (order {onboarding.Order})."));
        }

        if (initial is not null && found.Count == 0)
        {
            foreach (var unreachable in FindUnreachable(initial.Id, stages, transitions))
            {
                var index = _stages.FindIndex(s => Same(s.Id, unreachable.Id.Value));
                found.Add(new($"Stages:{index}:Id", $"Stage '{unreachable.Id}' cannot be reached from the initial stage '{initial.Id}' by any transition."));
            }
        }

        if (found.Count > 0)
        {
            model = null;
            errors = found;
            return false;
        }

        stages.Sort((a, b) => a.Order.CompareTo(b.Order));
        model = new LifecycleStageModel(stages, transitions, initial!.Id, onboarding?.Id, firstValue?.Id);
        errors = [];
        return true;
    }

    private static LifecycleStage? Resolve(string? text, string key, Dictionary<StageId, LifecycleStage> byId, List<LifecycleModelError> found, string what)
    {
        if (!StageId.IsValid(text))
        {
            found.Add(new(key, $"{what} '{text}' is not a valid stage id."));
            return null;
        }

        if (!byId.TryGetValue(new StageId(text!), out var stage))
        {
            found.Add(new(key, $"{what} '{text}' is not a stage of this model; declared stages: {string.Join(", ", byId.Keys)}."));
            return null;
        }

        return stage;
    }

    private static IEnumerable<LifecycleStage> FindUnreachable(StageId initial, List<LifecycleStage> stages, List<StageTransitionRule> transitions)
    {
        var reached = new HashSet<StageId> { initial };
        var queue = new Queue<StageId>();
        queue.Enqueue(initial);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var t in transitions)
            {
                if (t.From == current && reached.Add(t.To))
                {
                    queue.Enqueue(t.To);
                }
            }
        }

        return stages.Where(s => !reached.Contains(s.Id));
    }

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    internal void Load(LifecycleStageModel model)
    {
        foreach (var stage in model.Stages)
        {
            _stages.Add(new StageDraft(stage.Id.Value, stage.DisplayName, stage.Category, stage.Order, [.. stage.EntryCriteria], stage.Description));
        }

        foreach (var t in model.Transitions)
        {
            _transitions.Add((t.From.Value, t.To.Value));
        }

        _initialStage = model.InitialStage.Value;
        _onboardingStage = model.OnboardingStage?.Value;
        _firstValueStage = model.FirstValueStage?.Value;
    }

    private sealed record StageDraft(string? Id, string? DisplayName, StageCategory Category, int Order, List<IStageEntryCriterion> Criteria, string? Description);
}
