using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>One factor's part in a score: its raw value, points, effective weight and contribution.</summary>
/// <param name="Factor">The factor's name.</param>
/// <param name="Group">The group it sits in (<c>root</c> for a top-level factor).</param>
/// <param name="Description">What the factor measures.</param>
/// <param name="RawValue">The measure before mapping; null when its data was missing.</param>
/// <param name="Points">The points, 0–100; null when the factor was left out.</param>
/// <param name="Weight">The factor's share of the score after missing factors' weight was redistributed, 0–1.</param>
/// <param name="Contribution">Points times weight; the contributions of a score add up to the score.</param>
/// <param name="Status">Where the points came from.</param>
/// <param name="Color">The factor's own color by its color bands (or the scorecard's); null when left out.</param>
/// <param name="ObservedAt">When the points were measured (earlier than the score for last-known points).</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record FactorContribution(
    string Factor,
    string Group,
    string Description,
    double? RawValue,
    double? Points,
    double Weight,
    double Contribution,
    FactorStatus Status,
    HealthColor? Color,
    Instant? ObservedAt);
