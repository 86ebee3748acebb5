using System.Runtime.Intrinsics;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A compiled rule: a tree of sealed nodes, each specialised by generic value-type parameters for what it reads
/// and how it compares, so the JIT emits a direct, inlinable path per node and no evaluation allocates.
/// </summary>
internal abstract class RuleNode
{
    /// <summary>Rows evaluated at a time over columns: 16 words of bits, small enough for the stack and the L1 cache.</summary>
    public const int BlockRows = 1024;

    public abstract bool Matches(in SegmentSubject subject, LocalDate today);

    /// <summary>
    /// Sets bit <c>j</c> of <paramref name="mask"/> when the rule holds for row <c>start + j</c>, for <c>j</c> below
    /// <paramref name="count"/> (at most <see cref="BlockRows"/>); the bits past <paramref name="count"/> are zero.
    /// </summary>
    public abstract void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask);

    /// <summary>Resolves the columns the leaves under this node read, once per evaluation.</summary>
    public abstract void Bind(SegmentPortfolio portfolio, LeafColumn[] columns);

    /// <summary>Sets the low <paramref name="count"/> bits of <paramref name="mask"/> and clears the rest.</summary>
    protected static void Fill(int count, Span<ulong> mask)
    {
        for (var w = 0; w < mask.Length; w++)
        {
            var n = count - (w * 64);
            mask[w] = n >= 64 ? ulong.MaxValue : n <= 0 ? 0 : (1UL << n) - 1;
        }
    }
}

/// <summary>What a leaf reads in a columnar evaluation, resolved once per evaluation.</summary>
internal struct LeafColumn
{
    public ReadOnlyMemory<double> Numbers;
    public int[] Codes;
    public bool[] Table;
    public sbyte[] Colors;

    /// <summary>For a comparison of expressions: each operand's column, and room for the intermediate values.</summary>
    public ReadOnlyMemory<double>[] Inputs;
    public double[] Scratch;
}

/// <summary>A node that reads one operand; <see cref="Slot"/> is its place in the evaluation's <see cref="LeafColumn"/> array.</summary>
internal abstract class LeafNode(IReadOnlyList<RuleOperand> operands, int slot) : RuleNode
{
    protected LeafNode(RuleOperand operand, int slot)
        : this([operand], slot)
    {
    }

    /// <summary>What the leaf reads: one operand, or every operand of a comparison of expressions (none for <c>1 &lt; 2</c>).</summary>
    public IReadOnlyList<RuleOperand> Operands { get; } = operands;

    /// <summary>The one operand of a single-operand leaf.</summary>
    public RuleOperand Operand => Operands[0];

    public int Slot { get; } = slot;

    /// <summary>For text and stage-category leaves: bit for a row whose code is <c>code</c> (≥ 0), or for a missing row.</summary>
    protected static void EvaluateCodes(in LeafColumn column, bool ifMissing, int start, int count, Span<ulong> mask)
    {
        var codes = column.Codes.AsSpan(start, count);
        var table = column.Table;
        for (var w = 0; w < mask.Length; w++)
        {
            var word = 0UL;
            var end = Math.Min(64, count - (w * 64));
            for (var j = 0; j < end; j++)
            {
                var code = codes[(w * 64) + j];
                var bit = code < 0 ? ifMissing : table[code];
                word |= (bit ? 1UL : 0UL) << j;
            }

            mask[w] = word;
        }
    }

    /// <summary>A table of <paramref name="values"/>' length, with <paramref name="test"/> of each.</summary>
    protected static bool[] Table(string[] values, Func<string, bool> test)
    {
        var table = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            table[i] = test(values[i]);
        }

        return table;
    }
}

internal sealed class ConstantNode(bool value) : RuleNode
{
    public static ConstantNode True { get; } = new(true);

    public static ConstantNode False { get; } = new(false);

    public override bool Matches(in SegmentSubject subject, LocalDate today) => value;

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        if (value)
        {
            Fill(count, mask);
        }
        else
        {
            mask.Clear();
        }
    }

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
    }
}

