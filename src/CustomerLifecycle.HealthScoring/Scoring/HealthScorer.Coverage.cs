namespace CustomerLifecycle.HealthScoring;

public sealed partial class HealthScorer
{
    /// <summary>
    /// What the scorecards see of some accounts: for each scorecard chosen for them, how many accounts it scores, the
    /// factors it measured for none of them, and the signals it reads that none of them carries; and the signals the
    /// accounts carry that no scorecard reads (a name spelt another way, or a signal you meant to score). A check for
    /// a new portfolio or configuration: each account is explained once.
    /// </summary>
    /// <param name="accounts">The accounts.</param>
    /// <returns>The scorecards in the order first chosen, and the unread signals by name.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="accounts"/> or one of them is null.</exception>
    public ScorecardCoverage Coverage(IEnumerable<Account> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var resolver = _resolver;
        var uses = new List<(Scorecard Scorecard, int[] Counts, double[] Values)>();
        var index = new Dictionary<Scorecard, int>(ReferenceEqualityComparer.Instance);
        var carried = new HashSet<SignalKey>();
        foreach (var account in accounts)
        {
            ArgumentNullException.ThrowIfNull(account, nameof(accounts));
            var scorecard = resolver.Resolve(account);
            var c = scorecard.Compiled;
            if (!index.TryGetValue(scorecard, out var i))
            {
                index[scorecard] = i = uses.Count;

                // Counts: [accounts, each factor's measured accounts..., each signal's accounts carrying it...]
                uses.Add((scorecard, new int[1 + c.Leaves.Length + c.Signals.Length], new double[c.Signals.Length]));
            }

            var (_, counts, values) = uses[i];
            counts[0]++;
            var factors = Explain(account, null, scorecard).Factors;
            for (var f = 0; f < factors.Count; f++)
            {
                counts[1 + f] += factors[f].Status == FactorStatus.Measured ? 1 : 0;
            }

            // The scorecard's view of the signals (licensed seats from the contract, as scoring reads them).
            Gather(c, account, values);
            for (var s = 0; s < values.Length; s++)
            {
                counts[1 + c.Leaves.Length + s] += double.IsNaN(values[s]) ? 0 : 1;
            }

            foreach (var key in account.Signals.Keys)
            {
                carried.Add(key);
            }
        }

        var read = resolver.Scorecards.Append(resolver.Default).SelectMany(s => s.Signals).ToHashSet();
        return new ScorecardCoverage(
            [.. uses.Select(u =>
            {
                var never = u.Scorecard.Factors.Where((_, f) => u.Counts[1 + f] == 0).Select(f => f.Name).ToArray();
                return new ScorecardUse(u.Scorecard.Id, u.Scorecard.Version, u.Counts[0], never, [.. u.Scorecard.Signals.Where((_, s) => u.Counts[1 + u.Scorecard.Factors.Count + s] == 0)])
                {
                    IsBlind = never.Length == u.Scorecard.Factors.Count,
                };
            })],
            [.. carried.Where(k => !read.Contains(k)).OrderBy(k => k.Name, StringComparer.Ordinal)]);
    }
}

/// <summary>What the scorecards see of some accounts (<see cref="HealthScorer.Coverage"/>).</summary>
/// <param name="Scorecards">Each scorecard chosen for the accounts, in the order first chosen.</param>
/// <param name="UnreadSignals">Signals the accounts carry that no scorecard of the scorer reads, by name.</param>
public sealed record ScorecardCoverage(IReadOnlyList<ScorecardUse> Scorecards, IReadOnlyList<SignalKey> UnreadSignals)
{
    /// <summary>Whether some scorecard measured none of its factors for any of its accounts: their scores are missing, or imputed.</summary>
    public bool HasBlindScorecard => Scorecards.Any(s => s.IsBlind);
}

/// <summary>One scorecard's view of the accounts it scores.</summary>
/// <param name="ScorecardId">The scorecard.</param>
/// <param name="Version">Its version.</param>
/// <param name="Accounts">How many of the accounts it scores.</param>
/// <param name="FactorsNeverMeasured">Its factors measured for none of them (their inputs missing, or not applicable).</param>
/// <param name="SignalsNotCarried">The signals it reads that none of them carries.</param>
public sealed record ScorecardUse(string ScorecardId, int Version, int Accounts, IReadOnlyList<string> FactorsNeverMeasured, IReadOnlyList<SignalKey> SignalsNotCarried)
{
    /// <summary>Whether it measured none of its factors for any of its accounts.</summary>
    public bool IsBlind { get; init; }
}
