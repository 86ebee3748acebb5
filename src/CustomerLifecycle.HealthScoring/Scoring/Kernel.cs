using System.Runtime.CompilerServices;

namespace CustomerLifecycle.HealthScoring;

/// <summary>The working memory of one scoring, sized for a scorecard; passed by reference so a call copies nothing.</summary>
internal ref struct Scratch
{
    public Span<double> Raw;
    public Span<double> Points;
    public Span<FactorStatus> Status;
    public ReadOnlySpan<double> LastRaw;
    public ReadOnlySpan<double> LastAgeDays;
    public Span<double> NodeValue;
    public Span<double> NodeSumW;
    public Span<double> Inputs;

    public Scratch(Span<double> raw, Span<double> points, Span<FactorStatus> status, Span<double> nodeValue, Span<double> nodeSumW, Span<double> inputs)
    {
        Raw = raw;
        Points = points;
        Status = status;
        NodeValue = nodeValue;
        NodeSumW = nodeSumW;
        Inputs = inputs;
    }
}

/// <summary>The scoring arithmetic, shared by every entry point. Works on spans only; allocates nothing.</summary>
internal static class Kernel
{
    public static HealthScore Compute(CompiledScorecard c, ReadOnlySpan<double> signals, int invalid, HealthColor? previousColor, double margin, ref Scratch scratch)
    {
        var raw = scratch.Raw;
        var points = scratch.Points;
        var status = scratch.Status;
        var lastRaw = scratch.LastRaw;
        var lastAgeDays = scratch.LastAgeDays;
        var nodeValue = scratch.NodeValue;
        var nodeSumW = scratch.NodeSumW;
        var inputs = scratch.Inputs;
        var confidence = 0.0;
        var plans = c.Plans;
        for (var i = 0; i < plans.Length; i++)
        {
            ref readonly var plan = ref plans[i];
            double m;
            switch (plan.Kind)
            {
                case FactorKind.Signal:
                    m = signals[plan.In0];
                    break;
                case FactorKind.Ratio:
                    m = RatioFactor.Ratio(signals[plan.In0], signals[plan.In1]);
                    break;
                default:
                    m = MeasureCustom(c, i, signals, inputs);
                    if (double.IsInfinity(m))
                    {
                        invalid++;
                        m = double.NaN;
                    }

                    break;
            }

            raw[i] = m;
            if (!double.IsNaN(m))
            {
                points[i] = Map(c, in plan, m);
                status[i] = FactorStatus.Measured;
                confidence += plan.Share;
                continue;
            }

            switch (plan.Policy)
            {
                case MissingDataPolicy.Neutral or MissingDataPolicy.Zero:
                    points[i] = plan.Neutral;
                    status[i] = FactorStatus.Imputed;
                    break;
                case MissingDataPolicy.LastKnown when lastRaw.Length > 0 && !double.IsNaN(lastRaw[i]) && lastAgeDays[i] >= 0 && lastAgeDays[i] <= plan.MaxAgeDays:
                    var decay = Math.Pow(0.5, lastAgeDays[i] / plan.HalfLifeDays);
                    points[i] = plan.Neutral + ((Map(c, in plan, lastRaw[i]) - plan.Neutral) * decay);
                    raw[i] = lastRaw[i];
                    status[i] = FactorStatus.LastKnown;
                    confidence += plan.Share * decay;
                    break;
                default:
                    points[i] = double.NaN;
                    status[i] = FactorStatus.NotApplicable;
                    break;
            }
        }

        // Post-order: every child adds its weighted value to its parent before the parent is closed; a group
        // averages only its applicable children, which is how a missing factor's weight goes to its siblings.
        nodeValue.Clear();
        nodeSumW.Clear();
        var parent = c.Parent;
        var weight = c.Weight;
        var leafOfNode = c.LeafOfNode;
        for (var node = 0; node < nodeValue.Length; node++)
        {
            var leaf = leafOfNode[node];
            var v = leaf >= 0 ? points[leaf] : nodeSumW[node] > 0 ? nodeValue[node] / nodeSumW[node] : double.NaN;
            nodeValue[node] = v;
            var p = parent[node];
            if (p >= 0 && !double.IsNaN(v))
            {
                nodeSumW[p] += weight[node];
                nodeValue[p] += weight[node] * v;
            }
        }

        return Finish(c, nodeValue[^1], confidence, invalid, previousColor, margin, signals, 1, 0);
    }

