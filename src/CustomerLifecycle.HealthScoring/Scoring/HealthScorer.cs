using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Scores accounts: one at a time (allocation-free), in batches from spans or a columnar <see cref="SignalMatrix"/>,
/// in parallel, with explanations, and under what-if scenarios.
/// </summary>
/// <remarks>
/// Thread-safe: any number of threads may score at once. The scorecards can be swapped while scoring (configuration
/// reload); each score uses one consistent set and records the scorecard id and version it used.
/// </remarks>
public sealed partial class HealthScorer
{
    private readonly IClock _clock;
    private readonly HealthOverrideRegistry? _overrides;
    private volatile ScorecardResolver _resolver;
    private Microsoft.Extensions.Options.OptionsValidationException? _lastRejectedReload;

    /// <summary>Creates a scorer that uses one scorecard for every account.</summary>
    /// <param name="scorecard">The scorecard.</param>
    /// <param name="clock">The source of "now" (explanations, overrides, last-known ages).</param>
    public HealthScorer(Scorecard scorecard, IClock clock)
        : this(new ScorecardResolver(scorecard), clock)
    {
    }

    /// <summary>Creates a scorer.</summary>
    /// <param name="resolver">The scorecards and how to choose one per account.</param>
    /// <param name="clock">The source of "now" (explanations, overrides, last-known ages).</param>
    /// <param name="overrides">The manual overrides to honour, if any.</param>
    /// <param name="hysteresisMargin">How many points past a color threshold a score must move to change color; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hysteresisMargin"/> is negative or not finite.</exception>
    public HealthScorer(ScorecardResolver resolver, IClock clock, HealthOverrideRegistry? overrides = null, double hysteresisMargin = 2)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(clock);
        if (!double.IsFinite(hysteresisMargin) || hysteresisMargin < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(hysteresisMargin), hysteresisMargin, "The hysteresis margin is finite and zero or more points.");
        }

        _resolver = resolver;
        _clock = clock;
        _overrides = overrides;
        HysteresisMargin = hysteresisMargin;
    }

    /// <summary>The scorecards in use.</summary>
    public ScorecardResolver Resolver => _resolver;

    /// <summary>Where the scores are counted: the host's meter when dependency injection made the scorer, else the shared one.</summary>
    internal HealthScoringMetrics Metrics { get; init; } = HealthScoringMetrics.Shared;

    /// <summary>The hysteresis margin in points.</summary>
    public double HysteresisMargin { get; }

    /// <summary>Scores an account with the scorecard chosen for it. Allocates nothing.</summary>
    /// <param name="account">The account.</param>
    public HealthScore Score(Account account) => Score(account, previous: null);

    /// <summary>
    /// Scores an account against its previous score: the color keeps hysteresis, and factors with the last-known
    /// policy use their previous points. Allocates nothing.
    /// </summary>
    /// <param name="account">The account.</param>
    /// <param name="previous">The previous explanation of this account, if any.</param>
    public HealthScore Score(Account account, HealthScoreExplanation? previous)
    {
        ArgumentNullException.ThrowIfNull(account);
        return ScoreWith(_resolver.Resolve(account).Compiled, account, previous);
    }

    /// <summary>Scores an account with a given scorecard (what-if, or a fixed choice). Allocates nothing.</summary>
    /// <param name="account">The account.</param>
    /// <param name="scorecard">The scorecard.</param>
    public HealthScore Score(Account account, Scorecard scorecard)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(scorecard);
        return ScoreWith(scorecard.Compiled, account, null);
    }

    private HealthScore ScoreWith(CompiledScorecard c, Account account, HealthScoreExplanation? previous)
    {
        Span<double> signals = stackalloc double[c.Signals.Length];
        Span<double> raw = stackalloc double[c.Leaves.Length];
        Span<double> points = stackalloc double[c.Leaves.Length];
        Span<FactorStatus> status = stackalloc FactorStatus[c.Leaves.Length];
        Span<double> nodeValue = stackalloc double[c.NodeCount];
        Span<double> nodeSumW = stackalloc double[c.NodeCount];
        Span<double> inputs = stackalloc double[c.MaxInputs];
        Gather(c, account, signals);
        var scratch = new Scratch(raw, points, status, nodeValue, nodeSumW, inputs);
        var score = previous is null
            ? Kernel.Compute(c, signals, 0, null, HysteresisMargin, ref scratch)
            : ComputeWithPrevious(c, signals, previous, ref scratch);
        var result = ApplyOverride(score, account.Id);
        Metrics.Count(result.Color);
        return result;
    }

    private HealthScore ComputeWithPrevious(CompiledScorecard c, ReadOnlySpan<double> signals, HealthScoreExplanation previous, ref Scratch scratch)
    {
        Span<double> lastRaw = stackalloc double[c.Leaves.Length];
        Span<double> lastAge = stackalloc double[c.Leaves.Length];
        var now = _clock.GetCurrentInstant();
        for (var i = 0; i < c.Leaves.Length; i++)
        {
            lastRaw[i] = double.NaN;
            lastAge[i] = double.NaN;
            if (c.Plans[i].Policy == MissingDataPolicy.LastKnown && previous.Find(c.Leaves[i].Name) is { RawValue: { } r, ObservedAt: { } observed })
            {
                lastRaw[i] = r;
                lastAge[i] = (now - observed).TotalDays;
            }
        }

        var previousColor = previous.Score.ScorecardId == c.Scorecard.Id ? previous.Score.CalculatedColor : null;
        var withPrevious = new Scratch(scratch.Raw, scratch.Points, scratch.Status, scratch.NodeValue, scratch.NodeSumW, scratch.Inputs) { LastRaw = lastRaw, LastAgeDays = lastAge };
        return Kernel.Compute(c, signals, 0, previousColor, HysteresisMargin, ref withPrevious);
    }

    private HealthScore ApplyOverride(HealthScore score, AccountId account)
    {
        if (_overrides is { Count: > 0 } && _overrides.TryGetActive(account, _clock.GetCurrentInstant(), out var active))
        {
            return score with { Color = active!.Color, IsOverridden = true };
        }

        return score;
    }

    private static void Gather(CompiledScorecard c, Account account, Span<double> signals)
    {
        var keys = c.Signals;
        for (var j = 0; j < keys.Length; j++)
        {
            signals[j] = AccountSignals.Read(account, keys[j]);
        }
    }
}
