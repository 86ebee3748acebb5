using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>
/// The matrix batches score column by column with SIMD vectors; a user relies on them giving exactly what scoring
/// each account alone gives. Random scorecards (signal, ratio and custom factors; bands and linear mappings with
/// random knots; nested groups; every missing-data policy the batch supports; critical rules) over random matrices
/// (cells missing, written NaN or infinite, zero, on a knot, huge; row counts around the block size; weights that
/// leave a weighted average a hair above 100).
/// </summary>
public sealed class MatrixBatchPropertyTests
{
    private static readonly SignalKey[] Keys = [.. Enumerable.Range(0, 5).Select(i => new SignalKey("m" + i))];
    private static readonly FakeClock Clock = FakeClock.AtDefaultStart();

    // Every layout of the keys, made when the class is first used: numbered (SignalSet.LayoutId) before
    // AccountBatch_ReadsSetsWithAndWithoutALayoutNumber fills the process's table, so the accounts of the property test
    // are read through their layout's map whichever test runs first.
    private static readonly SignalSet[] EveryLayout = [.. Enumerable.Range(0, 1 << Keys.Length).Select(subset =>
        SignalSet.FromPairs(Keys.Where((_, k) => (subset & (1 << k)) != 0).Select(key => new KeyValuePair<SignalKey, double>(key, 1))))];

    private enum Kind
    {
        Signal,
        Ratio,
        Custom,
    }

    private sealed record FactorSpec(Kind Kind, int In0, int In1, PointMapping Mapping, double Weight, int Group, MissingDataPolicy Policy);

    private sealed record Case(FactorSpec[] Factors, CriticalRule? Rule, double[][] Cells, bool[][] Written);

    /// <summary>Multiplies its two inputs, so huge inputs give an infinity the scorer must count as invalid.</summary>
    private sealed class ProductFactor(SignalKey a, SignalKey b) : IHealthFactor
    {
        public string Name => "product";

        public string Description => "a × b";

        public IReadOnlyList<SignalKey> Inputs { get; } = [a, b];

        public PointMapping DefaultMapping { get; } = PointMapping.Identity;

        public double Measure(ReadOnlySpan<double> inputs) => inputs[0] * inputs[1];
    }

    private static Gen<double> Knot() => Gen.Choose(-80, 480).Select(i => i / 4.0);