internal sealed class AndNode(RuleNode left, RuleNode right) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => left.Matches(subject, today) && right.Matches(subject, today);

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        left.Evaluate(columns, start, count, mask);
        if (mask.IndexOfAnyExcept(0UL) < 0)
        {
            return;
        }

        Span<ulong> other = stackalloc ulong[mask.Length];
        right.Evaluate(columns, start, count, other);
        for (var w = 0; w < mask.Length; w++)
        {
            mask[w] &= other[w];
        }
    }

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        left.Bind(portfolio, columns);
        right.Bind(portfolio, columns);
    }
}

internal sealed class OrNode(RuleNode left, RuleNode right) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => left.Matches(subject, today) || right.Matches(subject, today);

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        left.Evaluate(columns, start, count, mask);
        Span<ulong> other = stackalloc ulong[mask.Length];
        right.Evaluate(columns, start, count, other);
        for (var w = 0; w < mask.Length; w++)
        {
            mask[w] |= other[w];
        }
    }

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        left.Bind(portfolio, columns);
        right.Bind(portfolio, columns);
    }
}

internal sealed class NotNode(RuleNode operand) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => !operand.Matches(subject, today);

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        operand.Evaluate(columns, start, count, mask);
        Span<ulong> all = stackalloc ulong[mask.Length];
        Fill(count, all);
        for (var w = 0; w < mask.Length; w++)
        {
            mask[w] = ~mask[w] & all[w];
        }
    }

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns) => operand.Bind(portfolio, columns);
}

/// <summary>A reference to another segment, resolved after every segment is compiled (references may point forward).</summary>
internal sealed class ReferenceNode : RuleNode
{
    public RuleNode? Target { get; set; }

    public override bool Matches(in SegmentSubject subject, LocalDate today) => Target!.Matches(subject, today);

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask) => Target!.Evaluate(columns, start, count, mask);

    /// <summary>Nothing: the target is a segment of the catalog, bound as such.</summary>
    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
    }
}

/// <summary>A leaf over a number column: a cell is missing when NaN (an infinity is a value, as the object path reads it).</summary>
internal abstract class NumberLeafNode(RuleOperand operand, int slot) : LeafNode(operand, slot)
{
    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns) => columns[Slot].Numbers = portfolio.NumberColumn(Operand);

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        var values = columns[Slot].Numbers.Span.Slice(start, count);
        for (var w = 0; w < mask.Length; w++)
        {
            mask[w] = Word(values.Slice(w * 64, Math.Min(64, count - (w * 64))));
        }
    }

    /// <summary>The bits of up to 64 values.</summary>
    protected abstract ulong Word(ReadOnlySpan<double> values);
}

internal sealed class NumberNode<TReader, TComparison>(TReader reader, double threshold, RuleOperand operand, int slot) : NumberLeafNode(operand, slot)
    where TReader : struct, INumberReader
    where TComparison : struct, IComparison
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        _reader.TryRead(subject, today, out var value) && TComparison.Holds(value, threshold);

    protected override ulong Word(ReadOnlySpan<double> values)
    {
        var word = 0UL;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            for (; j + 4 <= values.Length; j += 4)
            {
                var v = Vector256.Create(values.Slice(j, 4));
                var holds = Vector256.Equals(v, v) & TComparison.Holds(v, t);
                word |= (ulong)holds.ExtractMostSignificantBits() << j;
            }
        }

        for (; j < values.Length; j++)
        {
            var value = values[j];
            word |= (!double.IsNaN(value) && TComparison.Holds(value, threshold) ? 1UL : 0UL) << j;
        }

        return word;
    }
}

internal sealed class NumberInNode<TReader>(TReader reader, double[] values, RuleOperand operand, int slot) : NumberLeafNode(operand, slot)
    where TReader : struct, INumberReader
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        _reader.TryRead(subject, today, out var value) && Array.IndexOf(values, value) >= 0;

    protected override ulong Word(ReadOnlySpan<double> cells)
    {
        var word = 0UL;
        for (var j = 0; j < cells.Length; j++)
        {
            var value = cells[j];
            word |= (!double.IsNaN(value) && Array.IndexOf(values, value) >= 0 ? 1UL : 0UL) << j;
        }

        return word;
    }
}

internal sealed class NumberMissingNode<TReader>(TReader reader, bool missing, RuleOperand operand, int slot) : NumberLeafNode(operand, slot)
    where TReader : struct, INumberReader
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) => _reader.TryRead(subject, today, out _) != missing;

    protected override ulong Word(ReadOnlySpan<double> values)
    {
        var word = 0UL;
        for (var j = 0; j < values.Length; j++)
        {
            word |= (double.IsNaN(values[j]) == missing ? 1UL : 0UL) << j;
        }

        return word;
    }
}

