namespace CustomerLifecycle.Forecasting;

/// <summary>
/// The partial likelihood of fixed data, its gradient and information, and what is computed from them: the event
/// table (baseline hazard), residuals, robust variance, concordance and the proportional-hazards test. Each observation
/// is at risk over <c>(entry, time]</c> (from time zero when there are no entries) within its stratum, with its weight.
/// </summary>
internal sealed class CoxFitter
{
    private readonly double[] _x;
    private readonly IReadOnlyList<double>[] _raw;
    private readonly double[]? _offset;
    private readonly double[]? _entry;
    private readonly double[] _time;
    private readonly bool[] _status;
    private readonly double[]? _weight;
    private readonly int[] _stratum;
    private readonly int[] _order;
    private readonly int[]? _entryOrder;
    private readonly int[] _bounds;
    private readonly int _n;
    private readonly int _p;
    private readonly CoxTies _ties;
    private readonly double[] _risk;
    private readonly double[] _eta;
    private readonly double[] _s1;
    private readonly double[] _s2;
    private readonly double[] _d1;
    private readonly double[] _d2;
    private readonly double[] _mean;

    /// <param name="x">The centred covariates, row-major, <paramref name="n"/> × <paramref name="p"/>.</param>
    /// <param name="entry">Each observation's entry time, or null when every observation is at risk from time zero.</param>
    /// <param name="time">Each observation's exit time.</param>
    /// <param name="status">Whether it ended with the event.</param>
    /// <param name="weight">Each observation's case weight, or null for weight one.</param>
    /// <param name="stratum">Each observation's stratum, from 0 to <paramref name="strata"/> − 1.</param>
    /// <param name="strata">How many strata.</param>
    /// <param name="n">Observations.</param>
    /// <param name="p">Covariates.</param>
    /// <param name="ties">The tie handling.</param>
    /// <param name="raw">The covariates as given, uncentred: the concordance ranks by them (see <see cref="Concordance"/>).</param>
    /// <param name="offset">Each row's offset, or null for none.</param>
    public CoxFitter(double[] x, IReadOnlyList<double>[] raw, double[]? entry, double[] time, bool[] status, double[]? weight, double[]? offset, int[] stratum, int strata, int n, int p, CoxTies ties)
    {
        _x = x;
        _raw = raw;
        _offset = offset;
        _entry = entry;
        _time = time;
        _status = status;
        _weight = weight;
        _stratum = stratum;
        _n = n;
        _p = p;
        _ties = ties;
        Strata = strata;

        // Within each stratum, the latest exit first, so each risk set is everyone seen so far less those who entered
        // at or after the time (the latest entry first).
        _order = [.. Enumerable.Range(0, n)];
        Array.Sort(_order, (a, b) => stratum[a] != stratum[b] ? stratum[a].CompareTo(stratum[b]) : time[b].CompareTo(time[a]));
        if (entry is not null)
        {
            _entryOrder = [.. Enumerable.Range(0, n)];
            Array.Sort(_entryOrder, (a, b) => stratum[a] != stratum[b] ? stratum[a].CompareTo(stratum[b]) : entry[b].CompareTo(entry[a]));
        }

        _bounds = new int[strata + 1];
        foreach (var s in stratum)
        {
            _bounds[s + 1]++;
        }

        for (var s = 0; s < strata; s++)
        {
            _bounds[s + 1] += _bounds[s];
        }

        _risk = new double[n];
        _eta = new double[n];
        _s1 = new double[p];
        _s2 = new double[p * p];
        _d1 = new double[p];
        _d2 = new double[p * p];
        _mean = new double[p];
    }

    public int Strata { get; }

    public int Observations => _n;

    public int Covariates => _p;

    public bool HasEntries => _entry is not null;

    public double Entry(int row) => _entry?[row] ?? double.NegativeInfinity;

    public double Time(int row) => _time[row];

    public bool Status(int row) => _status[row];

    public int Stratum(int row) => _stratum[row];

    public double Weight(int row) => _weight?[row] ?? 1;

    public bool HasOffsets => _offset is not null;

