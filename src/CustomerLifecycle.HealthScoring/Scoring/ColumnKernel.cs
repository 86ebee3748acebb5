using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// Scores the rows of a <see cref="SignalMatrix"/> a block at a time, node by node down the columns, with SIMD vectors.
/// Each lane does the operations <see cref="Kernel.Compute"/> does for one row, in the same order, so both give the
/// same bits: the batch and the single-account score of the same signals are equal, not merely close.
/// </summary>
/// <remarks>
/// A block's signals, the groups' running sums and the results fit in the first-level cache, so the matrix is read
/// once, in order, and nothing is written per row but the result. The working memory comes from the shared array
/// pools, so a batch allocates nothing once the pools hold it.
/// </remarks>
internal static class ColumnKernel
{
    /// <summary>Rows per block: a multiple of every vector width, small enough for the block to stay in cache.</summary>
    internal const int BlockRows = 256;

    private static readonly HealthColor?[] Colors = [null, HealthColor.Red, HealthColor.Yellow, HealthColor.Green];

    private static readonly long NaNBits = BitConverter.DoubleToInt64Bits(double.NaN);

    /// <summary>Scores rows <paramref name="from"/>–<paramref name="to"/> into full <see cref="HealthScore"/> values, invalid signals counted.</summary>
    public static void Score(CompiledScorecard c, SignalMatrix matrix, int from, int to, Span<HealthScore> results, double margin)
    {
        using var block = new Block(c, matrix, details: true);
        for (var start = from; start < to; start += BlockRows)
        {
            var n = Math.Min(BlockRows, to - start);
            block.Compute(n, block.Load(start, n));
            Finish(c, block, n, margin, results.Slice(start - from, n), rows: default);
        }
    }

    /// <summary>
    /// Scores the accounts whose scorecard is <paramref name="c"/> (<paramref name="cards"/> holds each account's
    /// scorecard index, <paramref name="card"/> is this one's), into the same positions of <paramref name="results"/>: each account's signals are gathered into a block of columns, which is scored as a
    /// matrix's block is. Overrides are the caller's.
    /// </summary>
    public static void Score(CompiledScorecard c, ReadOnlySpan<Account> accounts, ReadOnlySpan<byte> cards, byte card, Span<HealthScore> results, double margin)
    {
        using var block = new Block(c, matrix: null, details: true);
        Span<int> rows = stackalloc int[BlockRows];
        var table = new KeyTable(c.Signals, stackalloc int[KeyTable.SizeFor(c.Signals.Length)]);
        var n = 0;
        for (var a = 0; a < accounts.Length; a++)
        {
            if (cards[a] != card)
            {
                continue;
            }

            rows[n++] = a;
            if (n == BlockRows)
            {
                ScoreGathered(c, block, accounts, rows, table, results, margin);
                n = 0;
            }
        }

        if (n > 0)
        {
            ScoreGathered(c, block, accounts, rows[..n], table, results, margin);
        }
    }

    /// <summary>
    /// Scores every account with <paramref name="c"/>, the default scorecard, a block of consecutive accounts at a time.
    /// With a <paramref name="resolver"/> that has selectors, each account's scorecard is chosen in the loop that
    /// gathers its signals (so an account is read from memory once) and its index goes to <paramref name="cards"/> and
    /// <paramref name="used"/>: the caller then scores the accounts of the other scorecards again, over the default's
    /// scores.
    /// </summary>
    public static void Score(CompiledScorecard c, ScorecardResolver? resolver, ReadOnlySpan<Account> accounts, Span<byte> cards, Span<bool> used, Span<HealthScore> results, double margin)
    {
        using var block = new Block(c, matrix: null, details: true);
        Span<int> rows = stackalloc int[BlockRows];
        var table = new KeyTable(c.Signals, stackalloc int[KeyTable.SizeFor(c.Signals.Length)]);
        for (var start = 0; start < accounts.Length; start += BlockRows)
        {
            var n = Math.Min(BlockRows, accounts.Length - start);
            var blockRows = rows[..n];
            for (var r = 0; r < n; r++)
            {
                blockRows[r] = start + r;
            }

            block.Load(accounts, blockRows, table, resolver, cards);
            block.Compute(n, source: -1);
            if (resolver is not null)
            {
                for (var r = 0; r < n; r++)
                {
                    used[cards[start + r]] = true;
                }
            }

            Finish(c, block, n, margin, results.Slice(start, n), rows: default);
        }
    }

    private static void ScoreGathered(CompiledScorecard c, scoped in Block block, ReadOnlySpan<Account> accounts, ReadOnlySpan<int> rows, scoped in KeyTable table, Span<HealthScore> results, double margin)
    {
        block.Load(accounts, rows, table, resolver: null, cards: default);
        block.Compute(rows.Length, source: -1);
        Finish(c, block, rows.Length, margin, results, rows);
    }