/// <summary>Text equality, <c>!=</c> and <c>in</c>: present and (not) one of the values, ignoring case.</summary>
internal sealed class TextNode<TReader>(TReader reader, string[] values, bool negate, RuleOperand operand, int slot) : LeafNode(operand, slot)
    where TReader : struct, ITextReader
{
    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        var column = portfolio.Text(Operand.Kind);
        columns[Slot].Codes = column.Codes;
        columns[Slot].Table = Table(column.Values, text => values.Contains(text, StringComparer.OrdinalIgnoreCase) != negate);
    }

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask) =>
        EvaluateCodes(columns[Slot], ifMissing: false, start, count, mask);

    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today)
    {
        if (_reader.Read(subject) is not { } text)
        {
            return false;
        }

        foreach (var value in values)
        {
            if (string.Equals(text, value, StringComparison.OrdinalIgnoreCase))
            {
                return !negate;
            }
        }

        return negate;
    }
}

internal sealed class TextMissingNode<TReader>(TReader reader, bool missing, RuleOperand operand, int slot) : LeafNode(operand, slot)
    where TReader : struct, ITextReader
{
    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        var column = portfolio.Text(Operand.Kind);
        columns[Slot].Codes = column.Codes;
        columns[Slot].Table = Table(column.Values, _ => !missing);
    }

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask) =>
        EvaluateCodes(columns[Slot], ifMissing: missing, start, count, mask);

    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) => (_reader.Read(subject) is null) == missing;
}

/// <summary>Health color tests: a bit per color; a missing color never matches.</summary>
internal sealed class ColorNode(int colors, int slot) : ColorLeafNode(slot)
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        subject.Health is { Color: { } color } && (colors & (1 << (int)color)) != 0;

    /// <summary>Bit <c>c + 1</c> for color <c>c</c>; bit 0, for a missing color, never set.</summary>
    protected override int Holds => colors << 1;
}

internal sealed class ColorMissingNode(bool missing, int slot) : ColorLeafNode(slot)
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => (subject.Health?.Color is null) == missing;

    protected override int Holds => missing ? 1 : 0b1110;
}

/// <summary>A leaf over the color column (−1 for none).</summary>
internal abstract class ColorLeafNode(int slot) : LeafNode(RuleOperand.HealthColor, slot)
{
    /// <summary>Which of "no color", Red, Yellow, Green (bits 0–3) match.</summary>
    protected abstract int Holds { get; }

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns) => columns[Slot].Colors = portfolio.Colors!;

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        var colors = columns[Slot].Colors.AsSpan(start, count);
        var holds = Holds;
        for (var w = 0; w < mask.Length; w++)
        {
            var word = 0UL;
            var end = Math.Min(64, count - (w * 64));
            for (var j = 0; j < end; j++)
            {
                word |= (ulong)((holds >> (colors[(w * 64) + j] + 1)) & 1) << j;
            }

            mask[w] = word;
        }
    }
}

/// <summary>Stage category tests, through the stage model; a stage the model does not know has no category.</summary>
internal sealed class CategoryNode(IReadOnlyDictionary<StageId, StageCategory> categories, int mask, int slot) : LeafNode(RuleOperand.StageCategory, slot)
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        categories.TryGetValue(subject.Account.Stage, out var category) && (mask & (1 << (int)category)) != 0;

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        var column = portfolio.Text(RuleOperandKind.Stage);
        columns[Slot].Codes = column.Codes;
        columns[Slot].Table = Table(column.Values, stage => categories.TryGetValue(new StageId(stage), out var category) && (mask & (1 << (int)category)) != 0);
    }

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask) =>
        EvaluateCodes(columns[Slot], ifMissing: false, start, count, mask);
}

internal sealed class CategoryMissingNode(IReadOnlyDictionary<StageId, StageCategory> categories, bool missing, int slot) : LeafNode(RuleOperand.StageCategory, slot)
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => !categories.ContainsKey(subject.Account.Stage) == missing;

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        var column = portfolio.Text(RuleOperandKind.Stage);
        columns[Slot].Codes = column.Codes;
        columns[Slot].Table = Table(column.Values, stage => !categories.ContainsKey(new StageId(stage)) == missing);
    }

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask) =>
        EvaluateCodes(columns[Slot], ifMissing: missing, start, count, mask);
}

