namespace CustomerLifecycle.Stages;

/// <summary>Thrown when a stage identifier is not part of the lifecycle model in use.</summary>
public sealed class UnknownStageException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="stage">The unknown stage.</param>
    /// <param name="model">The model it was looked up in.</param>
    public UnknownStageException(StageId stage, LifecycleStageModel model)
        : base($"Stage '{(stage.IsEmpty ? "(none)" : stage.Value)}' is not a stage of the lifecycle model; its stages are: {string.Join(", ", (model ?? throw new ArgumentNullException(nameof(model))).Stages.Select(s => s.Id.Value))}.")
    {
        Stage = stage;
    }

    /// <summary>The unknown stage.</summary>
    public StageId Stage { get; }
}
