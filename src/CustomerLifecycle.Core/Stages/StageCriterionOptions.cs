using System.Globalization;

namespace CustomerLifecycle.Stages;

/// <summary>One entry criterion of a configured stage.</summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Kind</term><description>other keys</description></listheader>
/// <item><term><c>Signal</c></term><description><c>Signal</c> (a signal name), <c>Operator</c> (<c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>), <c>Value</c></description></item>
/// <item><term><c>Tenure</c></term><description><c>Value</c>: minimum days as a customer</description></item>
/// <item><term><c>SeatUtilization</c></term><description><c>Value</c>: minimum share of licensed seats in use (0.8 = 80 %)</description></item>
/// <item><term><c>ContractStarted</c></term><description>none</description></item>
/// </list>
/// </remarks>
public sealed class StageCriterionOptions
{
    /// <summary>The kind of criterion: <c>Signal</c>, <c>Tenure</c>, <c>SeatUtilization</c> or <c>ContractStarted</c>.</summary>
    /// <value>The default value is null; required.</value>
    public string? Kind { get; set; }

    /// <summary>For <c>Signal</c>: the signal's name, for example <c>nps</c>.</summary>
    /// <value>The default value is null.</value>
    public string? Signal { get; set; }

    /// <summary>For <c>Signal</c>: the comparison.</summary>
    /// <value>The default value is null: <c>&gt;=</c>.</value>
    public string? Operator { get; set; }

    /// <summary>The threshold: the signal value, the minimum days, or the minimum share.</summary>
    /// <value>The default value is null; required except for <c>ContractStarted</c>.</value>
    public double? Value { get; set; }

    internal IStageEntryCriterion? TryCreate(string key, List<LifecycleModelError> errors)
    {
        switch (Kind?.Trim().ToUpperInvariant())
        {
            case "CONTRACTSTARTED":
                return ContractStartedCriterion.Instance;
            case "TENURE":
                if (Value is not { } days || !double.IsFinite(days) || days < 0 || days != Math.Floor(days) || days > int.MaxValue)
                {
                    errors.Add(new($"{key}:Value", $"A Tenure criterion needs Value as a whole number of days, zero or more (was '{Format(Value)}')."));
                    return null;
                }

                return new TenureCriterion((int)days);
            case "SEATUTILIZATION":
                if (Value is not { } share || !double.IsFinite(share) || share < 0)
                {
                    errors.Add(new($"{key}:Value", $"A SeatUtilization criterion needs Value as a share of zero or more, such as 0.8 (was '{Format(Value)}')."));
                    return null;
                }

                return new SeatUtilizationCriterion(share);
            case "SIGNAL":
                var ok = true;
                if (!SignalKey.IsValidName(Signal))
                {
                    errors.Add(new($"{key}:Signal", $"Signal name '{Signal}' is invalid: use lower-case ASCII letters, digits, '_' or '.', starting with a letter."));
                    ok = false;
                }

                var comparison = ComparisonOperator.GreaterThanOrEqual;
                if (Operator is not null && !SignalCriterion.TryParseOperator(Operator, out comparison))
                {
                    errors.Add(new($"{key}:Operator", $"Operator '{Operator}' is unknown; use ==, !=, <, <=, > or >=."));
                    ok = false;
                }

                if (Value is not { } threshold || !double.IsFinite(threshold))
                {
                    errors.Add(new($"{key}:Value", $"A Signal criterion needs a finite Value (was '{Format(Value)}')."));
                    ok = false;
                }

                return ok ? new SignalCriterion(new SignalKey(Signal!), comparison, Value!.Value) : null;
            default:
                errors.Add(new($"{key}:Kind", $"Criterion kind '{Kind}' is unknown; use Signal, Tenure, SeatUtilization or ContractStarted."));
                return null;
        }
    }

    private static string Format(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "missing";
}
