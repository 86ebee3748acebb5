using System.Globalization;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A value a segment rule reads from the account, its health or its stage: the left-hand side of a comparison.
/// The set of operands is fixed (no reflection over arbitrary types); host-defined data comes in as signals.
/// </summary>
/// <remarks>
/// A rule that reads a missing value (no contract, no health score, a signal the account does not have) does not
/// match, whatever the comparison; <c>is missing</c> tests for it. See <c>docs/rule-language.md</c>.
/// </remarks>
public sealed record RuleOperand
{
    /// <summary>The most days <see cref="HealthChange"/> looks back: ten years.</summary>
    public const int MaxChangeDays = 3650;

    private RuleOperand(RuleOperandKind kind, SignalKey signal = default, int days = 0)
    {
        Kind = kind;
        Signal = signal;
        Days = days;
    }

    /// <summary>Which value the operand reads.</summary>
    public RuleOperandKind Kind { get; }

    /// <summary>The signal read, for <see cref="RuleOperandKind.Signal"/>; default otherwise.</summary>
    public SignalKey Signal { get; }

    /// <summary>The look-back in days, for <see cref="RuleOperandKind.HealthChange"/>; 0 otherwise.</summary>
    public int Days { get; }

    /// <summary>The type of value the operand reads, which decides the comparisons it allows.</summary>
    public RuleValueType ValueType => Kind switch
    {
        RuleOperandKind.Stage or RuleOperandKind.Tier or RuleOperandKind.Owner or RuleOperandKind.Plan or RuleOperandKind.Currency => RuleValueType.Text,
        RuleOperandKind.StageCategory => RuleValueType.StageCategory,
        RuleOperandKind.HealthColor => RuleValueType.HealthColor,
        _ => RuleValueType.Number,
    };

    /// <summary>The account's lifecycle stage (<c>stage</c>, text, case-insensitive).</summary>
    public static RuleOperand Stage { get; } = new(RuleOperandKind.Stage);

    /// <summary>The category of the account's stage in the stage model (<c>stage.category</c>: PreCustomer, Customer or Terminal).</summary>
    public static RuleOperand StageCategory { get; } = new(RuleOperandKind.StageCategory);

    /// <summary>The account's tier label (<c>tier</c>, text).</summary>
    public static RuleOperand Tier { get; } = new(RuleOperandKind.Tier);

    /// <summary>The account's owner (<c>owner</c>, text).</summary>
    public static RuleOperand Owner { get; } = new(RuleOperandKind.Owner);

    /// <summary>The contract's plan (<c>contract.plan</c>, text).</summary>
    public static RuleOperand Plan { get; } = new(RuleOperandKind.Plan);

    /// <summary>The ISO code of the contract's currency (<c>contract.currency</c>, text).</summary>
    public static RuleOperand Currency { get; } = new(RuleOperandKind.Currency);

    /// <summary>Whole days since the account became a customer (<c>tenure.days</c>).</summary>
    public static RuleOperand TenureDays { get; } = new(RuleOperandKind.TenureDays);

    /// <summary>Whole calendar months since the account became a customer (<c>tenure.months</c>).</summary>
    public static RuleOperand TenureMonths { get; } = new(RuleOperandKind.TenureMonths);

    /// <summary>Days until the contract's renewal date, negative once it has passed (<c>renewal.days</c>).</summary>
    public static RuleOperand DaysToRenewal { get; } = new(RuleOperandKind.DaysToRenewal);

    /// <summary>Days since the last login: the <c>days_since_last_login</c> signal (<c>last_login.days</c>).</summary>
    public static RuleOperand DaysSinceLastLogin { get; } = new(RuleOperandKind.DaysSinceLastLogin);

    /// <summary>The contract's annual recurring revenue, in its own currency (<c>contract.arr</c>).</summary>
    public static RuleOperand Arr { get; } = new(RuleOperandKind.Arr);