    public double Centred(int row, int covariate) => _x[(row * _p) + covariate];

    /// <summary>
    /// The log partial likelihood at <paramref name="beta"/>; its gradient into <paramref name="u"/>, its information
    /// into <paramref name="information"/>. With <paramref name="g"/> (a function of each observation's time), also what
    /// the proportional-hazards test needs of the terms β·g(t): their score into <paramref name="gScore"/>, and the
    /// information's blocks Σ g·T into <paramref name="gCross"/> and Σ g²·T into <paramref name="gSquare"/>, where T is
    /// each event's term of the information.
    /// </summary>
    public double Evaluate(double[] beta, double[] u, double[] information, double[]? g = null, double[]? gScore = null, double[]? gCross = null, double[]? gSquare = null)
    {
        Risk(beta);
        Array.Clear(u);
        Array.Clear(information);
        if (g is not null)
        {
            Array.Clear(gScore!);
            Array.Clear(gCross!);
            Array.Clear(gSquare!);
        }

        var p = _p;
        double logLik = 0;
        for (var stratum = 0; stratum < Strata; stratum++)
        {
            int i = _bounds[stratum], end = _bounds[stratum + 1], leaving = i, atRisk = 0;
            double s0 = 0;
            Array.Clear(_s1);
            Array.Clear(_s2);
            while (i < end)
            {
                var t = _time[_order[i]];
                var gt = g is null ? 0 : g[_order[i]];
                double d0 = 0, deathWeight = 0;
                var deaths = 0;
                Array.Clear(_d1);
                Array.Clear(_d2);
                for (; i < end && _time[_order[i]] == t; i++)
                {
                    var s = _order[i];
                    var r = _risk[s];
                    var row = _x.AsSpan(s * p, p);
                    s0 += r;
                    atRisk++;
                    Accumulate(row, r, _s1, _s2);
                    if (_status[s])
                    {
                        var w = Weight(s);
                        deaths++;
                        deathWeight += w;
                        d0 += r;
                        Accumulate(row, r, _d1, _d2);
                        logLik += w * _eta[s];
                        for (var a = 0; a < p; a++)
                        {
                            u[a] += w * row[a];
                            if (g is not null)
                            {
                                gScore![a] += w * gt * row[a];
                            }
                        }
                    }
                }

                if (_entryOrder is not null)
                {
                    // Out of the risk set: those who entered at or after t.
                    for (; leaving < end && _entry![_entryOrder[leaving]] >= t; leaving++)
                    {
                        var s = _entryOrder[leaving];
                        s0 -= _risk[s];
                        atRisk--;
                        Accumulate(_x.AsSpan(s * p, p), -_risk[s], _s1, _s2);
                    }

                    if (atRisk == 0)
                    {
                        // An empty risk set: start again from exact zeros rather than from what rounding left.
                        s0 = 0;
                        Array.Clear(_s1);
                        Array.Clear(_s2);
                    }
                }

                var meanWeight = deaths == 0 ? 0 : deathWeight / deaths;
                for (var k = 0; k < deaths; k++)
                {
                    // Efron: the k-th of d tied events sees the risk set less k/d of the tied events' weight.
                    var f = _ties == CoxTies.Efron ? (double)k / deaths : 0;
                    var denominator = s0 - (f * d0);
                    logLik -= meanWeight * Math.Log(denominator);
                    for (var a = 0; a < p; a++)
                    {
                        _mean[a] = (_s1[a] - (f * _d1[a])) / denominator;
                        u[a] -= meanWeight * _mean[a];
                        if (g is not null)
                        {
                            gScore![a] -= meanWeight * gt * _mean[a];
                        }
                    }

                    for (var a = 0; a < p; a++)
                    {
                        for (var b = 0; b <= a; b++)
                        {
                            var term = meanWeight * (((_s2[(a * p) + b] - (f * _d2[(a * p) + b])) / denominator) - (_mean[a] * _mean[b]));
                            information[(a * p) + b] += term;
                            if (g is not null)
                            {
                                gCross![(a * p) + b] += gt * term;
                                gSquare![(a * p) + b] += gt * gt * term;
                            }
                        }
                    }
                }
            }
        }

        Mirror(information);
        if (g is not null)
        {
            Mirror(gCross!);
            Mirror(gSquare!);
        }

        return logLik;
    }

