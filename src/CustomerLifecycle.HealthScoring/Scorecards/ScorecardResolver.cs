using CustomerLifecycle.Stages;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// The scorecards in use and the rule for choosing one per account: selectors by priority, then the default.
/// Deterministic: the same account always gets the same scorecard.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ScorecardResolver
{
    private readonly Dictionary<string, Scorecard> _byId;
    private readonly (ScorecardSelector Selector, Scorecard Scorecard)[] _selectors;
    private readonly int[] _selectorIndex;

    /// <summary>Creates a resolver.</summary>
    /// <param name="defaultScorecard">The scorecard for accounts no selector matches.</param>
    /// <param name="scorecards">Other scorecards; ids unique (the default may be repeated).</param>
    /// <param name="selectors">The selectors; each must name a known scorecard.</param>
    /// <exception cref="ArgumentException">Two scorecards share an id, or a selector names an unknown one.</exception>
    public ScorecardResolver(Scorecard defaultScorecard, IEnumerable<Scorecard>? scorecards = null, IEnumerable<ScorecardSelector>? selectors = null)
    {
        ArgumentNullException.ThrowIfNull(defaultScorecard);
        Default = defaultScorecard;
        _byId = new Dictionary<string, Scorecard>(StringComparer.Ordinal) { [defaultScorecard.Id] = defaultScorecard };
        foreach (var scorecard in scorecards ?? [])
        {
            ArgumentNullException.ThrowIfNull(scorecard, nameof(scorecards));
            if (!ReferenceEquals(scorecard, defaultScorecard) && !_byId.TryAdd(scorecard.Id, scorecard))
            {
                throw new ArgumentException($"Two scorecards have the id '{scorecard.Id}'.", nameof(scorecards));
            }
        }

        var list = new List<(ScorecardSelector, Scorecard)>();
        foreach (var selector in selectors ?? [])
        {
            ArgumentNullException.ThrowIfNull(selector, nameof(selectors));
            if (!_byId.TryGetValue(selector.ScorecardId, out var chosen))
            {
                throw new ArgumentException($"Selector names scorecard '{selector.ScorecardId}', which is not defined; defined: {string.Join(", ", _byId.Keys)}.", nameof(selectors));
            }

            list.Add((selector, chosen));
        }

        // A stable sort keeps the given order among equal priorities.
        _selectors = [.. list.OrderByDescending(s => s.Item1.Priority)];
        Indexed = [defaultScorecard, .. _byId.Values.Where(s => !ReferenceEquals(s, defaultScorecard))];
        _selectorIndex = [.. _selectors.Select(s => Array.IndexOf(Indexed, s.Scorecard))];
        Selectors = [.. _selectors.Select(s => s.Selector)];
    }

    /// <summary>The built-in resolution: <see cref="Scorecard.Onboarding"/> for accounts in the Onboarding stage, <see cref="Scorecard.Default"/> otherwise.</summary>
    public static ScorecardResolver BuiltIn { get; } = new(Scorecard.Default, [Scorecard.Onboarding], [new ScorecardSelector("onboarding", 100, Stage: DefaultLifecycleStages.Onboarding)]);

    /// <summary>The scorecard for accounts no selector matches.</summary>
    public Scorecard Default { get; }

    /// <summary>Every scorecard, the default included.</summary>
    public IReadOnlyCollection<Scorecard> Scorecards => _byId.Values;

    /// <summary>The selectors in the order they are tried.</summary>
    public IReadOnlyList<ScorecardSelector> Selectors { get; }

    /// <summary>The scorecard for an account.</summary>
    /// <param name="account">The account.</param>
    public Scorecard Resolve(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Indexed[ResolveIndex(account)];
    }

    /// <summary>Every scorecard, the default first: what <see cref="ResolveIndex"/> indexes.</summary>
    internal Scorecard[] Indexed { get; }

    /// <summary>Whether any selector can choose a scorecard other than the default.</summary>
    internal bool HasSelectors => _selectors.Length > 0;

    /// <summary>The index in <see cref="Indexed"/> of the account's scorecard: the first selector by priority that matches it, else the default's, 0.</summary>
    internal int ResolveIndex(Account account)
    {
        var selectors = _selectors;
        for (var i = 0; i < selectors.Length; i++)
        {
            if (selectors[i].Selector.Matches(account))
            {
                return _selectorIndex[i];
            }
        }

        return 0;
    }

    /// <summary>Gets a scorecard by id.</summary>
    /// <param name="id">The id.</param>
    /// <exception cref="KeyNotFoundException">No scorecard has that id.</exception>
    public Scorecard Get(string id) =>
        id is not null && _byId.TryGetValue(id, out var scorecard) ? scorecard : throw new KeyNotFoundException($"No scorecard has the id '{id}'; defined: {string.Join(", ", _byId.Keys)}.");
}