    /// <summary>Licensed seats, per <see cref="Account.LicensedSeats"/> (<c>seats.licensed</c>).</summary>
    public static RuleOperand LicensedSeats { get; } = new(RuleOperandKind.LicensedSeats);

    /// <summary>Active seats over licensed seats, per <see cref="Account.SeatUtilization"/> (<c>seats.utilization</c>, 0.8 = 80 %).</summary>
    public static RuleOperand SeatUtilization { get; } = new(RuleOperandKind.SeatUtilization);

    /// <summary>The health score, 0–100 (<c>health.score</c>).</summary>
    public static RuleOperand HealthScore { get; } = new(RuleOperandKind.HealthScore);

    /// <summary>The health color (<c>health.color</c>: Red, Yellow or Green).</summary>
    public static RuleOperand HealthColor { get; } = new(RuleOperandKind.HealthColor);

    /// <summary>The health score's confidence, 0–1 (<c>health.confidence</c>).</summary>
    public static RuleOperand HealthConfidence { get; } = new(RuleOperandKind.HealthConfidence);

    /// <summary>
    /// The change of the health score over the last <paramref name="days"/> days (<c>health.change(30)</c>): the
    /// current score minus the latest recorded score on or before that many days ago. "Health fell by 15 points in
    /// 30 days" is <c>health.change(30) &lt;= -15</c>.
    /// </summary>
    /// <param name="days">The look-back, 1 to <see cref="MaxChangeDays"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="days"/> is outside 1–<see cref="MaxChangeDays"/>.</exception>
    public static RuleOperand HealthChange(int days) =>
        days is >= 1 and <= MaxChangeDays
            ? new(RuleOperandKind.HealthChange, days: days)
            : throw new ArgumentOutOfRangeException(nameof(days), days, $"health.change(days) looks back 1 to {MaxChangeDays} days; {days} is outside that.");

    /// <summary>Any signal, built-in or host-defined (<c>signals.name</c>).</summary>
    /// <param name="signal">The signal.</param>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is default.</exception>
    public static RuleOperand ForSignal(SignalKey signal) =>
        signal.IsEmpty ? throw new ArgumentException("The signal must be named; default(SignalKey) names none.", nameof(signal)) : new(RuleOperandKind.Signal, signal);

    /// <summary>The operand as written in the rule language, for example <c>tenure.days</c> or <c>signals.nps</c>.</summary>
    public string Path => Kind switch
    {
        RuleOperandKind.Signal => "signals." + Signal.Name,
        RuleOperandKind.HealthChange => string.Create(CultureInfo.InvariantCulture, $"health.change({Days})"),
        _ => FixedPath(Kind),
    };

    /// <summary>Returns <see cref="Path"/>.</summary>
    /// <returns>The operand's text form.</returns>
    public override string ToString() => Path;

    /// <summary>A rule that holds when the value is below <paramref name="value"/>.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="value">The threshold.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <(RuleOperand operand, double value) => new ComparisonRule(operand, ComparisonOperator.LessThan, value);

    /// <summary>A rule that holds when the value is at most <paramref name="value"/>.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="value">The threshold.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <=(RuleOperand operand, double value) => new ComparisonRule(operand, ComparisonOperator.LessThanOrEqual, value);

    /// <summary>A rule that holds when the value is above <paramref name="value"/>.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="value">The threshold.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >(RuleOperand operand, double value) => new ComparisonRule(operand, ComparisonOperator.GreaterThan, value);

    /// <summary>A rule that holds when the value is at least <paramref name="value"/>.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="value">The threshold.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >=(RuleOperand operand, double value) => new ComparisonRule(operand, ComparisonOperator.GreaterThanOrEqual, value);

    /// <summary>The sum of the operand's value and an expression.</summary>
    /// <param name="left">A numeric operand.</param>
    /// <param name="right">The expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator +(RuleOperand left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Add, right);

    /// <summary>The sum of a number and the operand's value.</summary>
    /// <param name="left">The number.</param>
    /// <param name="right">A numeric operand.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator +(double left, RuleOperand right) => new ArithmeticExpression(left, ArithmeticOperator.Add, right);

