using CustomerLifecycle.Stages;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Chooses a scorecard for accounts of a tier and/or a lifecycle stage. The resolver tries selectors by descending
/// priority (ties in the order given); the first whose conditions all hold wins.
/// </summary>
/// <param name="ScorecardId">The scorecard chosen.</param>
/// <param name="Priority">Higher is tried first.</param>
/// <param name="Tier">The account tier required (compared without case), or null for any.</param>
/// <param name="Stage">The lifecycle stage required, or null for any.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record ScorecardSelector(string ScorecardId, int Priority = 0, string? Tier = null, StageId? Stage = null)
{
    /// <summary>True when the account meets every condition.</summary>
    /// <param name="account">The account.</param>
    public bool Matches(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return (Tier is null || string.Equals(Tier, account.Tier, StringComparison.OrdinalIgnoreCase))
            && (Stage is null || Stage.Value == account.Stage);
    }
}