    private static Gen<PointMapping> Mapping() =>
        from bands in Gen.Elements(true, false)
        from n in Gen.Choose(bands ? 1 : 2, 5)
        from xs in Gen.ArrayOf(Knot(), n * 3)
        from ys in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(100.0)), (1, Gen.Constant(0.0)), (4, Gen.Choose(0, 700).Select(i => i / 7.0))), n + 1)
        from rising in Gen.Elements(true, false)
        let x = xs.Distinct().Order().ToArray()
        where x.Length >= n
        let y = rising ? ys.Order().ToArray() : ys.OrderDescending().ToArray()
        select bands
            ? PointMapping.Bands(y[0], [.. x.Take(n).Zip(y.Skip(1))])
            : PointMapping.Linear([.. x.Take(n).Zip(y.Take(n))]);

    private static Gen<FactorSpec> Factor() =>
        from kind in Gen.Frequency((4, Gen.Constant(Kind.Signal)), (2, Gen.Constant(Kind.Ratio)), (1, Gen.Constant(Kind.Custom)))
        from in0 in Gen.Choose(0, Keys.Length - 1)
        from in1 in Gen.Choose(0, Keys.Length - 1)
        from mapping in Mapping()
        from weight in Gen.Frequency((3, Gen.Choose(1, 100).Select(i => (double)i)), (2, Gen.Choose(1, 1000).Select(i => i / 1000.0)), (1, Gen.Elements(0.001, 1e6)))
        from grp in Gen.Choose(0, 2)
        from policy in Gen.Frequency((4, Gen.Constant(MissingDataPolicy.DropAndReweight)), (1, Gen.Constant(MissingDataPolicy.Neutral)), (1, Gen.Constant(MissingDataPolicy.Zero)))
        select new FactorSpec(kind, in0, in1, mapping, weight, grp, policy);

    /// <summary>
    /// A cell: written or not, and if written any double a feed may carry; in a clean matrix (no invalid cell, which the
    /// batch of whole scores reads without a copy) only finite ones.
    /// </summary>
    private static Gen<(double Value, bool Written)> Cell(bool clean) => Gen.Frequency(
        (3, Gen.Constant((double.NaN, false))),
        (clean ? 0 : 1, Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity).Select(v => (v, true))),
        (2, Gen.Elements(0.0, -0.0, 10, 40, 50, 60, 90, 100, 1e12, -1e12, 1e300, double.Epsilon).Select(v => (v, true))),
        (8, Knot().Select(v => (v, true))));

    private static Gen<Case> Cases() =>
        from factors in Gen.NonEmptyListOf(Factor()).Select(l => l.Take(10).ToArray())
        from hasRule in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from ruleSignal in Gen.Choose(0, Keys.Length - 1)
        from threshold in Knot()
        from color in Gen.Elements(HealthColor.Red, HealthColor.Yellow)
        let rule = hasRule ? new CriticalRule("rule", Keys[ruleSignal], ComparisonOperator.GreaterThanOrEqual, threshold, color) : null
        from rows in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 40)), (2, Gen.Elements(255, 256, 257, 511, 513)), (1, Gen.Choose(200, 700)))
        from clean in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from cells in Gen.ArrayOf(Gen.ArrayOf(Cell(clean), Keys.Length), rows)
        select new Case(factors, rule, [.. cells.Select(r => r.Select(c => c.Value).ToArray())], [.. cells.Select(r => r.Select(c => c.Written).ToArray())]);

    private static IHealthFactor Make(FactorSpec f, int i) => f.Kind switch
    {
        Kind.Signal => new SignalFactor("f" + i, Keys[f.In0], f.Mapping),
        Kind.Ratio => new RatioFactor("f" + i, Keys[f.In0], Keys[f.In1], f.Mapping),
        _ => new ProductFactor(Keys[f.In0], Keys[f.In1]),
    };

    private static MissingData Missing(FactorSpec f) => f.Policy switch
    {
        MissingDataPolicy.Neutral => MissingData.Neutral(35),
        MissingDataPolicy.Zero => MissingData.Zero,
        _ => MissingData.DropAndReweight,
    };

    /// <summary>Group 0 at the root; group 2 nested in group 1.</summary>
    private static Scorecard Build(Case c)
    {
        var builder = Scorecard.CreateBuilder("matrix").WithColorBands(new ColorBands(40, 70));
        if (c.Rule is { } rule)
        {
            builder.AddCriticalRule(rule);
        }

        // One custom factor at most: a scorecard's factor names are unique.
        var included = c.Factors.Select((f, i) => (f, i)).Where(p => p.f.Kind != Kind.Custom || !c.Factors.Take(p.i).Any(o => o.Kind == Kind.Custom)).ToArray();
        void Add(ScorecardGroupBuilder g, int group)
        {
            foreach (var (f, i) in included.Where(p => p.f.Group == group))
            {
                g.AddFactor(Make(f, i), f.Weight, mapping: f.Mapping, missingData: Missing(f));
            }
        }

        Add(builder, 0);
        if (included.Any(p => p.f.Group >= 1))
        {
            builder.AddGroup("g1", 2, g1 =>
            {
                Add(g1, 1);
                if (included.Any(p => p.f.Group == 2))
                {
                    g1.AddGroup("g2", 3, g2 => Add(g2, 2));
                }
            });
        }

        return builder.Build();
    }

    private static SignalMatrix Matrix(Case c)
    {
        var matrix = new SignalMatrix(c.Cells.Length, Keys);
        for (var r = 0; r < c.Cells.Length; r++)
        {
            for (var k = 0; k < Keys.Length; k++)
            {
                if (c.Written[r][k])
                {
                    matrix[r, Keys[k]] = c.Cells[r][k];
                }
            }
        }

        return matrix;
    }

    /// <summary>The account a row stands for: its finite written cells.</summary>
    private static Account Row(Case c, int r) => new()
    {
        Id = new AccountId("row" + r),
        Name = "Row " + r,
        Signals = SignalSet.FromPairs(Keys.Select((k, i) => (k, i))
            .Where(p => c.Written[r][p.i] && double.IsFinite(c.Cells[r][p.i]))
            .Select(p => new KeyValuePair<SignalKey, double>(p.k, c.Cells[r][p.i]))),
    };

    private static int WrittenInvalid(Case c, Scorecard scorecard, int r) =>
        Keys.Select((k, i) => (k, i)).Count(p => scorecard.Signals.Contains(p.k) && c.Written[r][p.i] && !double.IsFinite(c.Cells[r][p.i]));

    [Fact]
    public void MatrixBatches_GiveExactlyTheSingleAccountScore_ForEveryRow()
    {
        var failure = Record.Exception(() => Prop.ForAll(Cases().ToArbitrary(), c =>
        {
            var scorecard = Build(c);
            var scorer = new HealthScorer(scorecard, Clock);
            var matrix = Matrix(c);
            var full = new HealthScore[c.Cells.Length];
            var scores = new double[c.Cells.Length];
            var colors = new HealthColor?[c.Cells.Length];
            var parallelScores = new double[c.Cells.Length];
            var parallelColors = new HealthColor?[c.Cells.Length];
            scorer.ScoreBatch(matrix, full);
            scorer.ScoreBatch(matrix, scores, colors);
            scorer.ScoreBatchParallel(matrix, parallelScores, parallelColors, maxDegreeOfParallelism: 3);

            // The account batches gather each account's signals into the same columns.
            var accounts = Enumerable.Range(0, c.Cells.Length).Select(r => Row(c, r)).ToArray();
            var fromAccounts = new HealthScore[accounts.Length];
            var fromAccountsParallel = new HealthScore[accounts.Length];
            scorer.ScoreBatch(accounts, fromAccounts);
            scorer.ScoreBatchParallel(accounts, fromAccountsParallel, maxDegreeOfParallelism: 3);

            // Through a resolver that gives every third account the onboarding scorecard: the batch chooses each
            // account's scorecard as it gathers the account, and each account gets its own scorecard's score.
            var choosing = new HealthScorer(new ScorecardResolver(scorecard, [Scorecard.Onboarding], [new ScorecardSelector("onboarding", 100, Stage: DefaultLifecycleStages.Onboarding)]), Clock);
            var staged = accounts.Select((a, r) => r % 3 == 1 ? a with { Stage = DefaultLifecycleStages.Onboarding } : a).ToArray();
            var chosen = new HealthScore[staged.Length];
            choosing.ScoreBatch(staged, chosen);
            for (var r = 0; r < staged.Length; r++)
            {
                var single = choosing.Score(staged[r]);
                if (chosen[r] != single)
                {
                    throw new InvalidOperationException($"Row {r} of {staged.Length}, chosen scorecard {single.ScorecardId}: single {single}; batch {chosen[r]}.");
                }
            }

            for (var r = 0; r < c.Cells.Length; r++)
            {
                var single = scorer.Score(accounts[r], scorecard);
                if (fromAccounts[r] != single || fromAccountsParallel[r] != single
                    || BitConverter.DoubleToInt64Bits(fromAccounts[r].Value ?? double.NaN) != BitConverter.DoubleToInt64Bits(single.Value ?? double.NaN))
                {
                    throw new InvalidOperationException($"Row {r} of {c.Cells.Length}: single {single}; account batch {fromAccounts[r]}; parallel {fromAccountsParallel[r]}.");
                }

                var expected = single with { InvalidSignals = single.InvalidSignals + WrittenInvalid(c, scorecard, r) };
                var value = BitConverter.DoubleToInt64Bits(single.Value ?? double.NaN);
                if (full[r] != expected
                    || BitConverter.DoubleToInt64Bits(scores[r]) != value || colors[r] != single.Color
                    || BitConverter.DoubleToInt64Bits(parallelScores[r]) != value || parallelColors[r] != single.Color)
                {
                    throw new InvalidOperationException($"Row {r} of {c.Cells.Length}: single {expected}; batch {full[r]}; columns {scores[r]:R}/{colors[r]}; parallel {parallelScores[r]:R}/{parallelColors[r]}.");
                }
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150)));
        Assert.Null(failure);
    }

    [Fact]
    public void ColumnBatch_RemovesTheRoundOffThatPutsAnAverageOfHundredsAboveHundred()
    {
        // Three factors of weight 0.001 at 100 points each: the weighted sum over the weight is 100.00000000000001.
        var builder = Scorecard.CreateBuilder("hundreds");
        foreach (var key in Keys.Take(3))
        {
            builder.AddFactor(new SignalFactor(key.Name, key, PointMapping.Identity), 0.001);
        }

        var scorecard = builder.Build();
        var matrix = new SignalMatrix(300, Keys);
        foreach (var key in Keys.Take(3))
        {
            matrix.SetColumn(key, Enumerable.Repeat(100.0, 300).ToArray());
        }

        var scorer = new HealthScorer(scorecard, Clock);
        var scores = new double[300];
        var colors = new HealthColor?[300];
        var full = new HealthScore[300];
        scorer.ScoreBatch(matrix, scores, colors);
        scorer.ScoreBatch(matrix, full);
        Assert.All(scores, s => Assert.Equal(100.0, s));
        Assert.All(full, s => Assert.Equal(100.0, s.Value));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.6)]
    public void ColumnBatch_ColorsScoresOnTheBandEdges_AndWithholdsBelowTheMinimumConfidence(double minimumConfidence)
    {
        // Two factors of equal weight: one measured gives confidence 0.5 exactly. 40 is Yellow (Red is below it), 70 is
        // Green. 301 rows: whole blocks, vectors and a last row on its own.
        var scorecard = Scorecard.CreateBuilder("edges")
            .WithColorBands(new ColorBands(40, 70, minimumConfidence))
            .AddFactor(new SignalFactor("a", Keys[0], PointMapping.Identity), 1)
            .AddFactor(new SignalFactor("b", Keys[1], PointMapping.Identity), 1)
            .Build();
        (double A, double B, HealthColor? Color)[] pattern =
        [
            (40, double.NaN, minimumConfidence <= 0.5 ? HealthColor.Yellow : null),
            (70, double.NaN, minimumConfidence <= 0.5 ? HealthColor.Green : null),
            (40, 40, HealthColor.Yellow),
            (70, 70, HealthColor.Green),
            (39.5, 39.5, HealthColor.Red),
            (100, 0, HealthColor.Yellow),
            (double.NaN, double.NaN, null),
        ];
        const int rows = 301;
        var matrix = new SignalMatrix(rows, Keys);
        for (var r = 0; r < rows; r++)
        {
            var (a, b, _) = pattern[r % pattern.Length];
            matrix[r, Keys[0]] = a;
            matrix[r, Keys[1]] = b;
        }

        var scorer = new HealthScorer(scorecard, Clock);
        var scores = new double[rows];
        var colors = new HealthColor?[rows];
        scorer.ScoreBatch(matrix, scores, colors);
        for (var r = 0; r < rows; r++)
        {
            Assert.True(pattern[r % pattern.Length].Color == colors[r], $"Row {r}: expected {pattern[r % pattern.Length].Color}, got {colors[r]} for score {scores[r]:R}.");
        }
    }

    [Fact]
    public void ColumnBatch_ShortBuffers_AreRefusedNamingTheBuffer()
    {
        var scorer = new HealthScorer(Scorecard.Default, Clock);
        var matrix = new SignalMatrix(3, Scorecard.Default.Signals);
        var scores = Assert.Throws<ArgumentException>(() => scorer.ScoreBatch(matrix, new double[2], new HealthColor?[3]));
        Assert.Equal("scores", scores.ParamName);
        Assert.Contains("holds 2 values but the matrix has 3 rows", scores.Message, StringComparison.Ordinal);
        var colors = Assert.Throws<ArgumentException>(() => scorer.ScoreBatchParallel(matrix, new double[3], new HealthColor?[1]));
        Assert.Equal("colors", colors.ParamName);
    }

    [Fact]
    public void AccountBatch_ReadsSetsWithAndWithoutALayoutNumber_AsEachAccountAloneIsScored()
    {
        // Accounts whose keys the process numbered are read through the layout's map; the rest, key by key. To have
        // both, the table of layouts is filled first (for the rest of this process: later layouts have no number).
        Assert.All(EveryLayout.Skip(1), set => Assert.InRange(set.LayoutId, 0, SignalSet.SharedLayoutCapacity - 1));
        for (var i = 0; i <= SignalSet.SharedLayoutCapacity; i++)
        {
            _ = SignalSet.CreateBuilder().Add(new SignalKey("filler_" + i), i).ToSignalSet();
        }

        var scorecard = Scorecard.CreateBuilder("layouts").WithColorBands(new ColorBands(40, 70))
            .AddFactor(new SignalFactor("s0", Keys[0], PointMapping.Linear((0, 0), (100, 100))), 2)
            .AddFactor(new RatioFactor("r12", Keys[1], Keys[2], PointMapping.Linear((0, 0), (2, 100))), 1)
            .AddFactor(new SignalFactor("s3", Keys[3], PointMapping.Bands(10, (20, 50), (60, 90))), 1, missingData: MissingData.Neutral(35))
            .AddFactor(new SignalFactor("s4", Keys[4], PointMapping.Linear((0, 100), (50, 0))), 3, missingData: MissingData.Zero)
            .Build();
        var scorer = new HealthScorer(scorecard, Clock);
        var random = new Random(20261203);
        var accounts = new Account[700];
        for (var r = 0; r < accounts.Length; r++)
        {
            var subset = random.Next(1 << Keys.Length);
            var builder = SignalSet.CreateBuilder();
            for (var k = 0; k < Keys.Length; k++)
            {
                if ((subset & (1 << k)) != 0)
                {
                    builder.Add(Keys[k], random.Next(-20, 120) + (random.Next(4) / 4.0));
                }
            }

            // One in three has a key the scorecard does not read, a layout first seen after the table filled.
            if (r % 3 == 0)
            {
                builder.Add(new SignalKey("unnumbered_" + r), r);
            }

            accounts[r] = new Account { Id = new AccountId("layout" + r), Name = "Layout " + r, Signals = builder.ToSignalSet() };
            Assert.Equal(r % 3 == 0 || subset == 0, accounts[r].Signals.LayoutId < 0);
        }

        var batch = new HealthScore[accounts.Length];
        scorer.ScoreBatch(accounts, batch);
        Assert.All(Enumerable.Range(0, accounts.Length), r => Assert.Equal(scorer.Score(accounts[r]), batch[r]));
    }

    [Fact]
    public void ColumnBatch_AllocatesNothing()
    {
        var scorer = new HealthScorer(Scorecard.Default, Clock);
        var matrix = new SignalMatrix(100_000, Scorecard.Default.Signals);
        var scores = new double[matrix.RowCount];
        var colors = new HealthColor?[matrix.RowCount];
        scorer.ScoreBatch(matrix, scores, colors);
        var before = GC.GetAllocatedBytesForCurrentThread();
        scorer.ScoreBatch(matrix, scores, colors);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
