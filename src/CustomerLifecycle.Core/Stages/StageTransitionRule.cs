namespace CustomerLifecycle.Stages;

/// <summary>An allowed move between two stages of a lifecycle model.</summary>
/// <param name="From">The stage moved from.</param>
/// <param name="To">The stage moved to.</param>
/// <param name="Direction">Forward when <paramref name="To"/> has the higher order, otherwise backward.</param>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record StageTransitionRule(StageId From, StageId To, TransitionDirection Direction);