    /// <summary>
    /// What each distinct event time of each stratum adds to the baseline hazard at <paramref name="beta"/> (Breslow's,
    /// or Efron's with Efron's ties), to its variance and to the risk-weighted covariate means: R's <c>agsurv</c>.
    /// </summary>
    public CoxEventTable EventTable(double[] beta)
    {
        Risk(beta);
        var p = _p;
        var rows = new List<CoxEventTable.Row>();
        var bounds = new int[Strata + 1];
        for (var stratum = 0; stratum < Strata; stratum++)
        {
            bounds[stratum] = rows.Count;
            int i = _bounds[stratum], end = _bounds[stratum + 1], leaving = i, atRisk = 0;
            double s0 = 0;
            Array.Clear(_s1);
            while (i < end)
            {
                var t = _time[_order[i]];
                double d0 = 0, deathWeight = 0;
                var deaths = 0;
                Array.Clear(_d1);
                for (; i < end && _time[_order[i]] == t; i++)
                {
                    var s = _order[i];
                    var r = _risk[s];
                    s0 += r;
                    atRisk++;
                    for (var a = 0; a < p; a++)
                    {
                        _s1[a] += r * _x[(s * p) + a];
                    }

                    if (_status[s])
                    {
                        deaths++;
                        deathWeight += Weight(s);
                        d0 += r;
                        for (var a = 0; a < p; a++)
                        {
                            _d1[a] += r * _x[(s * p) + a];
                        }
                    }
                }

                if (_entryOrder is not null)
                {
                    for (; leaving < end && _entry![_entryOrder[leaving]] >= t; leaving++)
                    {
                        var s = _entryOrder[leaving];
                        s0 -= _risk[s];
                        atRisk--;
                        for (var a = 0; a < p; a++)
                        {
                            _s1[a] -= _risk[s] * _x[(s * p) + a];
                        }
                    }

                    if (atRisk == 0)
                    {
                        s0 = 0;
                        Array.Clear(_s1);
                    }
                }

                if (deaths == 0)
                {
                    continue;
                }

                // Per event time: Σₖ w̄/Dₖ (the hazard), Σₖ w̄/Dₖ² (its variance), Σₖ w̄ x̄ₖ/Dₖ, the events' mean x̄
                // (1/d Σₖ x̄ₖ), and what the tied events do not take (Σₖ (k/d) w̄/Dₖ and Σₖ (k/d) w̄ x̄ₖ/Dₖ), where Dₖ is
                // the k-th denominator, x̄ₖ the risk-weighted mean there and w̄ the events' mean weight.
                var row = new CoxEventTable.Row(t, p);
                var meanWeight = deathWeight / deaths;
                for (var k = 0; k < deaths; k++)
                {
                    var f = _ties == CoxTies.Efron ? (double)k / deaths : 0;
                    var denominator = s0 - (f * d0);
                    row.Hazard += meanWeight / denominator;
                    row.Variance += meanWeight / (denominator * denominator);
                    row.CorrectionHazard += f * meanWeight / denominator;
                    for (var a = 0; a < p; a++)
                    {
                        var xbar = (_s1[a] - (f * _d1[a])) / denominator;
                        row.Mean[a] += meanWeight * xbar / denominator;
                        row.CorrectionMean[a] += f * meanWeight * xbar / denominator;
                        row.EventMean[a] += xbar / deaths;
                    }
                }

                rows.Add(row);
            }

            rows.Reverse(bounds[stratum], rows.Count - bounds[stratum]);
        }

        bounds[Strata] = rows.Count;
        return new CoxEventTable(rows, bounds, p);
    }

