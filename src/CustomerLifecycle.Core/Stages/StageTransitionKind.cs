namespace CustomerLifecycle.Stages;

/// <summary>How a stage history entry came about.</summary>
public enum StageTransitionKind
{
    /// <summary>The first entry of a history: the stage the account was in when tracking began.</summary>
    Initial = 0,

    /// <summary>A forward move taken because the target stage's entry criteria were met.</summary>
    Automatic = 1,

    /// <summary>A forward move a person made explicitly.</summary>
    ManualForward = 2,

    /// <summary>A backward move a person made explicitly, with a reason (for example a win-back).</summary>
    ManualBackward = 3,

    /// <summary>
    /// The first entry of a history imported from another system: the account was already in the stage, since the
    /// entry's date (a paying customer is not put back in the first stage of the model).
    /// </summary>
    Imported = 4,
}