/// <summary>
/// A comparison of two expressions. The object path evaluates each side to a value or missing; the column path
/// evaluates each side for a block of rows into scratch (missing as NaN) and compares four rows at a time.
/// </summary>
internal sealed class ExpressionNode<TComparison>(ValueNode left, ValueNode right, IReadOnlyList<RuleOperand> operands, int slot) : LeafNode(operands, slot)
    where TComparison : struct, IComparison
{
    // The left side's result sits in region 0 (or in a column); the right side works from region 1 on.
    private readonly int _registers = Math.Max(left.Registers, right.Registers + 1);

    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        left.TryEvaluate(subject, today, out var l) && right.TryEvaluate(subject, today, out var r) && TComparison.Holds(l, r);

    public override void Bind(SegmentPortfolio portfolio, LeafColumn[] columns)
    {
        var inputs = new ReadOnlyMemory<double>[Operands.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = portfolio.NumberColumn(Operands[i]);
        }

        columns[Slot].Inputs = inputs;
        columns[Slot].Scratch = new double[_registers * BlockRows];
    }

    public override void Evaluate(LeafColumn[] columns, int start, int count, Span<ulong> mask)
    {
        ref readonly var column = ref columns[Slot];
        var scratch = column.Scratch.AsSpan();
        var l = left.Evaluate(column, start, count, scratch);
        var r = right.Evaluate(column, start, count, scratch[BlockRows..]);
        for (var w = 0; w < mask.Length; w++)
        {
            var offset = w * 64;
            var n = Math.Min(64, count - offset);
            mask[w] = Word(l.Slice(offset, n), r.Slice(offset, n));
        }
    }

    private static ulong Word(ReadOnlySpan<double> left, ReadOnlySpan<double> right)
    {
        var word = 0UL;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 4 <= left.Length; j += 4)
            {
                var l = Vector256.Create(left.Slice(j, 4));
                var r = Vector256.Create(right.Slice(j, 4));
                var holds = Vector256.Equals(l, l) & Vector256.Equals(r, r) & TComparison.Holds(l, r);
                word |= (ulong)holds.ExtractMostSignificantBits() << j;
            }
        }

        for (; j < left.Length; j++)
        {
            var (l, r) = (left[j], right[j]);
            word |= (!double.IsNaN(l) && !double.IsNaN(r) && TComparison.Holds(l, r) ? 1UL : 0UL) << j;
        }

        return word;
    }
}

/// <summary>A numeric expression, compiled: a value or missing per subject, or a block of values (NaN for missing).</summary>
internal abstract class ValueNode
{
    /// <summary>The scratch regions of <see cref="RuleNode.BlockRows"/> values the column path needs.</summary>
    public abstract int Registers { get; }

    public abstract bool TryEvaluate(in SegmentSubject subject, LocalDate today, out double value);

    /// <summary>The values of rows <c>start</c> to <c>start + count</c>: a column's own cells, or written into the first region of <paramref name="scratch"/>.</summary>
    public abstract ReadOnlySpan<double> Evaluate(in LeafColumn column, int start, int count, Span<double> scratch);
}

internal sealed class OperandValueNode<TReader>(TReader reader, int input) : ValueNode
    where TReader : struct, INumberReader
{
    private readonly TReader _reader = reader;

    public override int Registers => 0;

    public override bool TryEvaluate(in SegmentSubject subject, LocalDate today, out double value) => _reader.TryRead(subject, today, out value);

    public override ReadOnlySpan<double> Evaluate(in LeafColumn column, int start, int count, Span<double> scratch) =>
        column.Inputs[input].Span.Slice(start, count);
}

internal sealed class ConstantValueNode(double value) : ValueNode
{
    public override int Registers => 1;

    public override bool TryEvaluate(in SegmentSubject subject, LocalDate today, out double result)
    {
        result = value;
        return true;
    }

    public override ReadOnlySpan<double> Evaluate(in LeafColumn column, int start, int count, Span<double> scratch)
    {
        var values = scratch[..count];
        values.Fill(value);
        return values;
    }
}