    /// <summary>The difference of the operand's value and an expression.</summary>
    /// <param name="left">A numeric operand.</param>
    /// <param name="right">The expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator -(RuleOperand left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Subtract, right);

    /// <summary>The difference of a number and the operand's value.</summary>
    /// <param name="left">The number.</param>
    /// <param name="right">A numeric operand.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator -(double left, RuleOperand right) => new ArithmeticExpression(left, ArithmeticOperator.Subtract, right);

    /// <summary>The product of the operand's value and an expression.</summary>
    /// <param name="left">A numeric operand.</param>
    /// <param name="right">The expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator *(RuleOperand left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Multiply, right);

    /// <summary>The product of a number and the operand's value.</summary>
    /// <param name="left">The number.</param>
    /// <param name="right">A numeric operand.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator *(double left, RuleOperand right) => new ArithmeticExpression(left, ArithmeticOperator.Multiply, right);

    /// <summary>The quotient (missing where the divisor is zero) of the operand's value and an expression.</summary>
    /// <param name="left">A numeric operand.</param>
    /// <param name="right">The expression.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator /(RuleOperand left, RuleExpression right) => new ArithmeticExpression(left, ArithmeticOperator.Divide, right);

    /// <summary>The quotient (missing where the divisor is zero) of a number and the operand's value.</summary>
    /// <param name="left">The number.</param>
    /// <param name="right">A numeric operand.</param>
    /// <returns>The expression.</returns>
    public static RuleExpression operator /(double left, RuleOperand right) => new ArithmeticExpression(left, ArithmeticOperator.Divide, right);

    /// <summary>A rule that holds when the value and the expression are present and the value is below it.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="expression">The expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <(RuleOperand operand, RuleExpression expression) => SegmentRule.Compare(operand, ComparisonOperator.LessThan, expression);

    /// <summary>A rule that holds when the value and the expression are present and the value is at most it.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="expression">The expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator <=(RuleOperand operand, RuleExpression expression) => SegmentRule.Compare(operand, ComparisonOperator.LessThanOrEqual, expression);

    /// <summary>A rule that holds when the value and the expression are present and the value is above it.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="expression">The expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >(RuleOperand operand, RuleExpression expression) => SegmentRule.Compare(operand, ComparisonOperator.GreaterThan, expression);

    /// <summary>A rule that holds when the value and the expression are present and the value is at least it.</summary>
    /// <param name="operand">A numeric operand.</param>
    /// <param name="expression">The expression.</param>
    /// <returns>The rule.</returns>
    public static SegmentRule operator >=(RuleOperand operand, RuleExpression expression) => SegmentRule.Compare(operand, ComparisonOperator.GreaterThanOrEqual, expression);

    /// <summary>A rule that holds when the value equals <paramref name="value"/> (text compares case-insensitively).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The rule.</returns>
    public SegmentRule EqualTo(RuleValue value) => new ComparisonRule(this, ComparisonOperator.Equal, value);

    /// <summary>A rule that holds when the value is present and differs from <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The rule.</returns>
    public SegmentRule NotEqualTo(RuleValue value) => new ComparisonRule(this, ComparisonOperator.NotEqual, value);

    /// <summary>A rule that holds when the value equals one of <paramref name="values"/>.</summary>
    /// <param name="values">One or more values.</param>
    /// <returns>The rule.</returns>
    public SegmentRule In(params RuleValue[] values) => new InRule(this, values);

    /// <summary>A rule that holds when the value is missing.</summary>
    /// <returns>The rule.</returns>
    public SegmentRule IsMissing() => new MissingRule(this, isMissing: true);

    /// <summary>A rule that holds when the value is present.</summary>
    /// <returns>The rule.</returns>
    public SegmentRule IsPresent() => new MissingRule(this, isMissing: false);

