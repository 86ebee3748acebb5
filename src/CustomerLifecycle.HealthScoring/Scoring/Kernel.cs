namespace CustomerLifecycle.HealthScoring;

/// <summary>The scoring arithmetic, shared by every entry point. Works on spans only; allocates nothing.</summary>
internal static class Kernel
{
    public static HealthScore Compute(
        CompiledScorecard c,
        ReadOnlySpan<double> signals,
        int invalid,
        HealthColor? previousColor,
        double margin,
        Span<double> raw,
        Span<double> points,
        Span<FactorStatus> status,
        ReadOnlySpan<double> lastRaw,
        ReadOnlySpan<double> lastAgeDays,
        Span<double> nodeValue,
        Span<double> nodeSumW,
        Span<double> inputs)
    {
        var confidence = 0.0;
        var leafInputs = c.LeafInputs;
        for (var i = 0; i < raw.Length; i++)
        {
            double m;
            var offset = c.InputOffset[i];
            switch (c.Kind[i])
            {
                case FactorKind.Signal:
                    m = signals[leafInputs[offset]];
                    break;
                case FactorKind.Ratio:
                    m = RatioFactor.Ratio(signals[leafInputs[offset]], signals[leafInputs[offset + 1]]);
                    break;
                default:
                    var n = c.InputCount[i];
                    var buffer = inputs[..n];
                    for (var k = 0; k < n; k++)
                    {
                        buffer[k] = signals[leafInputs[offset + k]];
                    }

                    m = c.Factor[i].Measure(buffer);
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
                points[i] = Map(c, i, m);
                status[i] = FactorStatus.Measured;
                confidence += c.StaticShare[i];
                continue;
            }

            switch (c.Policy[i])
            {
                case MissingDataPolicy.Neutral or MissingDataPolicy.Zero:
                    points[i] = c.Neutral[i];
                    status[i] = FactorStatus.Imputed;
                    break;
                case MissingDataPolicy.LastKnown when lastRaw.Length > 0 && !double.IsNaN(lastRaw[i]) && lastAgeDays[i] >= 0 && lastAgeDays[i] <= c.MaxAgeDays[i]:
                    var decay = Math.Pow(0.5, lastAgeDays[i] / c.HalfLifeDays[i]);
                    points[i] = c.Neutral[i] + ((Map(c, i, lastRaw[i]) - c.Neutral[i]) * decay);
                    raw[i] = lastRaw[i];
                    status[i] = FactorStatus.LastKnown;
                    confidence += c.StaticShare[i] * decay;
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

        var root = nodeValue[^1];
        double? value = double.IsNaN(root) ? null : WithoutRoundOff(root);
        HealthColor? color = value is { } s ? c.Scorecard.ColorBands.ColorOf(s, previousColor, margin) : null;
        var forced = false;
        var rules = c.Rules;
        for (var r = 0; r < rules.Length; r++)
        {
            var signal = signals[c.RuleSignal[r]];
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
            Confidence = confidence > 1 && confidence < 1 + 1e-9 ? 1 : confidence,
            ScorecardId = c.Scorecard.Id,
            ScorecardVersion = c.Scorecard.Version,
            InvalidSignals = invalid,
            IsForcedByRule = forced,
        };
    }

    /// <summary>A weighted average of values within 0–100 can land a hair outside it by round-off; only that is removed.</summary>
    private static double WithoutRoundOff(double score) => score switch
    {
        > 100 and < 100 + 1e-9 => 100,
        < 0 and > -1e-9 => 0,
        _ => score,
    };

    private static double Map(CompiledScorecard c, int leaf, double value)
    {
        var xCount = c.XCount[leaf];
        var kind = c.MapKind[leaf];
        var yCount = kind == PointMappingKind.Bands ? xCount + 1 : xCount;
        return PointMapping.Map(kind, c.X.AsSpan(c.XOffset[leaf], xCount), c.Y.AsSpan(c.YOffset[leaf], yCount), value);
    }
}
