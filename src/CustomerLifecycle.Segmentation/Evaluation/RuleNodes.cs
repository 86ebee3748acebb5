using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A compiled rule: a tree of sealed nodes, each specialised by generic value-type parameters for what it reads
/// and how it compares, so the JIT emits a direct, inlinable path per node and no evaluation allocates.
/// </summary>
internal abstract class RuleNode
{
    public abstract bool Matches(in SegmentSubject subject, LocalDate today);
}

internal sealed class ConstantNode(bool value) : RuleNode
{
    public static ConstantNode True { get; } = new(true);

    public static ConstantNode False { get; } = new(false);

    public override bool Matches(in SegmentSubject subject, LocalDate today) => value;
}

internal sealed class AndNode(RuleNode left, RuleNode right) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => left.Matches(subject, today) && right.Matches(subject, today);
}

internal sealed class OrNode(RuleNode left, RuleNode right) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => left.Matches(subject, today) || right.Matches(subject, today);
}

internal sealed class NotNode(RuleNode operand) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => !operand.Matches(subject, today);
}

/// <summary>A reference to another segment, resolved after every segment is compiled (references may point forward).</summary>
internal sealed class ReferenceNode : RuleNode
{
    public RuleNode? Target { get; set; }

    public override bool Matches(in SegmentSubject subject, LocalDate today) => Target!.Matches(subject, today);
}

internal sealed class NumberNode<TReader, TComparison>(TReader reader, double threshold) : RuleNode
    where TReader : struct, INumberReader
    where TComparison : struct, IComparison
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        _reader.TryRead(subject, today, out var value) && TComparison.Holds(value, threshold);
}

internal sealed class NumberInNode<TReader>(TReader reader, double[] values) : RuleNode
    where TReader : struct, INumberReader
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        _reader.TryRead(subject, today, out var value) && Array.IndexOf(values, value) >= 0;
}

internal sealed class NumberMissingNode<TReader>(TReader reader, bool missing) : RuleNode
    where TReader : struct, INumberReader
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) => _reader.TryRead(subject, today, out _) != missing;
}

/// <summary>Text equality, <c>!=</c> and <c>in</c>: present and (not) one of the values, ignoring case.</summary>
internal sealed class TextNode<TReader>(TReader reader, string[] values, bool negate) : RuleNode
    where TReader : struct, ITextReader
{
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

internal sealed class TextMissingNode<TReader>(TReader reader, bool missing) : RuleNode
    where TReader : struct, ITextReader
{
    private readonly TReader _reader = reader;

    public override bool Matches(in SegmentSubject subject, LocalDate today) => (_reader.Read(subject) is null) == missing;
}

/// <summary>Health color tests: a bit per color; a missing color never matches.</summary>
internal sealed class ColorNode(int mask) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        subject.Health is { Color: { } color } && (mask & (1 << (int)color)) != 0;
}

internal sealed class ColorMissingNode(bool missing) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => (subject.Health?.Color is null) == missing;
}

/// <summary>Stage category tests, through the stage model; a stage the model does not know has no category.</summary>
internal sealed class CategoryNode(IReadOnlyDictionary<StageId, StageCategory> categories, int mask) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) =>
        categories.TryGetValue(subject.Account.Stage, out var category) && (mask & (1 << (int)category)) != 0;
}

internal sealed class CategoryMissingNode(IReadOnlyDictionary<StageId, StageCategory> categories, bool missing) : RuleNode
{
    public override bool Matches(in SegmentSubject subject, LocalDate today) => !categories.ContainsKey(subject.Account.Stage) == missing;
}

internal interface IComparison
{
    static abstract bool Holds(double value, double threshold);
}

internal readonly struct EqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value == threshold;
}

internal readonly struct NotEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value != threshold;
}

internal readonly struct LessComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value < threshold;
}

internal readonly struct LessOrEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value <= threshold;
}

internal readonly struct GreaterComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value > threshold;
}

internal readonly struct GreaterOrEqualComparison : IComparison
{
    public static bool Holds(double value, double threshold) => value >= threshold;
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
