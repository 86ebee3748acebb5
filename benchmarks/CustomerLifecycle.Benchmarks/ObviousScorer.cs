namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// Health scoring written the obvious way, as a team would without the library: a dictionary of signals per
/// account, a virtual call per factor, LINQ to combine. Same scorecard and arithmetic as the library's bench8.
/// </summary>
internal sealed class ObviousScorer
{
    private readonly List<(ObviousFactor Factor, string Group, double Weight)> _factors =
    [
        (new Ratio("logins_30d", "active_seats", [(0, 0), (4, 50), (12, 90), (20, 100)]), "usage", 1),
        (new Ratio("active_seats", "licensed_seats", [(0, 0), (0.5, 50), (0.8, 90), (1.0, 100)]), "usage", 1),
        (new Ratio("features_used", "features_available", [(0, 0), (0.3, 50), (0.6, 85), (0.8, 100)]), "usage", 1),
        (new Bands("unresolved_tickets", 100, [(1, 60), (3, 30), (5, 0)]), "support", 1),
        (new Bands("high_severity_tickets", 100, [(1, 40), (2, 0)]), "support", 1),
        (new Bands("nps", 10, [(7, 60), (9, 100)]), "nps", 1),
        (new Linear("csat", [(1, 0), (3, 50), (4, 75), (5, 100)]), "csat", 1),
        (new Linear("days_late_on_payment", [(0, 100), (15, 70), (30, 40), (60, 0)]), "late", 1),
    ];

    private readonly Dictionary<string, double> _groupWeights = new() { ["usage"] = 40, ["support"] = 25, ["nps"] = 15, ["csat"] = 10, ["late"] = 10 };

    public (double? Score, string? Color) Score(Dictionary<string, double> signals)
    {
        var groups = _factors
            .Select(f => (f.Group, f.Weight, Points: f.Factor.Points(signals)))
            .Where(f => f.Points is not null)
            .GroupBy(f => f.Group)
            .Select(g => (Group: g.Key, Value: g.Sum(f => f.Weight * f.Points!.Value) / g.Sum(f => f.Weight)))
            .ToList();
        if (groups.Count == 0)
        {
            return (null, null);
        }

        var score = groups.Sum(g => _groupWeights[g.Group] * g.Value) / groups.Sum(g => _groupWeights[g.Group]);

        // No color unless half of the weight was measured (the scorecard's minimum confidence).
        var confidence = _factors.Where(f => f.Factor.Points(signals) is not null)
            .Sum(f => _groupWeights[f.Group] / _groupWeights.Values.Sum() * f.Weight / _factors.Where(o => o.Group == f.Group).Sum(o => o.Weight));
        return (score, confidence < 0.5 - 1e-9 ? null : score < 40 ? "Red" : score >= 70 ? "Green" : "Yellow");
    }

    private abstract class ObviousFactor
    {
        public abstract double? Points(Dictionary<string, double> signals);

        protected static double Interpolate(List<(double X, double Y)> knots, double value)
        {
            if (value <= knots.First().X)
            {
                return knots.First().Y;
            }

            if (value >= knots.Last().X)
            {
                return knots.Last().Y;
            }

            var upper = knots.FindIndex(k => k.X >= value);
            var (x0, y0) = knots[upper - 1];
            var (x1, y1) = knots[upper];
            return y0 + ((value - x0) / (x1 - x0) * (y1 - y0));
        }
    }

    private sealed class Ratio(string numerator, string denominator, List<(double, double)> knots) : ObviousFactor
    {
        public override double? Points(Dictionary<string, double> signals) =>
            signals.TryGetValue(numerator, out var n) && signals.TryGetValue(denominator, out var d) && d > 0 ? Interpolate(knots, n / d) : null;
    }

    private sealed class Linear(string signal, List<(double, double)> knots) : ObviousFactor
    {
        public override double? Points(Dictionary<string, double> signals) =>
            signals.TryGetValue(signal, out var v) ? Interpolate(knots, v) : null;
    }

    private sealed class Bands(string signal, double below, List<(double Threshold, double Points)> bands) : ObviousFactor
    {
        public override double? Points(Dictionary<string, double> signals) =>
            signals.TryGetValue(signal, out var v) ? bands.Where(b => v >= b.Threshold).Select(b => (double?)b.Points).LastOrDefault() ?? below : null;
    }
}