/// <summary>Arithmetic: missing when either side is, when dividing by zero, and when the result is NaN.</summary>
internal sealed class ArithmeticValueNode<TArithmetic>(ValueNode left, ValueNode right) : ValueNode
    where TArithmetic : struct, IArithmetic
{
    public override int Registers { get; } = Math.Max(Math.Max(left.Registers, right.Registers + 1), 1);

    public override bool TryEvaluate(in SegmentSubject subject, LocalDate today, out double value)
    {
        if (left.TryEvaluate(subject, today, out var l) && right.TryEvaluate(subject, today, out var r))
        {
            value = TArithmetic.Apply(l, r);
            return !double.IsNaN(value);
        }

        value = 0;
        return false;
    }

    public override ReadOnlySpan<double> Evaluate(in LeafColumn column, int start, int count, Span<double> scratch)
    {
        // The left side may be in region 0 itself: each cell is read before it is written.
        var l = left.Evaluate(column, start, count, scratch);
        var r = right.Evaluate(column, start, count, scratch[RuleNode.BlockRows..]);
        var result = scratch[..count];
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 4 <= count; j += 4)
            {
                TArithmetic.Apply(Vector256.Create(l.Slice(j, 4)), Vector256.Create(r.Slice(j, 4))).CopyTo(result.Slice(j, 4));
            }
        }

        for (; j < count; j++)
        {
            result[j] = TArithmetic.Apply(l[j], r[j]);
        }

        return result;
    }
}

internal interface IArithmetic
{
    static abstract double Apply(double left, double right);

    static abstract Vector256<double> Apply(Vector256<double> left, Vector256<double> right);
}

internal readonly struct AddArithmetic : IArithmetic
{
    public static double Apply(double left, double right) => left + right;

    public static Vector256<double> Apply(Vector256<double> left, Vector256<double> right) => left + right;
}

internal readonly struct SubtractArithmetic : IArithmetic
{
    public static double Apply(double left, double right) => left - right;

    public static Vector256<double> Apply(Vector256<double> left, Vector256<double> right) => left - right;
}

internal readonly struct MultiplyArithmetic : IArithmetic
{
    public static double Apply(double left, double right) => left * right;

    public static Vector256<double> Apply(Vector256<double> left, Vector256<double> right) => left * right;
}

/// <summary>Division by zero is missing (NaN), not an infinity.</summary>
internal readonly struct DivideArithmetic : IArithmetic
{
    public static double Apply(double left, double right) => right == 0 ? double.NaN : left / right;

    public static Vector256<double> Apply(Vector256<double> left, Vector256<double> right) =>
        Vector256.ConditionalSelect(Vector256.Equals(right, Vector256<double>.Zero), Vector256.Create(double.NaN), left / right);
}

internal interface IComparison
{
    static abstract bool Holds(double value, double threshold);

    /// <summary>All bits set in each lane where it holds (the NaN check is the caller's).</summary>
    static abstract Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold);
}

internal readonly struct EqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value == threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => Vector256.Equals(value, threshold);
}

internal readonly struct NotEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value != threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => ~Vector256.Equals(value, threshold);
}

internal readonly struct LessComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value < threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => Vector256.LessThan(value, threshold);
}

internal readonly struct LessOrEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value <= threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => Vector256.LessThanOrEqual(value, threshold);
}

internal readonly struct GreaterComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value > threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => Vector256.GreaterThan(value, threshold);
}

internal readonly struct GreaterOrEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value >= threshold;

    public static Vector256<double> Holds(Vector256<double> value, Vector256<double> threshold) => Vector256.GreaterThanOrEqual(value, threshold);
}

internal interface INumberReader
{
    bool TryRead(in SegmentSubject subject, LocalDate today, out double value);
}

internal interface ITextReader
{
    string? Read(in SegmentSubject subject);
}

internal readonly struct TenureDaysReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => Some(subject.Account.TenureDays(today), out value);

    internal static bool Some(double? read, out double value)
    {
        value = read.GetValueOrDefault();
        return read.HasValue;
    }
}

internal readonly struct TenureMonthsReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => TenureDaysReader.Some(subject.Account.TenureMonths(today), out value);
}

