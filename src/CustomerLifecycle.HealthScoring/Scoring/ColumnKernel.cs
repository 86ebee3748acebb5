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

    /// <summary>Scores rows <paramref name="from"/>–<paramref name="to"/> into full <see cref="HealthScore"/> values, invalid signals counted.</summary>
    public static void Score(CompiledScorecard c, SignalMatrix matrix, int from, int to, Span<HealthScore> results, double margin)
    {
        using var block = new Block(c, matrix, details: true);
        for (var start = from; start < to; start += BlockRows)
        {
            var n = Math.Min(BlockRows, to - start);
            block.Load(start, n);
            block.Compute(n);
            var signals = block.Signals;
            for (var r = 0; r < n; r++)
            {
                results[start - from + r] = Kernel.Finish(c, block.Value[r], block.Confidence[r], block.Invalid[r], null, margin, signals, BlockRows, r);
            }
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

    private static void ScoreGathered(CompiledScorecard c, scoped in Block block, ReadOnlySpan<Account> accounts, ReadOnlySpan<int> rows, scoped in KeyTable table, Span<HealthScore> results, double margin)
    {
        block.Load(accounts, rows, table);
        block.Compute(rows.Length);
        var signals = block.Signals;
        for (var r = 0; r < rows.Length; r++)
        {
            results[rows[r]] = Kernel.Finish(c, block.Value[r], block.Confidence[r], block.Invalid[r], null, margin, signals, BlockRows, r);
        }
    }

    /// <summary>Scores rows <paramref name="from"/>–<paramref name="to"/> into a score column (NaN when not applicable) and a color column.</summary>
    public static void Score(CompiledScorecard c, SignalMatrix matrix, int from, int to, Span<double> scores, Span<HealthColor?> colors)
    {
        var bands = c.Scorecard.ColorBands;
        double red = bands.RedBelow, green = bands.GreenAtOrAbove;
        var gated = bands.MinimumConfidence > 0;
        var rules = c.Rules;
        using var block = new Block(c, matrix, details: false);
        for (var start = from; start < to; start += BlockRows)
        {
            var n = Math.Min(BlockRows, to - start);
            block.Load(start, n);
            block.Compute(n);
            var value = block.Value[..n];
            var s = scores.Slice(start - from, n);
            var k = colors.Slice(start - from, n);
            value.CopyTo(s);
            if (rules.Length == 0)
            {
                for (var r = 0; r < value.Length; r++)
                {
                    // ColorBands.ColorOf without a branch on the score: NaN has no color, Red is below red, Green at
                    // or above green (every comparison with NaN is false).
                    var v = value[r];
                    k[r] = gated && !bands.Colors(block.Confidence[r]) ? null : Colors[(double.IsNaN(v) ? 0 : 1) + (v >= red ? 1 : 0) + (v >= green ? 1 : 0)];
                }
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

    /// <summary>The working memory of one block and the arithmetic that fills it.</summary>
    private ref struct Block
    {
        private readonly CompiledScorecard _c;
        private readonly double[]?[] _columns;
        private readonly ulong[]?[] _written;
        private readonly bool _details;
        private readonly bool _confidence;
        private readonly double[] _doubles;
        private readonly int[] _ints;
        private readonly Span<double> _measure;
        private readonly Span<double> _sum;
        private readonly Span<double> _sumW;
        private readonly Span<double> _inputs;

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
            for (var j = 0; j < keys.Length; j++)
            {
                if (matrix is not null
                    && matrix.TryGetColumn(keys[j], out var values, out var written)
                    && MemoryMarshal.TryGetArray(values, out var valueArray)
                    && MemoryMarshal.TryGetArray(written, out var writtenArray))
                {
                    _columns[j] = valueArray.Array;
                    _written[j] = writtenArray.Array;
                }
                else
                {
                    _columns[j] = null;
                    _written[j] = null;
                }
            }

            // Signals, the leaf's measure, each node's sum and weight, the root's value and the confidence, then
            // the custom factors' inputs.
            var blocks = keys.Length + 1 + (2 * c.NodeCount) + 2;
            _doubles = ArrayPool<double>.Shared.Rent((blocks * BlockRows) + c.MaxInputs);
            _ints = ArrayPool<int>.Shared.Rent(BlockRows);
            var all = _doubles.AsSpan();
            Signals = all[..(keys.Length * BlockRows)];
            all = all[Signals.Length..];
            _measure = all[..BlockRows];
            _sum = all.Slice(BlockRows, c.NodeCount * BlockRows);
            _sumW = all.Slice(BlockRows + _sum.Length, c.NodeCount * BlockRows);
            all = all[(BlockRows + (2 * _sum.Length))..];
            Value = all[..BlockRows];
            Confidence = all.Slice(BlockRows, BlockRows);
            _inputs = all.Slice(2 * BlockRows, c.MaxInputs);
            Invalid = _ints.AsSpan(0, BlockRows);
        }

        /// <summary>The block's signals, non-finite cells as NaN: signal <c>j</c> of row <c>r</c> at <c>j * BlockRows + r</c>.</summary>
        public Span<double> Signals { get; }

        /// <summary>The root's value per row, round-off removed; NaN when not applicable.</summary>
        public Span<double> Value { get; }

        /// <summary>The share of weight measured, per row; summed only with details.</summary>
        public Span<double> Confidence { get; }

        /// <summary>Invalid (written but not finite) signals per row; counted only with details.</summary>
        public Span<int> Invalid { get; }

        public readonly void Dispose()
        {
            ArrayPool<double>.Shared.Return(_doubles);
            ArrayPool<int>.Shared.Return(_ints);
            ArrayPool<double[]?>.Shared.Return(_columns, clearArray: true);
            ArrayPool<ulong[]?>.Shared.Return(_written, clearArray: true);
        }

        /// <summary>Loads rows <paramref name="start"/> to start + <paramref name="n"/> of the matrix; rows past <paramref name="n"/> are padding (NaN).</summary>
        public readonly void Load(int start, int n)
        {
            if (_details)
            {
                Invalid.Clear();
            }

            for (var j = 0; j < _c.Signals.Length; j++)
            {
                LoadSignal(j, start, n);
            }
        }

        /// <summary>
        /// Loads the signals of <paramref name="accounts"/> at <paramref name="rows"/>, one block row each: a pass over
        /// each account's own keys and values, each key found in <paramref name="table"/> by its hash, with no search
        /// in the account's set. Account signals are finite, so only a custom factor's infinite measure counts as invalid.
        /// </summary>
        public readonly void Load(ReadOnlySpan<Account> accounts, ReadOnlySpan<int> rows, in KeyTable table)
        {
            var signals = Signals;
            signals.Fill(double.NaN);
            var licensed = table.LicensedSeats;
            for (var r = 0; r < rows.Length; r++)
            {
                var account = accounts[rows[r]];
                var set = account.Signals;
                var keys = set.Keys;
                var values = set.Values;
                for (var i = 0; i < keys.Length; i++)
                {
                    var j = table.IndexOf(keys[i]);
                    if (j >= 0)
                    {
                        signals[(j * BlockRows) + r] = values[i];
                    }
                }

                if (licensed >= 0)
                {
                    // Licensed seats follow Account.LicensedSeats (the contract's, else the signal), as for one account.
                    signals[(licensed * BlockRows) + r] = AccountSignals.Read(account, WellKnownSignals.LicensedSeats);
                }
            }

            if (_details)
            {
                Invalid.Clear();
            }
        }

        /// <summary>Fills <see cref="Value"/> and <see cref="Confidence"/> from the loaded block, whose first <paramref name="n"/> rows are real.</summary>
        public readonly void Compute(int n)
        {
            var c = _c;
            if (_confidence)
            {
                Confidence.Clear();
            }

            var parent = c.Parent;
            var weight = c.Weight;
            var leafOfNode = c.LeafOfNode;
            for (var node = 0; node < parent.Length; node++)
            {
                if (leafOfNode[node] < 0)
                {
                    _sum.Slice(node * BlockRows, BlockRows).Clear();
                    _sumW.Slice(node * BlockRows, BlockRows).Clear();
                }
            }

            for (var node = 0; node < parent.Length; node++)
            {
                var p = parent[node];
                var target = p >= 0 ? new Target(_sum.Slice(p * BlockRows, BlockRows), _sumW.Slice(p * BlockRows, BlockRows), weight[node]) : Target.Root(Value, c.Scorecard.ColorBands);
                var leaf = leafOfNode[node];
                if (leaf >= 0)
                {
                    Leaf(leaf, n, target);
                }
                else
                {
                    Group(_sum.Slice(node * BlockRows, BlockRows), _sumW.Slice(node * BlockRows, BlockRows), target);
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

        private readonly void Leaf(int leaf, int n, Target target)
        {
            var c = _c;
            ref readonly var plan = ref c.Plans[leaf];
            ReadOnlySpan<double> measure;
            switch (plan.Kind)
            {
                case FactorKind.Signal:
                    measure = Signals.Slice(plan.In0 * BlockRows, BlockRows);
                    break;
                case FactorKind.Ratio:
                    var numerator = MemoryMarshal.Cast<double, Vector<double>>(Signals.Slice(plan.In0 * BlockRows, BlockRows));
                    var denominator = MemoryMarshal.Cast<double, Vector<double>>(Signals.Slice(plan.In1 * BlockRows, BlockRows));
                    var ratio = MemoryMarshal.Cast<double, Vector<double>>(_measure);
                    var nan = new Vector<double>(double.NaN);
                    for (var i = 0; i < ratio.Length; i++)
                    {
                        // RatioFactor.Ratio: NaN unless the denominator is positive.
                        ratio[i] = Vector.ConditionalSelect(Vector.GreaterThan(denominator[i], Vector<double>.Zero), numerator[i] / denominator[i], nan);
                    }

                    measure = _measure;
                    break;
                default:
                    Custom(leaf, n);
                    measure = _measure;
                    break;
            }

            var xs = c.X.AsSpan(plan.XOffset, plan.XCount);
            var slopes = c.Slopes.AsSpan(plan.XOffset, plan.XCount);
            var ys = c.Y.AsSpan(plan.YOffset, plan.MapKind == PointMappingKind.Bands ? plan.XCount + 1 : plan.XCount);
            var missing = new Vector<double>(plan.Policy is MissingDataPolicy.Neutral or MissingDataPolicy.Zero ? plan.Neutral : double.NaN);
            var share = new Vector<double>(plan.Share);
            var values = MemoryMarshal.Cast<double, Vector<double>>(measure);
            var confidence = MemoryMarshal.Cast<double, Vector<double>>(Confidence);
            var details = _confidence;
            if (plan.MapKind == PointMappingKind.Bands)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var v = values[i];
                    var measured = Vector.Equals(v, v);
                    if (details)
                    {
                        confidence[i] += Vector.ConditionalSelect(measured, share, Vector<double>.Zero);
                    }

                    target.Add(i, Vector.ConditionalSelect(measured, MapBands(v, xs, ys), missing));
                }
            }
            else
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var v = values[i];
                    var measured = Vector.Equals(v, v);
                    if (details)
                    {
                        confidence[i] += Vector.ConditionalSelect(measured, share, Vector<double>.Zero);
                    }

                    target.Add(i, Vector.ConditionalSelect(measured, MapLinear(v, xs, slopes, ys), missing));
                }
            }
        }

        private readonly void Custom(int leaf, int n)
        {
            var c = _c;
            var factor = c.Factor[leaf];
            var count = c.InputCount[leaf];
            var offset = c.InputOffset[leaf];
            var inputs = _inputs[..count];
            for (var r = 0; r < n; r++)
            {
                for (var k = 0; k < count; k++)
                {
                    inputs[k] = Signals[(c.LeafInputs[offset + k] * BlockRows) + r];
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

                _measure[r] = m;
            }

            _measure[n..].Fill(double.NaN);
        }

        private static void Group(Span<double> sum, Span<double> sumW, Target target)
        {
            var s = MemoryMarshal.Cast<double, Vector<double>>(sum);
            var w = MemoryMarshal.Cast<double, Vector<double>>(sumW);
            var nan = new Vector<double>(double.NaN);
            for (var i = 0; i < s.Length; i++)
            {
                // A group averages its applicable children; with none it is not applicable itself.
                target.Add(i, Vector.ConditionalSelect(Vector.GreaterThan(w[i], Vector<double>.Zero), s[i] / w[i], nan));
            }
        }

        /// <summary>PointMapping.Map for bands, per lane: the points of the last threshold the value reaches.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<double> MapBands(Vector<double> v, ReadOnlySpan<double> xs, ReadOnlySpan<double> ys)
        {
            var points = new Vector<double>(ys[0]);
            for (var k = 0; k < xs.Length; k++)
            {
                points = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, new Vector<double>(xs[k])), new Vector<double>(ys[k + 1]), points);
            }

            return points;
        }

        /// <summary>PointMapping.Map for knots, per lane: the same segment (closed on the left) and the same formula.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<double> MapLinear(Vector<double> v, ReadOnlySpan<double> xs, ReadOnlySpan<double> slopes, ReadOnlySpan<double> ys)
        {
            var last = xs.Length - 1;
            Vector<double> x0 = new(xs[0]), y0 = new(ys[0]), slope = new(slopes[0]);
            for (var k = 1; k < last; k++)
            {
                // The segment starts at the last knot at or below v.
                var reached = Vector.GreaterThanOrEqual(v, new Vector<double>(xs[k]));
                x0 = Vector.ConditionalSelect(reached, new Vector<double>(xs[k]), x0);
                y0 = Vector.ConditionalSelect(reached, new Vector<double>(ys[k]), y0);
                slope = Vector.ConditionalSelect(reached, new Vector<double>(slopes[k]), slope);
            }

            var points = y0 + ((v - x0) * slope);
            points = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, new Vector<double>(xs[last])), new Vector<double>(ys[last]), points);
            return Vector.ConditionalSelect(Vector.LessThanOrEqual(v, new Vector<double>(xs[0])), new Vector<double>(ys[0]), points);
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

    /// <summary>Where a node's values go: added, weighted, into its parent's sums when they are not NaN, or written as the root's value.</summary>
    private readonly ref struct Target
    {
        private readonly Span<Vector<double>> _sum;
        private readonly Span<Vector<double>> _sumW;
        private readonly Vector<double> _weight;
        private readonly bool _isRoot;

        // The root's color thresholds, for Kernel.OnEdges.
        private readonly Vector<double> _red;
        private readonly Vector<double> _green;

        public Target(Span<double> sum, Span<double> sumW, double weight)
        {
            _isRoot = sumW.IsEmpty;
            _sum = MemoryMarshal.Cast<double, Vector<double>>(sum);
            _sumW = MemoryMarshal.Cast<double, Vector<double>>(sumW);
            _weight = new Vector<double>(weight);
        }

        private Target(Span<double> value, ColorBands bands)
            : this(value, default, 0)
        {
            _red = new Vector<double>(bands.RedBelow);
            _green = new Vector<double>(bands.GreenAtOrAbove);
        }

        public static Target Root(Span<double> value, ColorBands bands) => new(value, bands);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int i, Vector<double> value)
        {
            if (_isRoot)
            {
                _sum[i] = OnEdges(WithoutRoundOff(value), _red, _green);
                return;
            }

            // Adding zero leaves a sum as it is, so lanes without a value match the row kernel, which skips them.
            var applicable = Vector.Equals(value, value);
            _sum[i] += Vector.ConditionalSelect(applicable, _weight * value, Vector<double>.Zero);
            _sumW[i] += Vector.ConditionalSelect(applicable, _weight, Vector<double>.Zero);
        }
    }
}
