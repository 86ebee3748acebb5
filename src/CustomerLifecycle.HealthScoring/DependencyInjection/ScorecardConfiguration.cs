using System.Globalization;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>Turns <see cref="HealthScoringOptions"/> into a resolver, or lists every problem with its key.</summary>
internal static class ScorecardConfiguration
{
    public static bool TryBuild(HealthScoringOptions options, IEnumerable<IHealthFactor> customFactors, IEnumerable<Scorecard> codeScorecards, out ScorecardResolver? resolver, out List<string> errors)
    {
        errors = [];
        resolver = null;
        var factors = new Dictionary<string, IHealthFactor>(StringComparer.Ordinal);
        foreach (var f in HealthFactors.All.Concat(customFactors))
        {
            factors[f.Name] = f;
        }

        var scorecards = new Dictionary<string, Scorecard>(StringComparer.Ordinal)
        {
            [Scorecard.Default.Id] = Scorecard.Default,
            [Scorecard.Onboarding.Id] = Scorecard.Onboarding,
        };
        foreach (var s in codeScorecards)
        {
            scorecards[s.Id] = s;
        }

        if (!double.IsFinite(options.HysteresisMargin) || options.HysteresisMargin is < 0 or > 20)
        {
            errors.Add(Inv($"HysteresisMargin: {options.HysteresisMargin} is out of range; the margin is from 0 to 20 points."));
        }

        foreach (var (id, scorecardOptions) in options.Scorecards ?? new Dictionary<string, ScorecardOptions>())
        {
            if (TryBuildScorecard(id, scorecardOptions ?? new ScorecardOptions(), factors, $"Scorecards:{id}", errors) is { } built)
            {
                scorecards[id] = built;
            }
        }

        if (options.DefaultScorecard is null || !scorecards.ContainsKey(options.DefaultScorecard))
        {
            errors.Add($"DefaultScorecard: '{options.DefaultScorecard}' is not an available scorecard; available: {string.Join(", ", scorecards.Keys)}.");
        }

        var selectors = new List<ScorecardSelector>();
        var selectorOptions = options.Selectors ?? [];
        for (var i = 0; i < selectorOptions.Count; i++)
        {
            var s = selectorOptions[i] ?? new ScorecardSelectorOptions();
            var ok = true;
            if (s.Scorecard is null || !scorecards.ContainsKey(s.Scorecard))
            {
                errors.Add($"Selectors:{i}:Scorecard: '{s.Scorecard}' is not an available scorecard; available: {string.Join(", ", scorecards.Keys)}.");
                ok = false;
            }

            if (s.Stage is not null && !StageId.IsValid(s.Stage))
            {
                errors.Add($"Selectors:{i}:Stage: '{s.Stage}' is not a valid stage id.");
                ok = false;
            }

            if (ok)
            {
                selectors.Add(new ScorecardSelector(s.Scorecard!, s.Priority, s.Tier, s.Stage is null ? null : new StageId(s.Stage)));
            }
        }

        if (selectorOptions.Count == 0 && scorecards.ContainsKey("onboarding"))
        {
            selectors.Add(new ScorecardSelector("onboarding", 100, Stage: DefaultLifecycleStages.Onboarding));
        }

        if (errors.Count > 0)
        {
            return false;
        }

        var defaultScorecard = scorecards[options.DefaultScorecard!];
        resolver = new ScorecardResolver(defaultScorecard, scorecards.Values, selectors);
        return true;
    }