    /// <summary>
    /// Each observation's martingale residual (events less expected events) into <paramref name="martingale"/> and its
    /// score residual (its share of the gradient, n × p) into <paramref name="score"/>, as R's <c>residuals.coxph</c>
    /// (unweighted).
    /// </summary>
    public void Residuals(double[] beta, CoxEventTable table, double[]? martingale, double[]? score)
    {
        var p = _p;
        for (var s = 0; s < _n; s++)
        {
            var eta = _offset?[s] ?? 0;
            for (var a = 0; a < p; a++)
            {
                eta += _x[(s * p) + a] * beta[a];
            }

            var e = Math.Exp(eta);
            var stratum = _stratum[s];
            var exit = table.Last(stratum, _time[s]);
            var entry = _entry is null ? table.None(stratum) : table.Last(stratum, _entry[s]);
            var hazard = table.CumulativeHazard(stratum, exit) - table.CumulativeHazard(stratum, entry);
            var dead = _status[s];
            if (martingale is not null)
            {
                martingale[s] = (dead ? 1 : 0) - (e * hazard) + (dead ? e * table[exit].CorrectionHazard : 0);
            }

            if (score is null)
            {
                continue;
            }

            for (var a = 0; a < p; a++)
            {
                var xa = _x[(s * p) + a];
                var mean = table.CumulativeMean(stratum, exit, a) - table.CumulativeMean(stratum, entry, a);
                var residual = -e * ((xa * hazard) - mean);
                if (dead)
                {
                    // Its own event: the event's share, and back the weight a tied event does not carry.
                    var own = table[exit];
                    residual += xa - own.EventMean[a] + (e * ((xa * own.CorrectionHazard) - own.CorrectionMean[a]));
                }

                score[(s * p) + a] = residual;
            }
        }
    }

    /// <summary>Σ over clusters of (Σ wᵢ Lᵢ)(Σ wᵢ Lᵢ)ᵀ, from the score residuals L: the middle of the sandwich.</summary>
    public double[] Meat(double[] score, int[]? cluster, int clusters, out double[] total)
    {
        var p = _p;
        var sums = new double[(cluster is null ? _n : clusters) * p];
        total = new double[p];
        for (var s = 0; s < _n; s++)
        {
            var c = cluster?[s] ?? s;
            var w = Weight(s);
            for (var a = 0; a < p; a++)
            {
                sums[(c * p) + a] += w * score[(s * p) + a];
                total[a] += w * score[(s * p) + a];
            }
        }

        var meat = new double[p * p];
        for (var c = 0; c < sums.Length / p; c++)
        {
            for (var a = 0; a < p; a++)
            {
                for (var b = 0; b < p; b++)
                {
                    meat[(a * p) + b] += sums[(c * p) + a] * sums[(c * p) + b];
                }
            }
        }

        return meat;
    }

    /// <summary>
    /// The score test, at the estimates, of adding each covariate times <paramref name="g"/>(t) (a time-varying
    /// effect): R's <c>cox.zph</c>. The score of the added terms, and the information of the model with them, at their
    /// coefficients 0; each covariate's test conditions on every β, the global test on all.
    /// </summary>
    public CoxProportionalHazardsTest ProportionalHazards(double[] beta, double[] g, string[] names, CoxTimeTransform transform)
    {
        var p = _p;
        var score = new double[p];
        double[] ii = new double[p * p], cross = new double[p * p], square = new double[p * p];
        Evaluate(beta, new double[p], ii, g, score, cross, square);

        // The information of the model with the added terms: [[I, Σ g·T], [Σ g·T, Σ g²·T]].
        var q = 2 * p;
        var information = new double[q * q];
        for (var a = 0; a < p; a++)
        {
            for (var b = 0; b < p; b++)
            {
                information[(a * q) + b] = ii[(a * p) + b];
                information[(a * q) + p + b] = cross[(a * p) + b];
                information[((p + a) * q) + b] = cross[(a * p) + b];
                information[((p + a) * q) + p + b] = square[(a * p) + b];
            }
        }

        // Each covariate: the model's p coefficients and its own added term; the score is zero but for that term.
        var covariates = new CoxProportionalHazardsTerm[p];
        for (var c = 0; c < p; c++)
        {
            int[] keep = [.. Enumerable.Range(0, p), p + c];
            var u = new double[p + 1];
            u[p] = score[c];
            covariates[c] = new CoxProportionalHazardsTerm(names[c], ScoreTest(information, q, keep, u, 1));
        }

        var all = new double[q];
        Array.Copy(score, 0, all, p, p);
        return new CoxProportionalHazardsTest(covariates, ScoreTest(information, q, [.. Enumerable.Range(0, q)], all, p), transform);
    }

