namespace CustomerLifecycle.HealthScoring;

public sealed partial class HealthScorer
{
    /// <summary>
    /// Scores an account as it is and under a scenario: another scorecard, changed signals, or both; for trying a
    /// new scorecard version before rolling it out, or showing a customer what would move their health.
    /// </summary>
    /// <param name="account">The account.</param>
    /// <param name="scorecard">The scenario's scorecard; the account's own when null.</param>
    /// <param name="signals">The scenario's signals; the account's own when null.</param>
    public WhatIfResult WhatIf(Account account, Scorecard? scorecard = null, SignalSet? signals = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        var baseline = Explain(account);
        var scenarioAccount = signals is null ? account : account with { Signals = signals };
        return new WhatIfResult(baseline, Explain(scenarioAccount, scorecard: scorecard));
    }

    /// <summary>
    /// The last configuration change that validation refused since the last accepted one, or null. While it is set,
    /// the scorer goes on with the scorecards it had; the exception's failures name each wrong key.
    /// </summary>
    public Microsoft.Extensions.Options.OptionsValidationException? LastRejectedReload
    {
        get => Volatile.Read(ref _lastRejectedReload);
        internal set => Volatile.Write(ref _lastRejectedReload, value);
    }

    /// <summary>Replaces the scorecards in use (a configuration reload). Scores under way finish with the old set.</summary>
    internal void UseResolver(ScorecardResolver resolver) => _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
}
