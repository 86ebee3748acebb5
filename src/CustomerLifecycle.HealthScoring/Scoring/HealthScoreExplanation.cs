using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A score with its reasons: every factor's points, weight and contribution, the critical rules that fired, the
/// override in effect, and what moved since the previous score.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class HealthScoreExplanation
{
    internal HealthScoreExplanation(AccountId account, Instant at, HealthScore score, IReadOnlyList<FactorContribution> factors, IReadOnlyList<CriticalRule> firedRules, HealthOverride? activeOverride, IReadOnlyList<FactorChange> changes, HealthScoreExplanation? previous)
    {
        Account = account;
        At = at;
        Score = score;
        Factors = factors;
        FiredRules = firedRules;
        Override = activeOverride;
        ChangesSincePrevious = changes;
        PreviousScore = previous?.Score;
        IsComparableWithPrevious = previous is not null && previous.Score.ScorecardId == score.ScorecardId && previous.Score.ScorecardVersion == score.ScorecardVersion;
    }

    /// <summary>The account scored.</summary>
    public AccountId Account { get; }

    /// <summary>When it was scored.</summary>
    public Instant At { get; }

    /// <summary>The score.</summary>
    public HealthScore Score { get; }

    /// <summary>Every factor of the scorecard, in scorecard order; contributions add up to <see cref="HealthScore.Value"/>.</summary>
    public IReadOnlyList<FactorContribution> Factors { get; }

    /// <summary>The critical rules that fired.</summary>
    public IReadOnlyList<CriticalRule> FiredRules { get; }

    /// <summary>The manual override in effect, if any.</summary>
    public HealthOverride? Override { get; }

    /// <summary>The previous score this one was compared with, if any.</summary>
    public HealthScore? PreviousScore { get; }

    /// <summary>
    /// True when the previous score came from the same scorecard id and version, so a change is a change in the
    /// customer and not in the configuration.
    /// </summary>
    public bool IsComparableWithPrevious { get; }

    /// <summary>The change of score since the previous one; null without a comparable previous score.</summary>
    public double? Delta => IsComparableWithPrevious && Score.Value is { } now && PreviousScore?.Value is { } before ? now - before : null;

    /// <summary>Factors whose contribution moved since the previous score, largest move first; empty when not comparable.</summary>
    public IReadOnlyList<FactorChange> ChangesSincePrevious { get; }

    /// <summary>The factors pulling the score down most: the lowest points first, among those that count.</summary>
    /// <param name="count">How many to return.</param>
    public IReadOnlyList<FactorContribution> Detractors(int count = 3) =>
        [.. Factors.Where(f => f.Points is not null && f.Weight > 0).OrderBy(f => f.Points).ThenByDescending(f => f.Weight).Take(count)];

    /// <summary>Finds a factor's contribution by name, or null.</summary>
    /// <param name="factor">The factor's name.</param>
    public FactorContribution? Find(string factor)
    {
        foreach (var f in Factors)
        {
            if (f.Factor == factor)
            {
                return f;
            }
        }

        return null;
    }
}