    /// <summary>
    /// Harrell's C for the risk scores xᵀβ, counted as R's <c>concordance</c>: at each event time, the event against
    /// everyone else at risk in its stratum (a subject censored at an event's time counts as outliving it); concordant
    /// when the event has the higher risk; tied in risk counts one half. A pair counts the product of its weights. Its
    /// standard error is R's infinitesimal jackknife: each row's (or cluster's) weighted influence on Somers' d.
    /// </summary>
    public CoxConcordance Concordance(double[] beta, int[]? cluster, int clusters)
    {
        // Ranks of the risk scores, equal scores one rank. The scores are the uncentred xᵀβ, each row's own sum: the
        // centring's means are summed in the rows' order, so centred scores equal in exact arithmetic could tie or not
        // by the rows' order, and the counts with them.
        var score = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            var sum = 0.0;
            for (var a = 0; a < _p; a++)
            {
                sum += _raw[a][i] * beta[a];
            }

            score[i] = sum + (_offset?[i] ?? 0);
        }

        var byRisk = Enumerable.Range(0, _n).ToArray();
        Array.Sort(byRisk, (a, b) => score[a].CompareTo(score[b]));
        var rank = new int[_n];
        var ranks = 0;
        for (var i = 0; i < _n; i++)
        {
            if (i > 0 && score[byRisk[i]] != score[byRisk[i - 1]])
            {
                ranks++;
            }

            rank[byRisk[i]] = ranks;
        }