    /// <summary>
    /// The <see cref="HealthScore"/> values of a computed block's first <paramref name="n"/> rows, as
    /// <see cref="Kernel.Finish"/> makes them: into <paramref name="results"/> in order, or at <paramref name="rows"/>
    /// when given. Without critical rules the colors are computed a vector at a time first.
    /// </summary>
    private static void Finish(CompiledScorecard c, scoped in Block block, int n, double margin, Span<HealthScore> results, ReadOnlySpan<int> rows)
    {
        var value = block.Value[..n];
        var confidence = block.Confidence[..n];
        var invalid = block.Invalid[..n];
        if (c.Rules.Length > 0)
        {
            var signals = block.Signals;
            for (var r = 0; r < n; r++)
            {
                results[rows.IsEmpty ? r : rows[r]] = Kernel.Finish(c, value[r], confidence[r], invalid[r], null, margin, signals, BlockRows, r);
            }

            return;
        }

        // Without a previous color there is no hysteresis, and without rules a score's color is its band's, withheld
        // (null) below the minimum confidence: what Kernel.Finish gives, in the same fields.
        var bands = c.Scorecard.ColorBands;
        Span<HealthColor?> colors = stackalloc HealthColor?[BlockRows];
        colors = colors[..n];
        ColorsOf(value, confidence, bands.MinimumConfidence > 0, bands, colors);
        var id = c.Scorecard.Id;
        var version = c.Scorecard.Version;
        for (var r = 0; r < n; r++)
        {
            var v = value[r];
            var color = colors[r];
            var applicable = !double.IsNaN(v);
            results[rows.IsEmpty ? r : rows[r]] = new HealthScore
            {
                Value = applicable ? v : null,
                Color = color,
                CalculatedColor = color,
                Confidence = Kernel.WithoutConfidenceRoundOff(confidence[r]),
                ScorecardId = id,
                ScorecardVersion = version,
                InvalidSignals = invalid[r],
                IsColorWithheld = applicable && color is null,
            };
        }
    }

    /// <summary>Scores rows <paramref name="from"/>–<paramref name="to"/> into a score column (NaN when not applicable) and a color column.</summary>
    public static void Score(CompiledScorecard c, SignalMatrix matrix, int from, int to, Span<double> scores, Span<HealthColor?> colors)
    {
        var bands = c.Scorecard.ColorBands;
        var gated = bands.MinimumConfidence > 0;
        var rules = c.Rules;
        using var block = new Block(c, matrix, details: false);
        for (var start = from; start < to; start += BlockRows)
        {
            var n = Math.Min(BlockRows, to - start);
            var source = block.Load(start, n);
            block.Compute(n, source);
            var value = block.Value[..n];
            var k = colors.Slice(start - from, n);
            value.CopyTo(scores.Slice(start - from, n));
            if (rules.Length == 0)
            {
                ColorsOf(value, block.Confidence, gated, bands, k);
            }
            else
            {
                var signals = block.Signals;
                for (var r = 0; r < value.Length; r++)
                {
                    k[r] = Kernel.Finish(c, value[r], gated ? block.Confidence[r] : 1, 0, null, 0, signals, BlockRows, r).Color;
                }
            }
        }
    }

    /// <summary>
    /// The colors of scores without critical rules, <see cref="ColorBands.ColorOf(double)"/> per row and withheld below the
    /// minimum confidence when <paramref name="gated"/>: a vector at a time where a nullable color is laid out as
    /// the runtime lays it out today (checked once), a row at a time otherwise.
    /// </summary>
    private static void ColorsOf(ReadOnlySpan<double> value, ReadOnlySpan<double> confidence, bool gated, ColorBands bands, Span<HealthColor?> colors)
    {
        double red = bands.RedBelow, green = bands.GreenAtOrAbove;
        var vectorized = 0;
        if (NullableColorBits.Hold && Vector.IsHardwareAccelerated)
        {
            // HasValue in the low byte, the color in the high half: Red 0, Yellow 1, Green 2.
            vectorized = value.Length - (value.Length % Vector<double>.Count);
            var values = MemoryMarshal.Cast<double, Vector<double>>(value[..vectorized]);
            var confidences = MemoryMarshal.Cast<double, Vector<double>>(confidence[..vectorized]);
            var bits = MemoryMarshal.Cast<long, Vector<long>>(MemoryMarshal.CreateSpan(ref Unsafe.As<HealthColor?, long>(ref MemoryMarshal.GetReference(colors)), vectorized));
            Vector<double> redV = new(red), greenV = new(green), minimum = new(bands.MinimumConfidence - ColorBands.ConfidenceRoundOff);
            var hasValue = Vector<long>.One;
            for (var i = 0; i < values.Length; i++)
            {
                var v = values[i];
                var colored = Vector.Equals(v, v);
                if (gated)
                {
                    colored &= Vector.GreaterThanOrEqual(confidences[i], minimum);
                }

                // Each comparison is −1 where it holds: minus their sum is 0, 1 or 2.
                var color = -(Vector.GreaterThanOrEqual(v, redV) + Vector.GreaterThanOrEqual(v, greenV));
                bits[i] = colored & (hasValue | Vector.ShiftLeft(color, 32));
            }
        }

        for (var r = vectorized; r < value.Length; r++)
        {
            // ColorBands.ColorOf without a branch on the score: NaN has no color, Red is below red, Green at or above
            // green (every comparison with NaN is false).
            var v = value[r];
            colors[r] = gated && !bands.Colors(confidence[r]) ? null : Colors[(double.IsNaN(v) ? 0 : 1) + (v >= red ? 1 : 0) + (v >= green ? 1 : 0)];
        }
    }

