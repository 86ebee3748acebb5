namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Options of the HealthScoring package, usually bound from <c>CustomerLifecycle:HealthScoring</c>, validated at
/// start-up and reloadable: a valid change replaces the scorecards in use without a restart.
/// </summary>
public sealed class HealthScoringOptions
{
    /// <summary>The configuration section these options are usually bound from.</summary>
    public const string SectionName = "CustomerLifecycle:HealthScoring";

    /// <summary>
    /// Scorecards by id. The built-in <c>default</c> and <c>onboarding</c> scorecards are always available; a
    /// configured scorecard with the same id replaces one.
    /// </summary>
    /// <value>The default value is empty: the built-in scorecards only.</value>
    public IDictionary<string, ScorecardOptions> Scorecards { get; set; } = new Dictionary<string, ScorecardOptions>(StringComparer.Ordinal);

    /// <summary>The id of the scorecard used when no selector matches.</summary>
    /// <value>The default value is <c>default</c>. Must name an available scorecard.</value>
    public string DefaultScorecard { get; set; } = "default";

    /// <summary>The selectors choosing a scorecard per tier or stage.</summary>
    /// <value>The default value is empty, meaning the built-in selector: <c>onboarding</c> for accounts in the Onboarding stage.</value>
    public IList<ScorecardSelectorOptions> Selectors { get; set; } = [];

    /// <summary>How many points past a color threshold a score must move before its color changes.</summary>
    /// <value>The default value is 2. Must be from 0 to 20.</value>
    public double HysteresisMargin { get; set; } = 2;
}

/// <summary>A scorecard in configuration.</summary>
public sealed class ScorecardOptions
{
    /// <summary>The version; raise it with every change.</summary>
    /// <value>The default value is 1. Must be 1 or more.</value>
    public int Version { get; set; } = 1;

    /// <summary>What the scorecard is for.</summary>
    /// <value>The default value is null.</value>
    public string? Description { get; set; }

    /// <summary>Scores below this are Red.</summary>
    /// <value>The default value is 40. From 0 to <see cref="GreenAtOrAbove"/>.</value>
    public double RedBelow { get; set; } = 40;

    /// <summary>Scores at or above this are Green.</summary>
    /// <value>The default value is 70. From <see cref="RedBelow"/> to 100.</value>
    public double GreenAtOrAbove { get; set; } = 70;

    /// <summary>
    /// The share of the scorecard's weight whose factors must have data for a score to get a color; below it the score
    /// has no color and says so (<see cref="HealthScore.IsColorWithheld"/>).
    /// </summary>
    /// <value>The default value is 0.5. From 0 (color any score) to 1.</value>
    public double MinimumConfidence { get; set; } = ColorBands.DefaultMinimumConfidence;

    /// <summary>The groups, nested through <see cref="ScorecardGroupOptions.Parent"/>.</summary>
    /// <value>The default value is empty.</value>
    public IList<ScorecardGroupOptions> Groups { get; set; } = [];

    /// <summary>The factors.</summary>
    /// <value>The default value is empty; at least one is required.</value>
    public IList<ScorecardFactorOptions> Factors { get; set; } = [];

    /// <summary>The rules that force a color.</summary>
    /// <value>The default value is empty.</value>
    public IList<CriticalRuleOptions> CriticalRules { get; set; } = [];
}

/// <summary>A group of a configured scorecard.</summary>
public sealed class ScorecardGroupOptions
{
    /// <summary>The group's name, unique within the scorecard.</summary>
    /// <value>The default value is null; required.</value>
    public string? Name { get; set; }

    /// <summary>The group it sits in; the top level when null.</summary>
    /// <value>The default value is null.</value>
    public string? Parent { get; set; }

    /// <summary>Its weight among its siblings.</summary>
    /// <value>The default value is 1. Finite, zero or more.</value>
    public double Weight { get; set; } = 1;
}

/// <summary>A factor of a configured scorecard.</summary>
public sealed class ScorecardFactorOptions
{
    /// <summary>The factor's name: a built-in one (see <see cref="HealthFactors"/>) or one registered with <c>AddFactor</c>.</summary>
    /// <value>The default value is null; required.</value>
    public string? Factor { get; set; }

