namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// A health scorecard: factors and nested groups with weights, color bands, and critical rules, under an id and a
/// version. Every score records the id and version that produced it, so a change of configuration is never mistaken
/// for a change in the customer.
/// </summary>
/// <remarks>Immutable and thread-safe. Build one with <see cref="CreateBuilder"/>, or bind one from configuration.</remarks>
public sealed class Scorecard
{
    /// <summary>
    /// The largest weight a factor or group may have. With every weight 0 or within
    /// [<see cref="MinPositiveWeight"/>, <see cref="MaxWeight"/>], no sum or product of the scoring overflows or loses
    /// itself in subnormal numbers, so a score is always within 0–100 or missing.
    /// </summary>
    public const double MaxWeight = 1e12;

    /// <summary>The smallest weight other than 0 a factor or group may have; see <see cref="MaxWeight"/>.</summary>
    public const double MinPositiveWeight = 1e-12;

    /// <summary>True when <paramref name="weight"/> is 0 or within [<see cref="MinPositiveWeight"/>, <see cref="MaxWeight"/>].</summary>
    /// <param name="weight">The weight.</param>
    /// <returns>Whether a scorecard accepts it.</returns>
    public static bool IsValidWeight(double weight) => weight == 0 || weight is >= MinPositiveWeight and <= MaxWeight;

    internal Scorecard(string id, int version, ScorecardGroup root, ColorBands colorBands, IReadOnlyList<CriticalRule> criticalRules, string? description)
    {
        Id = id;
        Version = version;
        Root = root;
        ColorBands = colorBands;
        CriticalRules = criticalRules;
        Description = description;
        Compiled = new CompiledScorecard(this);
    }

    /// <summary>The scorecard's id.</summary>
    public string Id { get; }

    /// <summary>The version; change it with every change of weights, bands or thresholds.</summary>
    public int Version { get; }

    /// <summary>The top group; its children are the scorecard's top-level factors and groups.</summary>
    public ScorecardGroup Root { get; }

    /// <summary>The color bands of the score.</summary>
    public ColorBands ColorBands { get; }

    /// <summary>The rules that force a color.</summary>
    public IReadOnlyList<CriticalRule> CriticalRules { get; }

    /// <summary>What the scorecard is for.</summary>
    public string? Description { get; }

    /// <summary>Every factor of the scorecard, depth first.</summary>
    public IReadOnlyList<ScorecardFactor> Factors => Compiled.Leaves;

    /// <summary>Every signal the scorecard reads (factor inputs and critical rules): the columns a <see cref="SignalMatrix"/> needs.</summary>
    public IReadOnlyList<SignalKey> Signals => Compiled.Signals;

    /// <summary>
    /// Whether a factor falls back on its last known value when its data is missing: then scoring against the previous
    /// score needs that score's factor readings (<see cref="HealthScorer.Explain"/>, <see cref="HealthRecord.From(NodaTime.LocalDate, HealthScoreExplanation)"/>),
    /// not only its color.
    /// </summary>
    public bool UsesLastKnown => Compiled.Plans.Any(p => p.Policy == MissingDataPolicy.LastKnown);

    internal CompiledScorecard Compiled { get; }

    /// <summary>Starts a builder.</summary>
    /// <param name="id">The scorecard's id: 1 to 64 ASCII letters, digits, '_' or '-', starting with a letter.</param>
    /// <param name="version">The version, 1 or more.</param>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The version is below 1.</exception>
    public static ScorecardBuilder CreateBuilder(string id, int version = 1) => new(id, version);

    /// <summary>
    /// The default scorecard (id <c>default</c>): usage 35 (frequency, depth, seat utilization), support 20 (volume,
    /// unresolved, high severity), feedback 20 (NPS, CSAT), engagement 10 (surveys, webinars, email), account changes
    /// 10 (champion left, late payment, contraction) and CSM sentiment 5; Red below 40, Green from 70; two or more
    /// high-severity tickets or a champion who left force Red.
    /// </summary>
    public static Scorecard Default { get; } = DefaultScorecards.CreateDefault();

    /// <summary>
    /// The onboarding scorecard (id <c>onboarding</c>) for new customers: onboarding progress 60, usage 25, support 15.
    /// </summary>
    public static Scorecard Onboarding { get; } = DefaultScorecards.CreateOnboarding();

    internal static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !char.IsAsciiLetter(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id} v{Version}";
}
