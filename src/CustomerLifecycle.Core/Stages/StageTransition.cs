using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>One entry of a stage history: a move into a stage, when, how, by whom and why.</summary>
/// <param name="From">The stage left; null for the <see cref="StageTransitionKind.Initial"/> entry.</param>
/// <param name="To">The stage entered.</param>
/// <param name="At">When the move took effect.</param>
/// <param name="Kind">How the move came about.</param>
/// <param name="Actor">Who made it: a person for explicit moves, <see cref="LifecycleStageMachine.SystemActor"/> for automatic ones.</param>
/// <param name="Reason">Why; always present for backward moves, and for automatic moves the criteria that were met.</param>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record StageTransition(StageId? From, StageId To, Instant At, StageTransitionKind Kind, string Actor, string? Reason);