        // The rows at risk by rank, and the events so far by rank: a row's pairs as the one that outlived an event are
        // the events counted between its joining the risk set and its leaving it.
        var tree = new double[ranks + 2];
        var deathTree = new double[ranks + 2];
        var inTree = new bool[_n];
        var influence = new double[_n * 3];
        double concordant = 0, discordant = 0, tiedRisk = 0, tiedTime = 0, tiedBoth = 0;
        var deathsByRank = new Dictionary<int, (double Sum, double Squares)>();
        for (var stratum = 0; stratum < Strata; stratum++)
        {
            int i = _bounds[stratum], end = _bounds[stratum + 1], leaving = i;
            double inserted = 0, deathTotal = 0;
            while (i < end)
            {
                var t = _time[_order[i]];
                var j = i;
                while (j < end && _time[_order[j]] == t)
                {
                    j++;
                }

                if (_entryOrder is not null)
                {
                    for (; leaving < end && _entry![_entryOrder[leaving]] >= t; leaving++)
                    {
                        var s = _entryOrder[leaving];
                        Add(tree, rank[s], -Weight(s));
                        inTree[s] = false;
                        inserted -= Weight(s);
                        Leave(s);
                    }
                }

                // Censored at t: they outlive the events at t.
                for (var m = i; m < j; m++)
                {
                    var s = _order[m];
                    if (!_status[s])
                    {
                        Join(s);
                    }
                }

                double deathWeight = 0, deathSquares = 0;
                deathsByRank.Clear();
                for (var m = i; m < j; m++)
                {
                    var s = _order[m];
                    if (_status[s])
                    {
                        var w = Weight(s);
                        var below = Count(tree, rank[s] - 1);
                        var atOrBelow = Count(tree, rank[s]);
                        concordant += w * below;
                        tiedRisk += w * (atOrBelow - below);
                        discordant += w * (inserted - atOrBelow);
                        influence[3 * s] += below;
                        influence[(3 * s) + 1] += inserted - atOrBelow;
                        influence[(3 * s) + 2] += atOrBelow - below;
                        deathWeight += w;
                        deathSquares += w * w;
                        var (sum, squares) = deathsByRank.GetValueOrDefault(rank[s]);
                        deathsByRank[rank[s]] = (sum + w, squares + (w * w));
                    }
                }

                // Pairs of events at the same time: tied in risk too (R's tied.xy), or not (R's tied.y).
                var both = deathsByRank.Values.Sum(d => ((d.Sum * d.Sum) - d.Squares) / 2);
                tiedBoth += both;
                tiedTime += (((deathWeight * deathWeight) - deathSquares) / 2) - both;
                for (var m = i; m < j; m++)
                {
                    var s = _order[m];
                    if (_status[s])
                    {
                        Add(deathTree, rank[s], Weight(s));
                        deathTotal += Weight(s);
                    }
                }

                for (var m = i; m < j; m++)
                {
                    var s = _order[m];
                    if (_status[s])
                    {
                        Join(s);
                    }
                }

                i = j;
            }

            // Those still at risk leave; empty both trees for the next stratum.
            for (var m = _bounds[stratum]; m < end; m++)
            {
                var s = _order[m];
                if (inTree[s])
                {
                    Add(tree, rank[s], -Weight(s));
                    inTree[s] = false;
                    Leave(s);
                }
            }

            for (var m = _bounds[stratum]; m < end; m++)
            {
                if (_status[_order[m]])
                {
                    Add(deathTree, rank[_order[m]], -Weight(_order[m]));
                }
            }

            // On joining, a row's influence is debited with the events counted so far; on leaving, credited with them
            // all: the difference is the events it was compared with, by whether they had the higher risk, the lower or
            // the same.
            void Join(int s)
            {
                Add(tree, rank[s], Weight(s));
                inTree[s] = true;
                inserted += Weight(s);
                Snapshot(s, -1);
            }

            void Leave(int s) => Snapshot(s, 1);

            void Snapshot(int s, int sign)
            {
                var below = Count(deathTree, rank[s] - 1);
                var atOrBelow = Count(deathTree, rank[s]);
                influence[3 * s] += sign * (deathTotal - atOrBelow);
                influence[(3 * s) + 1] += sign * below;
                influence[(3 * s) + 2] += sign * (atOrBelow - below);
            }
        }

        var comparable = concordant + discordant + tiedRisk;
        var somers = (concordant - discordant) / comparable;
        var dfbeta = new double[cluster is null ? _n : clusters];
        for (var s = 0; s < _n; s++)
        {
            var c = influence[3 * s];
            var d = influence[(3 * s) + 1];
            var tied = influence[(3 * s) + 2];
            dfbeta[cluster?[s] ?? s] += Weight(s) * (((c - d) / comparable) - (somers / comparable * (c + d + tied)));
        }