    /// <summary>
    /// From the root's value to the score: round-off removed, the color band (with hysteresis), critical rules.
    /// Signal <c>j</c> of the row is <c>signals[j * stride + offset]</c>, so row and column layouts share this.
    /// </summary>
    public static HealthScore Finish(CompiledScorecard c, double root, double confidence, int invalid, HealthColor? previousColor, double margin, ReadOnlySpan<double> signals, int stride, int offset)
    {
        var bands = c.Scorecard.ColorBands;
        double? value = double.IsNaN(root) ? null : OnEdges(WithoutRoundOff(root), bands.RedBelow, bands.GreenAtOrAbove);
        var withheld = value is not null && !bands.Colors(confidence);
        HealthColor? color = value is { } s && !withheld ? bands.ColorOf(s, previousColor, margin) : null;
        var forced = false;
        var rules = c.Rules;
        for (var r = 0; r < rules.Length; r++)
        {
            var signal = signals[(c.RuleSignal[r] * stride) + offset];
            if (!double.IsNaN(signal) && rules[r].Fires(signal) && (!forced || rules[r].Color < color))
            {
                color = rules[r].Color;
                forced = true;
            }
        }

        return new HealthScore
        {
            Value = value,
            Color = color,
            CalculatedColor = color,
            Confidence = WithoutConfidenceRoundOff(confidence),
            ScorecardId = c.Scorecard.Id,
            ScorecardVersion = c.Scorecard.Version,
            InvalidSignals = invalid,
            IsForcedByRule = forced,
            IsColorWithheld = withheld && !forced,
        };
    }

    /// <summary>
    /// A score within round-off of a color threshold is the threshold: whether a weighted average that is 40 in exact
    /// arithmetic comes out as 40, 39.99999999999999 or 40.00000000000001 depends on the weights' scale and the order
    /// of the sums, and must not decide between Red and Yellow. The Red threshold wins when both are that close.
    /// </summary>
    internal static double OnEdges(double score, double redBelow, double greenAtOrAbove) =>
        Math.Abs(score - redBelow) <= RoundOff ? redBelow : Math.Abs(score - greenAtOrAbove) <= RoundOff ? greenAtOrAbove : score;

    /// <summary>A confidence (a sum of weight shares) a hair above 1 by round-off alone is 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double WithoutConfidenceRoundOff(double confidence) => confidence > 1 && confidence < 1 + 1e-9 ? 1 : confidence;

    /// <summary>How far outside 0–100 a weighted average may land by round-off alone.</summary>
    internal const double RoundOff = 1e-9;

    /// <summary>A weighted average of values within 0–100 can land a hair outside it by round-off; only that is removed.</summary>
    internal static double WithoutRoundOff(double score) => score switch
    {
        > 100 and < 100 + RoundOff => 100,
        < 0 and > -RoundOff => 0,
        _ => score,
    };

    private static double MeasureCustom(CompiledScorecard c, int leaf, ReadOnlySpan<double> signals, Span<double> inputs)
    {
        var n = c.InputCount[leaf];
        var offset = c.InputOffset[leaf];
        var buffer = inputs[..n];
        for (var k = 0; k < n; k++)
        {
            buffer[k] = signals[c.LeafInputs[offset + k]];
        }

        return c.Factor[leaf].Measure(buffer);
    }

    private static double Map(CompiledScorecard c, in LeafPlan plan, double value) =>
        PointMapping.Map(plan.MapKind, c.X, c.Slopes, plan.XOffset, plan.XCount, c.Y, plan.YOffset, value);
}
