namespace CustomerLifecycle.Stages;

/// <summary>Whether a transition moves to a stage later or earlier in the model's order.</summary>
public enum TransitionDirection
{
    /// <summary>To a stage with a higher order. Automatic moves use only forward transitions.</summary>
    Forward = 0,

    /// <summary>To a stage with a lower order. Only an explicit move with a reason takes it.</summary>
    Backward = 1,
}
