namespace CustomerLifecycle.HealthScoring;

public sealed partial class HealthScorer
{
    /// <summary>
    /// Scores an account and explains the score: each factor's raw value, points, effective weight and contribution
    /// (the contributions add up to the score), the rules that fired, the override in effect, and what moved since
    /// <paramref name="previous"/>.
    /// </summary>
    /// <param name="account">The account.</param>
    /// <param name="previous">The previous explanation of this account, if any (for trend, hysteresis and last-known points).</param>
    /// <param name="scorecard">A scorecard to use instead of the one chosen for the account.</param>
    /// <exception cref="ArgumentException"><paramref name="previous"/> belongs to another account.</exception>
    public HealthScoreExplanation Explain(Account account, HealthScoreExplanation? previous = null, Scorecard? scorecard = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (previous is not null && previous.Account != account.Id)
        {
            throw new ArgumentException($"The previous explanation is of account '{previous.Account}', not '{account.Id}'.", nameof(previous));
        }

        var c = (scorecard ?? _resolver.Resolve(account)).Compiled;
        var now = _clock.GetCurrentInstant();
        var leaves = c.Leaves.Length;
        var signals = new double[c.Signals.Length];
        var raw = new double[leaves];
        var points = new double[leaves];
        var status = new FactorStatus[leaves];
        var nodeValue = new double[c.NodeCount];
        var nodeSumW = new double[c.NodeCount];
        var inputs = new double[c.MaxInputs];
        Gather(c, account, signals);
        var scratch = new Scratch(raw, points, status, nodeValue, nodeSumW, inputs);
        var score = previous is null
            ? Kernel.Compute(c, signals, 0, null, HysteresisMargin, ref scratch)
            : ComputeWithPrevious(c, signals, previous, ref scratch);

        // Effective weights, top-down (reverse post-order): a node's share of its parent is its weight over the
        // weights of its applicable siblings.
        var share = new double[c.NodeCount];
        share[^1] = 1;
        for (var node = c.NodeCount - 2; node >= 0; node--)
        {
            var p = c.Parent[node];
            share[node] = double.IsNaN(nodeValue[node]) || nodeSumW[p] <= 0 ? 0 : share[p] * c.Weight[node] / nodeSumW[p];
        }

        var factors = new FactorContribution[leaves];
        for (var i = 0; i < leaves; i++)
        {
            var leaf = c.Leaves[i];
            double? p = double.IsNaN(points[i]) ? null : points[i];
            var weight = p is null ? 0 : share[c.NodeOfLeaf[i]];
            var bands = leaf.ColorBands ?? c.Scorecard.ColorBands;
            var observedAt = status[i] switch
            {
                FactorStatus.Measured => now,
                FactorStatus.LastKnown => previous!.Find(leaf.Name)!.ObservedAt,
                _ => (NodaTime.Instant?)null,
            };
            factors[i] = new FactorContribution(
                leaf.Name,
                c.LeafGroup[i],
                leaf.Factor.Description,
                double.IsNaN(raw[i]) ? null : raw[i],
                p,
                weight,
                p is { } points1 ? points1 * weight : 0,
                status[i],
                p is { } points2 ? bands.ColorOf(points2) : null,
                observedAt);
        }

        var fired = c.Rules.Where((rule, r) => !double.IsNaN(signals[c.RuleSignal[r]]) && rule.Fires(signals[c.RuleSignal[r]])).ToArray();
        HealthOverride? active = null;
        if (_overrides is not null && _overrides.TryGetActive(account.Id, now, out var found))
        {
            active = found;
            score = score with { Color = found!.Color, IsOverridden = true };
        }

        var changes = Array.Empty<FactorChange>();
        if (previous is not null && previous.Score.ScorecardId == score.ScorecardId && previous.Score.ScorecardVersion == score.ScorecardVersion)
        {
            changes = [.. factors
                .Select(f => new FactorChange(f.Factor, previous.Find(f.Factor)?.Contribution ?? 0, f.Contribution))
                .Where(ch => ch.Delta != 0)
                .OrderByDescending(ch => Math.Abs(ch.Delta))];
        }

        return new HealthScoreExplanation(account.Id, now, score, factors, fired, active, changes, previous);
    }
}