        var variance = dfbeta.Sum(x => x * x) / 4;
        return new CoxConcordance(concordant, discordant, tiedRisk, tiedTime, comparable == 0 ? double.NaN : (concordant + (tiedRisk / 2)) / comparable)
        {
            TiedTimeAndRisk = tiedBoth,
            StandardError = comparable == 0 ? double.NaN : Math.Sqrt(variance),
        };
    }

    private static ChiSquareTest ScoreTest(double[] information, int q, int[] keep, double[] u, int df)
    {
        var m = keep.Length;
        var sub = new double[m * m];
        for (var a = 0; a < m; a++)
        {
            for (var b = 0; b < m; b++)
            {
                sub[(a * m) + b] = information[(keep[a] * q) + keep[b]];
            }
        }

        if (SymmetricMatrix.Cholesky(sub, m, 1e-12) >= 0)
        {
            return new ChiSquareTest(double.NaN, df, double.NaN);
        }

        var statistic = SymmetricMatrix.QuadraticFormOfInverse(sub, m, u);
        return new ChiSquareTest(statistic, df, Statistics.ChiSquareSurvival(statistic, df));
    }

    private static void Add(double[] tree, int rank, double weight)
    {
        for (var i = rank + 1; i < tree.Length; i += i & -i)
        {
            tree[i] += weight;
        }
    }

    // The weight inserted with a rank at most <paramref name="rank"/>.
    private static double Count(double[] tree, int rank)
    {
        double sum = 0;
        for (var i = rank + 1; i > 0; i -= i & -i)
        {
            sum += tree[i];
        }

        return sum;
    }

    // Copies a symmetric p × p matrix's lower triangle into its upper one.
    private void Mirror(double[] matrix)
    {
        for (var a = 0; a < _p; a++)
        {
            for (var b = a + 1; b < _p; b++)
            {
                matrix[(a * _p) + b] = matrix[(b * _p) + a];
            }
        }
    }

    private void Risk(double[] beta)
    {
        for (var i = 0; i < _n; i++)
        {
            var eta = _offset?[i] ?? 0;
            for (var a = 0; a < _p; a++)
            {
                eta += _x[(i * _p) + a] * beta[a];
            }

            _eta[i] = eta;
            _risk[i] = Weight(i) * Math.Exp(eta);
        }
    }

    private void Accumulate(ReadOnlySpan<double> row, double r, double[] s1, double[] s2)
    {
        for (var a = 0; a < _p; a++)
        {
            var ra = r * row[a];
            s1[a] += ra;
            for (var b = 0; b <= a; b++)
            {
                s2[(a * _p) + b] += ra * row[b];
            }
        }
    }
}

/// <summary>The distinct event times of each stratum, in time order, with what each adds to the baseline hazard.</summary>
internal sealed class CoxEventTable
{
    private readonly Row[] _rows;
    private readonly int[] _bounds;
    private readonly double[] _times;
    private readonly double[] _hazard;
    private readonly double[] _variance;
    private readonly double[] _mean;
    private readonly int _p;

    public CoxEventTable(List<Row> rows, int[] bounds, int p)
    {
        _rows = [.. rows];
        _bounds = bounds;
        _p = p;
        _times = [.. rows.Select(r => r.Time)];
        _hazard = new double[rows.Count];
        _variance = new double[rows.Count];
        _mean = new double[rows.Count * p];
        for (var stratum = 0; stratum + 1 < bounds.Length; stratum++)
        {
            for (var m = bounds[stratum]; m < bounds[stratum + 1]; m++)
            {
                var first = m == bounds[stratum];
                _hazard[m] = (first ? 0 : _hazard[m - 1]) + rows[m].Hazard;
                _variance[m] = (first ? 0 : _variance[m - 1]) + rows[m].Variance;
                for (var a = 0; a < p; a++)
                {
                    _mean[(m * p) + a] = (first ? 0 : _mean[((m - 1) * p) + a]) + rows[m].Mean[a];
                }
            }
        }
    }

    public Row this[int index] => _rows[index];

    public int First(int stratum) => _bounds[stratum];

    public int End(int stratum) => _bounds[stratum + 1];

    /// <summary>The index standing for "before the stratum's first event time".</summary>
    public int None(int stratum) => _bounds[stratum] - 1;

    /// <summary>The index of the stratum's last event time at or before <paramref name="time"/>, or <see cref="None"/>.</summary>
    public int Last(int stratum, double time)
    {
        int low = _bounds[stratum], high = _bounds[stratum + 1];
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (_times[mid] <= time)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low - 1;
    }

    public double Time(int index) => _times[index];

    public double CumulativeHazard(int stratum, int index) => index < _bounds[stratum] ? 0 : _hazard[index];

    public double CumulativeVariance(int stratum, int index) => index < _bounds[stratum] ? 0 : _variance[index];

    public double CumulativeMean(int stratum, int index, int covariate) => index < _bounds[stratum] ? 0 : _mean[(index * _p) + covariate];

    internal sealed class Row(double time, int p)
    {
        public double Time { get; } = time;

        public double Hazard { get; set; }

        public double Variance { get; set; }

        public double CorrectionHazard { get; set; }

        public double[] Mean { get; } = new double[p];

        public double[] EventMean { get; } = new double[p];

        public double[] CorrectionMean { get; } = new double[p];
    }
}
