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
}