    /// <summary>The working memory of one block and the arithmetic that fills it.</summary>
    private readonly ref struct Block
    {
        private readonly CompiledScorecard _c;
        private readonly double[]?[] _columns;
        private readonly ulong[]?[] _written;
        private readonly bool _details;
        private readonly bool _confidence;
        private readonly bool _readsColumns;
        private readonly double[] _doubles;
        private readonly int[] _ints;

        // Where each region starts in _doubles: the signals (BlockRows per signal), the leaf's measure, each node's sum
        // and weight, the root's value, the confidence, then the custom factors' inputs.
        private readonly int _measureAt;
        private readonly int _sumAt;
        private readonly int _sumWAt;
        private readonly int _valueAt;
        private readonly int _confidenceAt;
        private readonly int _inputsAt;

        /// <param name="c">The scorecard.</param>
        /// <param name="matrix">The signals; null when they come from accounts.</param>
        /// <param name="details">Whether to count invalid signals and sum the confidence, which only a <see cref="HealthScore"/> reports (the confidence is summed anyway when the scorecard's colors need it).</param>
        public Block(CompiledScorecard c, SignalMatrix? matrix, bool details)
        {
            _c = c;
            _details = details;
            _confidence = details || c.Scorecard.ColorBands.MinimumConfidence > 0;

            var keys = c.Signals;
            _columns = ArrayPool<double[]?>.Shared.Rent(keys.Length);
            _written = ArrayPool<ulong[]?>.Shared.Rent(keys.Length);
            var blocks = keys.Length + 1 + (2 * c.NodeCount) + 2;
            _doubles = ArrayPool<double>.Shared.Rent((blocks * BlockRows) + c.MaxInputs);
            _ints = ArrayPool<int>.Shared.Rent(BlockRows);
            _measureAt = keys.Length * BlockRows;
            _sumAt = _measureAt + BlockRows;
            _sumWAt = _sumAt + (c.NodeCount * BlockRows);
            _valueAt = _sumWAt + (c.NodeCount * BlockRows);
            _confidenceAt = _valueAt + BlockRows;
            _inputsAt = _confidenceAt + BlockRows;
            var invalid = false;
            for (var j = 0; j < keys.Length; j++)
            {
                if (matrix is not null
                    && matrix.TryGetColumn(keys[j], out var values, out var written)
                    && MemoryMarshal.TryGetArray(values, out var valueArray)
                    && MemoryMarshal.TryGetArray(written, out var writtenArray))
                {
                    _columns[j] = valueArray.Array;
                    _written[j] = writtenArray.Array;
                    invalid |= matrix.InvalidCount(keys[j]) > 0;
                }
                else
                {
                    _columns[j] = null;
                    _written[j] = null;

                    // A signal the matrix lacks is missing in every row, whichever way the block is read.
                    Signals.Slice(j * BlockRows, BlockRows).Fill(double.NaN);
                }
            }

            // Without critical rules to read the signals or invalid ones to count, a whole block's factors read the
            // matrix's columns where they are instead of a copy.
            _readsColumns = matrix is not null && c.Rules.Length == 0 && (!details || !invalid);
        }

        /// <summary>The block's copy of its signals, non-finite cells as NaN: signal <c>j</c> of row <c>r</c> at <c>j * BlockRows + r</c>.</summary>
        public Span<double> Signals => _doubles.AsSpan(0, _measureAt);

        /// <summary>The root's value per row, round-off removed; NaN when not applicable.</summary>
        public Span<double> Value => _doubles.AsSpan(_valueAt, BlockRows);

        /// <summary>The share of weight measured, per row; summed only with details or colors gated by confidence.</summary>
        public Span<double> Confidence => _doubles.AsSpan(_confidenceAt, BlockRows);

        /// <summary>Invalid (written but not finite) signals per row; counted only with details.</summary>
        public Span<int> Invalid => _ints.AsSpan(0, BlockRows);

        private Span<double> Measure => _doubles.AsSpan(_measureAt, BlockRows);

        public void Dispose()
        {
            ArrayPool<double>.Shared.Return(_doubles);
            ArrayPool<int>.Shared.Return(_ints);
            ArrayPool<double[]?>.Shared.Return(_columns, clearArray: true);
            ArrayPool<ulong[]?>.Shared.Return(_written, clearArray: true);
        }

        /// <summary>
        /// Loads rows <paramref name="start"/> to start + <paramref name="n"/> of the matrix; rows past
        /// <paramref name="n"/> are padding (NaN).
        /// </summary>
        /// <returns>
        /// The row at which the factors read the matrix's columns themselves (a whole block with nothing to count),
        /// or −1 when the block holds a copy in <see cref="Signals"/>.
        /// </returns>
        public int Load(int start, int n)
        {
            if (_details)
            {
                Invalid.Clear();
            }

            if (_readsColumns && n == BlockRows)
            {
                return start;
            }

            for (var j = 0; j < _c.Signals.Length; j++)
            {
                LoadSignal(j, start, n);
            }

            return -1;
        }

        /// <summary>
        /// Loads the signals of <paramref name="accounts"/> at <paramref name="rows"/>, one block row each, every cell
        /// written once. A set whose keys the process shares (<see cref="SignalSet.LayoutId"/>) is read through its
        /// layout's map (<see cref="CompiledScorecard.LayoutMaps"/>): a fixed loop over the scorecard's signals, without a
        /// branch on whether each is present. Any other set is read key by key, each found in <paramref name="table"/> by
        /// its hash. Account signals are finite, so only a custom factor's infinite measure counts as invalid. With a
        /// <paramref name="resolver"/>, each account's scorecard index goes to <paramref name="cards"/> at its position,
        /// chosen while the account is in the cache.
        /// </summary>
        public void Load(ReadOnlySpan<Account> accounts, ReadOnlySpan<int> rows, in KeyTable table, ScorecardResolver? resolver, Span<byte> cards)
        {
            var c = _c;
            var signals = Signals;
            var count = c.Signals.Length;
            if (rows.Length < BlockRows)
            {
                for (var j = 0; j < count; j++)
                {
                    signals.Slice((j * BlockRows) + rows.Length, BlockRows - rows.Length).Fill(double.NaN);
                }
            }

            var licensed = table.LicensedSeats;
            var maps = c.LayoutMaps;
            for (var r = 0; r < rows.Length; r++)
            {
                var account = accounts[rows[r]];
                if (resolver is not null)
                {
                    cards[rows[r]] = (byte)resolver.ResolveIndex(account);
                }

                // The contract is read here, with the set, though only the licensed seats below need it: its field may
                // lie in the account's second cache line, and a miss met at the end of the loop held up the next
                // account's (about 80 -> 60 ns an account at a million accounts).
                var contract = account.Contract;
                var set = account.Signals;
                var values = set.Values;
                var layout = set.LayoutId;
                if (layout >= 0)
                {
                    // A shared layout has at least one key, so reading the first value for a missing signal (then
                    // replaced by NaN through the mask) stays within the set.
                    var map = maps[layout] ?? c.MakeLayoutMap(maps, layout, set.Keys);
                    ref var first = ref MemoryMarshal.GetReference(values);
                    ref var cell = ref signals[r];
                    for (var j = 0; j < map.Length; j++)
                    {
                        var at = map[j];
                        var missing = (long)(at >> 31);
                        var bits = BitConverter.DoubleToInt64Bits(Unsafe.Add(ref first, at & ~(int)missing));
                        Unsafe.Add(ref cell, j * BlockRows) = BitConverter.Int64BitsToDouble((bits & ~missing) | (NaNBits & missing));
                    }
                }
                else
                {
                    for (var j = 0; j < count; j++)
                    {
                        signals[(j * BlockRows) + r] = double.NaN;
                    }

                    var keys = set.Keys;
                    for (var i = 0; i < keys.Length; i++)
                    {
                        var j = table.IndexOf(keys[i]);
                        if (j >= 0)
                        {
                            signals[(j * BlockRows) + r] = values[i];
                        }
                    }
                }

                // Licensed seats follow Account.LicensedSeats, which is the signal just gathered unless there is a
                // contract: only then is the rule asked.
                if (licensed >= 0 && contract is not null)
                {
                    signals[(licensed * BlockRows) + r] = account.LicensedSeats ?? double.NaN;
                }
            }

            if (_details)
            {
                Invalid.Clear();
            }
        }

        /// <summary>
        /// Fills <see cref="Value"/> and <see cref="Confidence"/> from the loaded block, whose first <paramref name="n"/>
        /// rows are real; <paramref name="source"/> is what <see cref="Load(int, int)"/> returned (−1 after the accounts' load).
        /// </summary>
        public void Compute(int n, int source)
        {
            var c = _c;
            if (_confidence)
            {
                Confidence.Clear();
            }

            var parent = c.Parent;
            var leafOfNode = c.LeafOfNode;
            for (var node = 0; node < parent.Length; node++)
            {
                if (leafOfNode[node] < 0)
                {
                    _doubles.AsSpan(_sumAt + (node * BlockRows), BlockRows).Clear();
                    _doubles.AsSpan(_sumWAt + (node * BlockRows), BlockRows).Clear();
                }
            }

            for (var node = 0; node < parent.Length; node++)
            {
                var leaf = leafOfNode[node];
                var p = parent[node];
                if (leaf >= 0)
                {
                    // The root is a group, so every factor has a parent.
                    Leaf(leaf, n, source, new Sums(_doubles, _sumAt + (p * BlockRows), _sumWAt + (p * BlockRows), c.Weight[node]));
                }
                else if (p >= 0)
                {
                    Group(node, new Sums(_doubles, _sumAt + (p * BlockRows), _sumWAt + (p * BlockRows), c.Weight[node]));
                }
                else
                {
                    Root(node);
                }
            }
        }

        private readonly void LoadSignal(int j, int start, int n)
        {
            var destination = Signals.Slice(j * BlockRows, BlockRows);
            var column = _columns[j];
            if (column is null)
            {
                destination.Fill(double.NaN);
                return;
            }

            var source = column.AsSpan(start, n);
            if (n == BlockRows)
            {
                var from = MemoryMarshal.Cast<double, Vector<double>>(source);
                var to = MemoryMarshal.Cast<double, Vector<double>>(destination);
                var nan = new Vector<double>(double.NaN);
                for (var i = 0; i < from.Length; i++)
                {
                    var v = from[i];

                    // v - v is 0 for a finite v and NaN for NaN or an infinity.
                    to[i] = Vector.ConditionalSelect(Vector.Equals(v - v, Vector<double>.Zero), v, nan);
                }
            }
            else
            {
                for (var r = 0; r < n; r++)
                {
                    var v = source[r];
                    destination[r] = double.IsFinite(v) ? v : double.NaN;
                }

                destination[n..].Fill(double.NaN);
            }

            if (_details)
            {
                var written = _written[j]!;
                var invalid = Invalid;
                for (var r = 0; r < n; r++)
                {
                    var row = start + r;
                    if (!double.IsFinite(source[r]) && (written[row >> 6] & (1UL << (row & 63))) != 0)
                    {
                        invalid[r]++;
                    }
                }
            }
        }

        /// <summary>Where signal <paramref name="j"/>'s block of values is: the matrix's column at <paramref name="source"/>, or the block's copy.</summary>
        private readonly Cells Source(int j, int source) =>
            source >= 0 && _columns[j] is { } column ? new Cells(column, source) : new Cells(_doubles, j * BlockRows);

        private readonly void Leaf(int leaf, int n, int source, Sums sums)
        {
            var c = _c;
            ref readonly var plan = ref c.Plans[leaf];
            ref var confidence = ref _confidence ? ref new Cells(_doubles, _confidenceAt).Ref : ref Unsafe.NullRef<double>();
            var bands = plan.MapKind == PointMappingKind.Bands;
            switch (plan.Kind)
            {
                case FactorKind.Signal:
                    ref var signal = ref Source(plan.In0, source).Ref;
                    if (bands)
                    {
                        Run<SignalMeasure, BandsMap>(ref signal, ref signal, c, in plan, sums, ref confidence);
                    }
                    else
                    {
                        Run<SignalMeasure, LinearMap>(ref signal, ref signal, c, in plan, sums, ref confidence);
                    }

                    break;
                case FactorKind.Ratio:
                    ref var numerator = ref Source(plan.In0, source).Ref;
                    ref var denominator = ref Source(plan.In1, source).Ref;
                    if (bands)
                    {
                        Run<RatioMeasure, BandsMap>(ref numerator, ref denominator, c, in plan, sums, ref confidence);
                    }
                    else
                    {
                        Run<RatioMeasure, LinearMap>(ref numerator, ref denominator, c, in plan, sums, ref confidence);
                    }

                    break;
                default:
                    Custom(leaf, n, source);
                    ref var measured = ref new Cells(_doubles, _measureAt).Ref;
                    if (bands)
                    {
                        Run<MeasuredValues, BandsMap>(ref measured, ref measured, c, in plan, sums, ref confidence);
                    }
                    else
                    {
                        Run<MeasuredValues, LinearMap>(ref measured, ref measured, c, in plan, sums, ref confidence);
                    }

                    break;
            }
        }

        private readonly void Custom(int leaf, int n, int source)
        {
            var c = _c;
            var factor = c.Factor[leaf];
            var count = c.InputCount[leaf];
            var offset = c.InputOffset[leaf];
            var inputs = _doubles.AsSpan(_inputsAt, count);
            var measure = Measure;
            for (var r = 0; r < n; r++)
            {
                for (var k = 0; k < count; k++)
                {
                    var v = Source(c.LeafInputs[offset + k], source).At(r);
                    inputs[k] = double.IsFinite(v) ? v : double.NaN;
                }

                var m = factor.Measure(inputs);
                if (double.IsInfinity(m))
                {
                    if (_details)
                    {
                        Invalid[r]++;
                    }

                    m = double.NaN;
                }

                measure[r] = m;
            }

            measure[n..].Fill(double.NaN);
        }

        /// <summary>
        /// One factor over the block: measured where its measure holds a value, mapped to points, else the missing-data
        /// value; its share added to the confidence where measured (unless <paramref name="confidence"/> is a null
        /// reference), and its weighted points to its parent's sums where there are points. The same operations per lane
        /// as <see cref="Kernel.Compute"/> per row. Not inlined: each kind of factor gets a loop of its own, with its
        /// references in registers.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Run<TMeasure, TMap>(ref double first, ref double second, CompiledScorecard c, in LeafPlan plan, Sums sums, ref double confidence)
            where TMeasure : struct, IMeasure
            where TMap : struct, IMap
        {
            var missing = plan.Policy is MissingDataPolicy.Neutral or MissingDataPolicy.Zero ? plan.Neutral : double.NaN;
            var missingV = new Vector<double>(missing);

            // A number for a missing measure (neutral or zero) makes the factor count in every row.
            var always = double.IsNaN(missing) ? Vector<long>.Zero : Vector<long>.AllBitsSet;
            var share = new Vector<double>(plan.Share);
            var weight = new Vector<double>(sums.Weight);
            ref var xs = ref c.X[plan.XOffset];
            ref var ys = ref c.Y[plan.YOffset];
            ref var slopes = ref c.Slopes[plan.XOffset];
            var count = plan.XCount;
            ref var sum = ref sums.Sum;
            ref var sumW = ref sums.SumW;
            var withConfidence = !Unsafe.IsNullRef(ref confidence);
            for (nuint i = 0; i < BlockRows; i += (nuint)Vector<double>.Count)
            {
                var v = TMeasure.Load(ref first, ref second, i, out var measured);
                var value = Vector.ConditionalSelect(measured, TMap.Map(v, ref xs, ref ys, ref slopes, count), missingV);
                if (withConfidence)
                {
                    Vector.StoreUnsafe(Vector.LoadUnsafe(ref confidence, i) + (Vector.AsVectorDouble(measured) & share), ref confidence, i);
                }

                // Adding zero leaves a sum as it is, so lanes without a value match the row kernel, which skips them.
                var applicable = Vector.AsVectorDouble(measured | always);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sum, i) + ((weight * value) & applicable), ref sum, i);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref sumW, i) + (weight & applicable), ref sumW, i);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private readonly void Group(int node, Sums parent)
        {
            ref var sum = ref new Cells(_doubles, _sumAt + (node * BlockRows)).Ref;
            ref var sumW = ref new Cells(_doubles, _sumWAt + (node * BlockRows)).Ref;
            ref var parentSum = ref parent.Sum;
            ref var parentSumW = ref parent.SumW;
            var weight = new Vector<double>(parent.Weight);
            var nan = new Vector<double>(double.NaN);
            for (nuint i = 0; i < BlockRows; i += (nuint)Vector<double>.Count)
            {
                // A group averages its applicable children; with none it is not applicable itself.
                var w = Vector.LoadUnsafe(ref sumW, i);
                var value = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<double>.Zero), Vector.LoadUnsafe(ref sum, i) / w, nan);
                var applicable = Vector.Equals(value, value);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref parentSum, i) + Vector.ConditionalSelect(applicable, weight * value, Vector<double>.Zero), ref parentSum, i);
                Vector.StoreUnsafe(Vector.LoadUnsafe(ref parentSumW, i) + Vector.ConditionalSelect(applicable, weight, Vector<double>.Zero), ref parentSumW, i);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private readonly void Root(int node)
        {
            ref var sum = ref new Cells(_doubles, _sumAt + (node * BlockRows)).Ref;
            ref var sumW = ref new Cells(_doubles, _sumWAt + (node * BlockRows)).Ref;
            ref var result = ref new Cells(_doubles, _valueAt).Ref;
            var bands = _c.Scorecard.ColorBands;
            Vector<double> red = new(bands.RedBelow), green = new(bands.GreenAtOrAbove), nan = new(double.NaN);
            for (nuint i = 0; i < BlockRows; i += (nuint)Vector<double>.Count)
            {
                var w = Vector.LoadUnsafe(ref sumW, i);
                var value = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<double>.Zero), Vector.LoadUnsafe(ref sum, i) / w, nan);
                Vector.StoreUnsafe(OnEdges(WithoutRoundOff(value), red, green), ref result, i);
            }
        }
    }

    /// <summary>
    /// A block of <see cref="BlockRows"/> cells of an array from an offset, read through references without bounds
    /// checks: the bounds are checked once, here.
    /// </summary>
    private readonly struct Cells
    {
        private readonly double[] _array;
        private readonly int _offset;

        public Cells(double[] array, int offset)
        {
            if ((uint)offset > (uint)(array.Length - BlockRows))
            {
                throw new InvalidOperationException($"A block of {BlockRows} cells from {offset} does not fit in {array.Length}.");
            }

            _array = array;
            _offset = offset;
        }

        public ref double Ref => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _offset);

        public double At(int row) => _array[_offset + row];
    }

    /// <summary>A parent's running sums, which a child adds its weighted value to.</summary>
    private readonly struct Sums(double[] array, int sumAt, int sumWAt, double weight)
    {
        private readonly Cells _sum = new(array, sumAt);
        private readonly Cells _sumW = new(array, sumWAt);

        public double Weight => weight;

        public ref double Sum => ref _sum.Ref;

        public ref double SumW => ref _sumW.Ref;
    }

    /// <summary>A factor's measure, a vector of rows at a time.</summary>
    private interface IMeasure
    {
        /// <summary>The measure of rows <paramref name="i"/> on, from one or two inputs; <paramref name="measured"/> is all ones in the lanes that hold a value.</summary>
        static abstract Vector<double> Load(ref double first, ref double second, nuint i, out Vector<long> measured);
    }

    /// <summary>A signal factor: the signal itself, measured where it is finite (the matrix's cells may be NaN or infinite).</summary>
    private readonly struct SignalMeasure : IMeasure
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<double> Load(ref double first, ref double second, nuint i, out Vector<long> measured)
        {
            var v = Vector.LoadUnsafe(ref first, i);

            // v - v is 0 for a finite v and NaN for NaN or an infinity.
            measured = Vector.Equals(v - v, Vector<double>.Zero);
            return v;
        }
    }

    /// <summary>RatioFactor.Ratio per lane: measured where both signals are finite and the denominator positive.</summary>
    private readonly struct RatioMeasure : IMeasure
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<double> Load(ref double first, ref double second, nuint i, out Vector<long> measured)
        {
            var n = Vector.LoadUnsafe(ref first, i);
            var d = Vector.LoadUnsafe(ref second, i);
            measured = Vector.Equals(n - n, Vector<double>.Zero)
                & Vector.GreaterThan(d, Vector<double>.Zero)
                & Vector.LessThan(d, new Vector<double>(double.PositiveInfinity));
            return n / d;
        }
    }

    /// <summary>A custom factor's measures, computed row by row beforehand: NaN where not measured.</summary>
    private readonly struct MeasuredValues : IMeasure
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<double> Load(ref double first, ref double second, nuint i, out Vector<long> measured)
        {
            var v = Vector.LoadUnsafe(ref first, i);
            measured = Vector.Equals(v, v);
            return v;
        }
    }

    /// <summary>A factor's point mapping, per lane.</summary>
    private interface IMap
    {
        /// <summary>The points of <paramref name="v"/> over <paramref name="count"/> knots from <paramref name="xs"/> (points from <paramref name="ys"/>, slopes aligned with the knots).</summary>
        static abstract Vector<double> Map(Vector<double> v, ref double xs, ref double ys, ref double slopes, int count);
    }

    /// <summary>PointMapping.Map for bands, per lane: the points of the last threshold the value reaches.</summary>
    private readonly struct BandsMap : IMap
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<double> Map(Vector<double> v, ref double xs, ref double ys, ref double slopes, int count)
        {
            var points = new Vector<double>(ys);
            for (var k = 0; k < count; k++)
            {
                points = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, new Vector<double>(Unsafe.Add(ref xs, k))), new Vector<double>(Unsafe.Add(ref ys, k + 1)), points);
            }

            return points;
        }
    }

    /// <summary>PointMapping.Map for knots, per lane: the same segment (closed on the left) and the same formula.</summary>
    private readonly struct LinearMap : IMap
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<double> Map(Vector<double> v, ref double xs, ref double ys, ref double slopes, int count)
        {
            var last = count - 1;
            Vector<double> x0 = new(xs), y0 = new(ys), slope = new(slopes);
            for (var k = 1; k < last; k++)
            {
                // The segment starts at the last knot at or below v.
                var xk = new Vector<double>(Unsafe.Add(ref xs, k));
                var reached = Vector.GreaterThanOrEqual(v, xk);
                x0 = Vector.ConditionalSelect(reached, xk, x0);
                y0 = Vector.ConditionalSelect(reached, new Vector<double>(Unsafe.Add(ref ys, k)), y0);
                slope = Vector.ConditionalSelect(reached, new Vector<double>(Unsafe.Add(ref slopes, k)), slope);
            }

            var points = y0 + ((v - x0) * slope);
            points = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, new Vector<double>(Unsafe.Add(ref xs, last))), new Vector<double>(Unsafe.Add(ref ys, last)), points);
            return Vector.ConditionalSelect(Vector.LessThanOrEqual(v, new Vector<double>(xs)), new Vector<double>(ys), points);
        }
    }

    /// <summary>Whether a <see cref="HealthColor"/>? is eight bytes with HasValue in the low byte and the color in the high half, as the runtime lays it out today.</summary>
    private static class NullableColorBits
    {
        public static readonly bool Hold = Check();

        private static bool Check()
        {
            if (Unsafe.SizeOf<HealthColor?>() != sizeof(long))
            {
                return false;
            }

            foreach (var color in (ReadOnlySpan<HealthColor>)[HealthColor.Red, HealthColor.Yellow, HealthColor.Green])
            {
                var bits = 1L | ((long)color << 32);
                if (Unsafe.As<long, HealthColor?>(ref bits) != color)
                {
                    return false;
                }
            }

            var none = 0L;
            return Unsafe.As<long, HealthColor?>(ref none) is null;
        }
    }

    /// <summary>
    /// A scorecard's signal keys by hash, for the account path: open addressing over a power-of-two table of slots
    /// (each the key's index plus one, 0 when empty), so finding where an account's signal goes costs a probe and
    /// one key comparison, with no search.
    /// </summary>
    internal readonly ref struct KeyTable
    {
        private readonly ReadOnlySpan<SignalKey> _keys;
        private readonly Span<int> _slots;
        private readonly int _mask;

        public KeyTable(ReadOnlySpan<SignalKey> keys, Span<int> slots)
        {
            _keys = keys;
            _slots = slots;
            _mask = slots.Length - 1;
            slots.Clear();
            LicensedSeats = -1;
            for (var j = 0; j < keys.Length; j++)
            {
                var slot = keys[j].GetHashCode() & _mask;
                while (slots[slot] != 0)
                {
                    slot = (slot + 1) & _mask;
                }

                slots[slot] = j + 1;
                if (keys[j] == WellKnownSignals.LicensedSeats)
                {
                    LicensedSeats = j;
                }
            }
        }

        /// <summary>The index of <c>licensed_seats</c> among the keys, −1 when the scorecard does not read it.</summary>
        public int LicensedSeats { get; }

        /// <summary>A table at least twice the keys, so a probe ends soon.</summary>
        public static int SizeFor(int keys) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * keys));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int IndexOf(in SignalKey key)
        {
            var slot = key.GetHashCode() & _mask;
            while (true)
            {
                var j = _slots[slot] - 1;
                if (j < 0 || _keys[j].Equals(key))
                {
                    return j;
                }

                slot = (slot + 1) & _mask;
            }
        }
    }

    /// <summary>Kernel.OnEdges per lane: both masks from the same score, the Red threshold first, as the row kernel does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> OnEdges(Vector<double> score, Vector<double> red, Vector<double> green)
    {
        var roundOff = new Vector<double>(Kernel.RoundOff);
        var nearRed = Vector.LessThanOrEqual(Vector.Abs(score - red), roundOff);
        var nearGreen = Vector.LessThanOrEqual(Vector.Abs(score - green), roundOff);
        return Vector.ConditionalSelect(nearRed, red, Vector.ConditionalSelect(nearGreen, green, score));
    }

    /// <summary>Kernel.WithoutRoundOff per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> WithoutRoundOff(Vector<double> score)
    {
        var hundred = new Vector<double>(100);
        var above = Vector.BitwiseAnd(Vector.GreaterThan(score, hundred), Vector.LessThan(score, new Vector<double>(100 + Kernel.RoundOff)));
        var below = Vector.BitwiseAnd(Vector.LessThan(score, Vector<double>.Zero), Vector.GreaterThan(score, new Vector<double>(-Kernel.RoundOff)));
        return Vector.ConditionalSelect(below, Vector<double>.Zero, Vector.ConditionalSelect(above, hundred, score));
    }
}