    private static Scorecard? TryBuildScorecard(string id, ScorecardOptions o, Dictionary<string, IHealthFactor> factors, string key, List<string> errors)
    {
        var before = errors.Count;
        if (!Scorecard.IsValidId(id))
        {
            errors.Add($"{key}: scorecard id '{id}' is invalid: use 1 to 64 ASCII letters, digits, '_' or '-', starting with a letter.");
        }

        if (o.Version < 1)
        {
            errors.Add(Inv($"{key}:Version: {o.Version} is not a version; versions start at 1."));
        }

        if (ColorBands.Validate(o.RedBelow, o.GreenAtOrAbove) is { } bandError)
        {
            errors.Add($"{key}:RedBelow: {bandError}");
        }

        if (ColorBands.ValidateConfidence(o.MinimumConfidence) is { } confidenceError)
        {
            errors.Add($"{key}:MinimumConfidence: {confidenceError}");
        }

        // Groups: names unique, parents known, no cycles.
        var groups = new Dictionary<string, (ScorecardGroupOptions Options, int Index)>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.Groups.Count; i++)
        {
            var g = o.Groups[i] ?? new ScorecardGroupOptions();
            if (string.IsNullOrWhiteSpace(g.Name) || g.Name.Equals("root", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:Groups:{i}:Name: a group needs a name other than 'root' (was '{g.Name}').");
            }
            else if (!groups.TryAdd(g.Name, (g, i)))
            {
                errors.Add($"{key}:Groups:{i}:Name: group '{g.Name}' is declared more than once.");
            }

            CheckWeight(g.Weight, $"{key}:Groups:{i}:Weight", errors);
        }

        foreach (var (name, (g, i)) in groups)
        {
            if (g.Parent is not null && !groups.ContainsKey(g.Parent))
            {
                errors.Add($"{key}:Groups:{i}:Parent: group '{g.Parent}' is not declared.");
                continue;
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { name };
            for (var p = g.Parent; p is not null && groups.TryGetValue(p, out var parent); p = parent.Options.Parent)
            {
                if (!seen.Add(p))
                {
                    errors.Add($"{key}:Groups:{i}:Parent: groups '{string.Join("' -> '", seen)}' form a cycle.");
                    break;
                }
            }
        }

        // Factors.
        var leaves = new List<(ScorecardFactorOptions Options, IHealthFactor Factor, PointMapping Mapping, MissingData Missing, ColorBands? Bands)>();
        if (o.Factors.Count == 0)
        {
            errors.Add($"{key}:Factors: a scorecard needs at least one factor.");
        }

        var factorNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Factors.Count; i++)
        {
            var f = o.Factors[i] ?? new ScorecardFactorOptions();
            var fk = $"{key}:Factors:{i}";
            var ok = true;
            if (f.Factor is null || !factors.TryGetValue(f.Factor, out var factor))
            {
                errors.Add($"{fk}:Factor: '{f.Factor}' is not a known factor; known: {string.Join(", ", factors.Keys.Order(StringComparer.Ordinal))}.");
                factor = null;
                ok = false;
            }
            else if (!factorNames.Add(f.Factor))
            {
                errors.Add($"{fk}:Factor: '{f.Factor}' appears more than once in the scorecard.");
                ok = false;
            }

            if (f.Group is not null && !groups.ContainsKey(f.Group))
            {
                errors.Add($"{fk}:Group: group '{f.Group}' is not declared.");
                ok = false;
            }

            ok &= CheckWeight(f.Weight, $"{fk}:Weight", errors);
            var mapping = factor?.DefaultMapping;
            if (f.Mapping is { } m)
            {
                if (!Enum.TryParse<PointMappingKind>(m.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(m.Kind, out _))
                {
                    errors.Add($"{fk}:Mapping:Kind: '{m.Kind}' is unknown; use Bands or Linear.");
                    ok = false;
                }
                else if (!PointMapping.TryCreate(kind, [.. m.Thresholds], [.. m.Points], out mapping, out var mappingError))
                {
                    errors.Add($"{fk}:Mapping: {mappingError}");
                    ok = false;
                }
            }

            var missing = TryMissing(f, fk, errors);
            ColorBands? bands = null;
            if (f.RedBelow is not null || f.GreenAtOrAbove is not null)
            {
                var red = f.RedBelow ?? o.RedBelow;
                var green = f.GreenAtOrAbove ?? o.GreenAtOrAbove;
                if (ColorBands.Validate(red, green) is { } factorBandError)
                {
                    errors.Add($"{fk}:RedBelow: {factorBandError}");
                    ok = false;
                }
                else
                {
                    bands = new ColorBands(red, green);
                }
            }

            if (ok && missing is not null && mapping is not null)
            {
                leaves.Add((f, factor!, mapping, missing, bands));
            }
        }

        var rules = new List<CriticalRule>();
        for (var i = 0; i < o.CriticalRules.Count; i++)
        {
            var r = o.CriticalRules[i] ?? new CriticalRuleOptions();
            var rk = $"{key}:CriticalRules:{i}";
            var ok = true;
            if (string.IsNullOrWhiteSpace(r.Name))
            {
                errors.Add($"{rk}:Name: a critical rule needs a name.");
                ok = false;
            }

            if (!SignalKey.IsValidName(r.Signal))
            {
                errors.Add($"{rk}:Signal: '{r.Signal}' is not a valid signal name.");
                ok = false;
            }

            if (!SignalCriterion.TryParseOperator(r.Operator, out var comparison))
            {
                errors.Add($"{rk}:Operator: '{r.Operator}' is unknown; use ==, !=, <, <=, > or >=.");
                ok = false;
            }

            if (r.Value is not { } threshold || !double.IsFinite(threshold))
            {
                errors.Add($"{rk}:Value: a critical rule needs a finite value.");
                ok = false;
            }

            if (!HealthColors.TryParse(r.Color, out var color))
            {
                errors.Add($"{rk}:Color: '{r.Color}' is not Red, Yellow or Green.");
                ok = false;
            }

            if (ok)
            {
                rules.Add(new CriticalRule(r.Name!, new SignalKey(r.Signal!), comparison, r.Value!.Value, color));
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        var builder = Scorecard.CreateBuilder(id, o.Version).WithColorBands(new ColorBands(o.RedBelow, o.GreenAtOrAbove, o.MinimumConfidence)).WithDescription(o.Description);
        AddMembers(builder, null, groups, leaves);
        foreach (var rule in rules)
        {
            builder.AddCriticalRule(rule);
        }

        try
        {
            return builder.Build();
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{key}: {ex.Message}");
            return null;
        }
    }

    private static void AddMembers(ScorecardGroupBuilder target, string? group, Dictionary<string, (ScorecardGroupOptions Options, int Index)> groups, List<(ScorecardFactorOptions Options, IHealthFactor Factor, PointMapping Mapping, MissingData Missing, ColorBands? Bands)> leaves)
    {
        foreach (var leaf in leaves.Where(l => string.Equals(l.Options.Group, group, StringComparison.OrdinalIgnoreCase)))
        {
            target.AddFactor(leaf.Factor, leaf.Options.Weight, leaf.Mapping, leaf.Missing, leaf.Bands);
        }

        foreach (var (name, (g, _)) in groups.Where(g => string.Equals(g.Value.Options.Parent, group, StringComparison.OrdinalIgnoreCase)))
        {
            target.AddGroup(name, g.Weight, child => AddMembers(child, name, groups, leaves));
        }
    }

    private static MissingData? TryMissing(ScorecardFactorOptions f, string key, List<string> errors)
    {
        if (!Enum.TryParse<MissingDataPolicy>(f.MissingData, ignoreCase: true, out var policy) || !Enum.IsDefined(policy) || int.TryParse(f.MissingData, out _))
        {
            errors.Add($"{key}:MissingData: '{f.MissingData}' is unknown; use DropAndReweight, Neutral, Zero or LastKnown.");
            return null;
        }

        if (policy is MissingDataPolicy.Neutral or MissingDataPolicy.LastKnown && (!double.IsFinite(f.NeutralPoints) || f.NeutralPoints is < 0 or > 100))
        {
            errors.Add(Inv($"{key}:NeutralPoints: {f.NeutralPoints} is outside 0–100."));
            return null;
        }

        if (policy == MissingDataPolicy.LastKnown && (f.HalfLifeDays < 1 || f.MaxAgeDays < f.HalfLifeDays))
        {
            errors.Add(Inv($"{key}:HalfLifeDays: the half-life ({f.HalfLifeDays} days) must be 1 or more and at most MaxAgeDays ({f.MaxAgeDays})."));
            return null;
        }

        return policy switch
        {
            MissingDataPolicy.Neutral => MissingData.Neutral(f.NeutralPoints),
            MissingDataPolicy.Zero => MissingData.Zero,
            MissingDataPolicy.LastKnown => MissingData.LastKnown(Duration.FromDays(f.HalfLifeDays), Duration.FromDays(f.MaxAgeDays), f.NeutralPoints),
            _ => MissingData.DropAndReweight,
        };
    }

    private static bool CheckWeight(double weight, string key, List<string> errors)
    {
        if (Scorecard.IsValidWeight(weight))
        {
            return true;
        }

        errors.Add(Inv($"{key}: weight {weight} is out of range; weights are 0 or from {Scorecard.MinPositiveWeight} to {Scorecard.MaxWeight}."));
        return false;
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
