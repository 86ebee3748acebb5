namespace CustomerLifecycle.Stages;

/// <summary>One stage of a lifecycle model: its identity, name, category, order and entry criteria.</summary>
/// <remarks>Created by <see cref="LifecycleStageModelBuilder"/>. This type is immutable and thread-safe.</remarks>
public sealed class LifecycleStage
{
    internal LifecycleStage(StageId id, string displayName, StageCategory category, int order, IReadOnlyList<IStageEntryCriterion> entryCriteria, string? description)
    {
        Id = id;
        DisplayName = displayName;
        Category = category;
        Order = order;
        EntryCriteria = entryCriteria;
        Description = description;
    }

    /// <summary>The stage's identity.</summary>
    public StageId Id { get; }

    /// <summary>The name shown to people, for example <c>Value realization</c>.</summary>
    public string DisplayName { get; }

    /// <summary>Pre-customer, customer or terminal.</summary>
    public StageCategory Category { get; }

    /// <summary>The stage's position; transitions to a higher order are forward, to a lower order backward.</summary>
    public int Order { get; }

    /// <summary>The conditions to enter the stage automatically, all of which must hold; empty when only an explicit move enters it.</summary>
    public IReadOnlyList<IStageEntryCriterion> EntryCriteria { get; }

    /// <summary>What the stage means, if described.</summary>
    public string? Description { get; }

    /// <summary>True when the stage can be entered automatically (it has entry criteria).</summary>
    public bool IsAutomatic => EntryCriteria.Count > 0;

    /// <inheritdoc />
    public override string ToString() => Id.Value;
}