    /// <summary>The group it sits in; the top level when null.</summary>
    /// <value>The default value is null.</value>
    public string? Group { get; set; }

    /// <summary>Its weight among its siblings.</summary>
    /// <value>The default value is 1. Finite, zero or more.</value>
    public double Weight { get; set; } = 1;

    /// <summary>Its point mapping; the factor's default when null.</summary>
    /// <value>The default value is null.</value>
    public PointMappingOptions? Mapping { get; set; }

    /// <summary>The missing-data policy: <c>DropAndReweight</c>, <c>Neutral</c>, <c>Zero</c> or <c>LastKnown</c>.</summary>
    /// <value>The default value is <c>DropAndReweight</c>.</value>
    public string MissingData { get; set; } = nameof(MissingDataPolicy.DropAndReweight);

    /// <summary>For <c>Neutral</c> and <c>LastKnown</c>: the neutral points.</summary>
    /// <value>The default value is 50. From 0 to 100.</value>
    public double NeutralPoints { get; set; } = 50;

    /// <summary>For <c>LastKnown</c>: the half-life of the last known points, in days.</summary>
    /// <value>The default value is 30. 1 or more.</value>
    public int HalfLifeDays { get; set; } = 30;

    /// <summary>For <c>LastKnown</c>: the age in days beyond which the last known points are dropped.</summary>
    /// <value>The default value is 90. At least <see cref="HalfLifeDays"/>.</value>
    public int MaxAgeDays { get; set; } = 90;

    /// <summary>The factor's own Red threshold, for explanations; the scorecard's when null.</summary>
    /// <value>The default value is null.</value>
    public double? RedBelow { get; set; }

    /// <summary>The factor's own Green threshold, for explanations; the scorecard's when null.</summary>
    /// <value>The default value is null.</value>
    public double? GreenAtOrAbove { get; set; }
}

/// <summary>A point mapping in configuration.</summary>
public sealed class PointMappingOptions
{
    /// <summary><c>Bands</c> or <c>Linear</c>.</summary>
    /// <value>The default value is <c>Linear</c>.</value>
    public string Kind { get; set; } = nameof(PointMappingKind.Linear);

    /// <summary>The thresholds (bands) or knot positions (linear), strictly increasing.</summary>
    /// <value>The default value is empty.</value>
    public IList<double> Thresholds { get; set; } = [];

    /// <summary>The points: one more than the thresholds for bands, one per knot for linear; 0–100 and monotone.</summary>
    /// <value>The default value is empty.</value>
    public IList<double> Points { get; set; } = [];
}

/// <summary>A critical rule in configuration.</summary>
public sealed class CriticalRuleOptions
{
    /// <summary>What the rule is.</summary>
    /// <value>The default value is null; required.</value>
    public string? Name { get; set; }

    /// <summary>The signal compared.</summary>
    /// <value>The default value is null; required.</value>
    public string? Signal { get; set; }

    /// <summary>The comparison: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
    /// <value>The default value is <c>&gt;=</c>.</value>
    public string Operator { get; set; } = ">=";

    /// <summary>The threshold.</summary>
    /// <value>The default value is null; required and finite.</value>
    public double? Value { get; set; }

    /// <summary>The color forced: <c>Red</c>, <c>Yellow</c> or <c>Green</c>.</summary>
    /// <value>The default value is <c>Red</c>.</value>
    public string Color { get; set; } = nameof(HealthColor.Red);
}

/// <summary>A scorecard selector in configuration.</summary>
public sealed class ScorecardSelectorOptions
{
    /// <summary>The scorecard chosen.</summary>
    /// <value>The default value is null; required, an available scorecard.</value>
    public string? Scorecard { get; set; }

    /// <summary>Higher is tried first.</summary>
    /// <value>The default value is 0.</value>
    public int Priority { get; set; }

    /// <summary>The tier required, if any.</summary>
    /// <value>The default value is null (any tier).</value>
    public string? Tier { get; set; }

    /// <summary>The lifecycle stage required, if any.</summary>
    /// <value>The default value is null (any stage).</value>
    public string? Stage { get; set; }
}