    internal static string FixedPath(RuleOperandKind kind) => kind switch
    {
        RuleOperandKind.Stage => "stage",
        RuleOperandKind.StageCategory => "stage.category",
        RuleOperandKind.Tier => "tier",
        RuleOperandKind.Owner => "owner",
        RuleOperandKind.Plan => "contract.plan",
        RuleOperandKind.Currency => "contract.currency",
        RuleOperandKind.TenureDays => "tenure.days",
        RuleOperandKind.TenureMonths => "tenure.months",
        RuleOperandKind.DaysToRenewal => "renewal.days",
        RuleOperandKind.DaysSinceLastLogin => "last_login.days",
        RuleOperandKind.Arr => "contract.arr",
        RuleOperandKind.LicensedSeats => "seats.licensed",
        RuleOperandKind.SeatUtilization => "seats.utilization",
        RuleOperandKind.HealthScore => "health.score",
        RuleOperandKind.HealthColor => "health.color",
        RuleOperandKind.HealthConfidence => "health.confidence",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "This operand has no fixed path."),
    };

    /// <summary>Every operand without an argument, by its path; the parser's vocabulary.</summary>
    internal static IReadOnlyDictionary<string, RuleOperand> ByPath { get; } = new[]
    {
        Stage, StageCategory, Tier, Owner, Plan, Currency, TenureDays, TenureMonths, DaysToRenewal, DaysSinceLastLogin,
        Arr, LicensedSeats, SeatUtilization, HealthScore, HealthColor, HealthConfidence,
    }.ToDictionary(o => o.Path, StringComparer.Ordinal);
}

/// <summary>What a <see cref="RuleOperand"/> reads.</summary>
public enum RuleOperandKind
{
    /// <summary><c>stage</c>.</summary>
    Stage = 0,

    /// <summary><c>stage.category</c>.</summary>
    StageCategory = 1,

    /// <summary><c>tier</c>.</summary>
    Tier = 2,

    /// <summary><c>owner</c>.</summary>
    Owner = 3,

    /// <summary><c>contract.plan</c>.</summary>
    Plan = 4,

    /// <summary><c>contract.currency</c>.</summary>
    Currency = 5,

    /// <summary><c>tenure.days</c>.</summary>
    TenureDays = 6,

    /// <summary><c>tenure.months</c>.</summary>
    TenureMonths = 7,

    /// <summary><c>renewal.days</c>.</summary>
    DaysToRenewal = 8,

    /// <summary><c>last_login.days</c>.</summary>
    DaysSinceLastLogin = 9,

    /// <summary><c>contract.arr</c>.</summary>
    Arr = 10,

    /// <summary><c>seats.licensed</c>.</summary>
    LicensedSeats = 11,

    /// <summary><c>seats.utilization</c>.</summary>
    SeatUtilization = 12,

    /// <summary><c>health.score</c>.</summary>
    HealthScore = 13,

    /// <summary><c>health.color</c>.</summary>
    HealthColor = 14,

    /// <summary><c>health.confidence</c>.</summary>
    HealthConfidence = 15,

    /// <summary><c>health.change(days)</c>.</summary>
    HealthChange = 16,

    /// <summary><c>signals.name</c>.</summary>
    Signal = 17,
}

/// <summary>The type of value an operand reads.</summary>
public enum RuleValueType
{
    /// <summary>A number: every comparison, <c>in</c>, <c>is missing</c>.</summary>
    Number = 0,

    /// <summary>Text, compared case-insensitively: <c>==</c>, <c>!=</c>, <c>in</c>, <c>is missing</c>.</summary>
    Text = 1,

    /// <summary>A health color (Red, Yellow, Green): <c>==</c>, <c>!=</c>, <c>in</c>, <c>is missing</c>.</summary>
    HealthColor = 2,

    /// <summary>A stage category (PreCustomer, Customer, Terminal): <c>==</c>, <c>!=</c>, <c>in</c>, <c>is missing</c>.</summary>
    StageCategory = 3,
}