internal readonly struct DaysToRenewalReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) =>
        TenureDaysReader.Some(subject.Account.Contract?.DaysUntilRenewal(today), out value);
}

internal readonly struct ArrReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) =>
        TenureDaysReader.Some((double?)subject.Account.Contract?.AnnualRecurringRevenue.Amount, out value);
}

internal readonly struct LicensedSeatsReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => TenureDaysReader.Some(subject.Account.LicensedSeats, out value);
}

internal readonly struct SeatUtilizationReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => TenureDaysReader.Some(subject.Account.SeatUtilization, out value);
}

internal readonly struct HealthScoreReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => TenureDaysReader.Some(subject.Health?.Value, out value);
}

internal readonly struct HealthConfidenceReader : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => TenureDaysReader.Some(subject.Health?.Confidence, out value);
}

internal readonly struct HealthChangeReader(int days) : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value)
    {
        if (subject.Health?.Value is { } current && subject.History is { } history && history.TryGetScoreOn(today.PlusDays(-days), out var past))
        {
            value = current - past;
            return true;
        }

        value = 0;
        return false;
    }
}

internal readonly struct SignalReader(SignalKey key) : INumberReader
{
    public bool TryRead(in SegmentSubject subject, LocalDate today, out double value) => subject.Account.Signals.TryGetValue(key, out value);
}

internal readonly struct StageReader : ITextReader
{
    public string? Read(in SegmentSubject subject) => subject.Account.Stage.IsEmpty ? null : subject.Account.Stage.Value;
}

internal readonly struct TierReader : ITextReader
{
    public string? Read(in SegmentSubject subject) => subject.Account.Tier;
}

internal readonly struct OwnerReader : ITextReader
{
    public string? Read(in SegmentSubject subject) => subject.Account.Owner;
}

internal readonly struct PlanReader : ITextReader
{
    public string? Read(in SegmentSubject subject) => subject.Account.Contract?.Plan;
}

internal readonly struct CurrencyReader : ITextReader
{
    public string? Read(in SegmentSubject subject) => subject.Account.Contract?.AnnualRecurringRevenue.Currency.Code;
}

/// <summary>An operand's value for one subject, read with the same readers the compiled rules use.</summary>
internal static class RuleReaders
{
    public static bool TryReadNumber(RuleOperand operand, in SegmentSubject subject, LocalDate today, out double value) => operand.Kind switch
    {
        RuleOperandKind.TenureDays => new TenureDaysReader().TryRead(subject, today, out value),
        RuleOperandKind.TenureMonths => new TenureMonthsReader().TryRead(subject, today, out value),
        RuleOperandKind.DaysToRenewal => new DaysToRenewalReader().TryRead(subject, today, out value),
        RuleOperandKind.DaysSinceLastLogin => new SignalReader(WellKnownSignals.DaysSinceLastLogin).TryRead(subject, today, out value),
        RuleOperandKind.Arr => new ArrReader().TryRead(subject, today, out value),
        RuleOperandKind.LicensedSeats => new LicensedSeatsReader().TryRead(subject, today, out value),
        RuleOperandKind.SeatUtilization => new SeatUtilizationReader().TryRead(subject, today, out value),
        RuleOperandKind.HealthScore => new HealthScoreReader().TryRead(subject, today, out value),
        RuleOperandKind.HealthConfidence => new HealthConfidenceReader().TryRead(subject, today, out value),
        RuleOperandKind.HealthChange => new HealthChangeReader(operand.Days).TryRead(subject, today, out value),
        RuleOperandKind.Signal => new SignalReader(operand.Signal).TryRead(subject, today, out value),
        _ => throw new ArgumentException($"{operand.Path} is not a number.", nameof(operand)),
    };

    public static string? ReadText(RuleOperand operand, in SegmentSubject subject) => operand.Kind switch
    {
        RuleOperandKind.Stage => new StageReader().Read(subject),
        RuleOperandKind.Tier => new TierReader().Read(subject),
        RuleOperandKind.Owner => new OwnerReader().Read(subject),
        RuleOperandKind.Plan => new PlanReader().Read(subject),
        RuleOperandKind.Currency => new CurrencyReader().Read(subject),
        _ => throw new ArgumentException($"{operand.Path} is not text.", nameof(operand)),
    };
}
