using System.Globalization;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A portfolio in columns, the columnar twin of a <see cref="SegmentSubject"/> array: one row per account, one column
/// per rule operand (<c>tenure.days</c>, <c>stage</c>, <c>health.color</c>…), the signals in a <see cref="SignalMatrix"/>.
/// <see cref="SegmentCatalog.Evaluate(SegmentPortfolio)"/> evaluates every rule a block of rows at a time with no
/// pointer chasing, so the cost per account stays flat from a thousand accounts to millions.
/// </summary>
/// <remarks>
/// <para>
/// Values are as of <see cref="Date"/>: <c>tenure.days</c>, <c>renewal.days</c> and <c>health.change(n)</c> are the
/// values on that day. A number cell is missing when it is NaN (in the signal matrix: never written, or written NaN);
/// an infinity is a value and compares as one. A text cell is missing when it is null or empty; a color when null.
/// A rule that reads a column the portfolio does not have is refused when evaluated, naming the column and
/// the segment: an absent column is not silently "missing for everyone". <see cref="SegmentCatalog.Operands"/> lists
/// the columns a catalog reads.
/// </para>
/// <para>Not thread-safe for writes; evaluations of a filled portfolio may run concurrently.</para>
/// </remarks>
public sealed class SegmentPortfolio
{
    private readonly AccountId[] _accounts;
    private readonly Dictionary<RuleOperand, double[]> _numbers = [];
    private readonly Dictionary<RuleOperandKind, TextColumn> _texts = [];
    private sbyte[]? _colors;

    /// <summary>Creates a portfolio of <paramref name="accounts"/> with no columns yet.</summary>
    /// <param name="date">The date the values hold on; the evaluation's date.</param>
    /// <param name="accounts">The accounts, one per row, in row order (for example <c>UsageSignals.Accounts</c>).</param>
    /// <exception cref="ArgumentException">An account id is default.</exception>
    public SegmentPortfolio(LocalDate date, IReadOnlyList<AccountId> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _accounts = [.. accounts];
        for (var i = 0; i < _accounts.Length; i++)
        {
            if (_accounts[i].IsEmpty)
            {
                throw new ArgumentException($"The account at row {i} is default(AccountId); every row needs an account.", nameof(accounts));
            }
        }

        Date = date;
    }

    /// <summary>The date the values hold on.</summary>
    public LocalDate Date { get; }

    /// <summary>The number of rows (accounts).</summary>
    public int Count => _accounts.Length;

    /// <summary>The accounts, in row order.</summary>
    public IReadOnlyList<AccountId> Accounts => _accounts;

    /// <summary>The signals, one row per account in the same order; null until <see cref="SetSignals"/>.</summary>
    public SignalMatrix? Signals { get; private set; }

    internal Account[]? SourceAccounts { get; private init; }

    internal AccountId[] AccountIds => _accounts;

    internal sbyte[]? Colors => _colors;

    /// <summary>
    /// Gathers the columns a catalog reads from accounts and their health, plus what a summary needs (ARR, currency,
    /// owner, color); the accounts are kept, so <see cref="SegmentEvaluation.Accounts"/> works as for subjects.
    /// Evaluating the result gives the same membership as <see cref="SegmentCatalog.Evaluate(ReadOnlySpan{SegmentSubject}, LocalDate)"/>.
    /// </summary>
    /// <param name="subjects">The accounts and their health.</param>
    /// <param name="date">The current date.</param>
    /// <param name="catalog">The catalog whose operands to gather.</param>
    /// <returns>The portfolio.</returns>
    /// <exception cref="ArgumentException">A subject has no account.</exception>
    public static SegmentPortfolio FromSubjects(ReadOnlySpan<SegmentSubject> subjects, LocalDate date, SegmentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var accounts = new Account[subjects.Length];
        var ids = new AccountId[subjects.Length];
        for (var i = 0; i < subjects.Length; i++)
        {
            accounts[i] = subjects[i].Account ?? throw new ArgumentException($"The subject at index {i} has no account; default(SegmentSubject) cannot be evaluated.", nameof(subjects));
            ids[i] = accounts[i].Id;
        }

        var portfolio = new SegmentPortfolio(date, ids) { SourceAccounts = accounts };
        var signals = new List<SignalKey>();
        RuleOperand[] summary = [RuleOperand.Arr, RuleOperand.Currency, RuleOperand.Owner, RuleOperand.HealthColor];
        foreach (var operand in catalog.Operands.Concat(summary).Distinct())
        {
            switch (operand.Kind)
            {
                case RuleOperandKind.Signal or RuleOperandKind.DaysSinceLastLogin:
                    signals.Add(SignalOf(operand));
                    break;
                case RuleOperandKind.HealthColor:
                    var colors = new sbyte[subjects.Length];
                    for (var i = 0; i < subjects.Length; i++)
                    {
                        colors[i] = subjects[i].Health?.Color is { } color ? (sbyte)color : (sbyte)-1;
                    }

                    portfolio._colors = colors;
                    break;
                case RuleOperandKind.StageCategory:
                    portfolio.GatherText(RuleOperand.Stage, subjects);
                    break;
                default:
                    if (operand.ValueType == RuleValueType.Text)
                    {
                        portfolio.GatherText(operand, subjects);
                    }
                    else
                    {
                        var values = new double[subjects.Length];
                        for (var i = 0; i < subjects.Length; i++)
                        {
                            values[i] = RuleReaders.TryReadNumber(operand, subjects[i], date, out var value) ? value : double.NaN;
                        }

                        portfolio._numbers[operand] = values;
                    }

                    break;
            }
        }

        if (signals.Count > 0)
        {
            var matrix = new SignalMatrix(subjects.Length, signals.Distinct());
            foreach (var key in signals.Distinct())
            {
                for (var i = 0; i < accounts.Length; i++)
                {
                    if (accounts[i].Signals.TryGetValue(key, out var value))
                    {
                        matrix[i, key] = value;
                    }
                }
            }

            portfolio.Signals = matrix;
        }

        return portfolio;
    }

    /// <summary>Sets the signals: one row per account, in the same order.</summary>
    /// <param name="signals">The matrix; it is read, not copied, when evaluating.</param>
    /// <exception cref="ArgumentException">Its row count is not <see cref="Count"/>.</exception>
    public void SetSignals(SignalMatrix signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (signals.RowCount != Count)
        {
            throw new ArgumentException($"The signal matrix has {signals.RowCount} rows; the portfolio has {Count} accounts, one row each.", nameof(signals));
        }

        Signals = signals;
    }

    /// <summary>Sets a number column (copied): NaN where the value is missing.</summary>
    /// <param name="operand">A number operand other than a signal (signals come in <see cref="SetSignals"/>), for example <see cref="RuleOperand.TenureDays"/> or <c>RuleOperand.HealthChange(30)</c>.</param>
    /// <param name="values">One value per account.</param>
    /// <exception cref="ArgumentException">The operand is not such a number, the length is not <see cref="Count"/>, or an ARR is negative or above <see cref="Contract.MaxAnnualRecurringRevenue"/>.</exception>
    public void SetNumbers(RuleOperand operand, ReadOnlySpan<double> values)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (operand.ValueType != RuleValueType.Number || operand.Kind is RuleOperandKind.Signal or RuleOperandKind.DaysSinceLastLogin)
        {
            throw new ArgumentException(
                operand.ValueType == RuleValueType.Number
                    ? $"'{operand.Path}' is a signal; signals come in a SignalMatrix through SetSignals."
                    : $"'{operand.Path}' is not a number; use {(operand.Kind == RuleOperandKind.HealthColor ? "SetColors" : operand.Kind == RuleOperandKind.StageCategory ? "SetTexts(RuleOperand.Stage, …), which gives the category through the catalog's stage model" : "SetTexts")}.",
                nameof(operand));
        }

        CheckLength(operand, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (operand.Kind == RuleOperandKind.Arr && value is < 0 or > (double)Contract.MaxAnnualRecurringRevenue or double.PositiveInfinity)
            {
                throw new ArgumentException($"'{operand.Path}' at row {i} (account '{_accounts[i]}') is {value.ToString(CultureInfo.InvariantCulture)}; ARR is from zero to {Contract.MaxAnnualRecurringRevenue:#,0}.", nameof(values));
            }
        }

        _numbers[operand] = values.ToArray();
    }

    /// <summary>Sets a text column (copied): null or empty where the value is missing. Rules compare text ignoring case.</summary>
    /// <param name="operand">A text operand: stage, tier, owner, contract.plan or contract.currency.</param>
    /// <param name="values">One value per account.</param>
    /// <exception cref="ArgumentException">The operand is not text, the length is not <see cref="Count"/>, or a stage or currency is not valid.</exception>
    public void SetTexts(RuleOperand operand, ReadOnlySpan<string?> values)
    {
        ArgumentNullException.ThrowIfNull(operand);
        if (operand.ValueType != RuleValueType.Text)
        {
            throw new ArgumentException($"'{operand.Path}' is not text; use {(operand.Kind == RuleOperandKind.HealthColor ? "SetColors" : operand.Kind == RuleOperandKind.StageCategory ? "SetTexts(RuleOperand.Stage, …)" : "SetNumbers")}.", nameof(operand));
        }

        CheckLength(operand, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var valid = operand.Kind switch
            {
                RuleOperandKind.Stage => StageId.IsValid(value),
                RuleOperandKind.Currency => IsCurrency(value),
                _ => true,
            };
            if (!valid)
            {
                throw new ArgumentException($"'{operand.Path}' at row {i} (account '{_accounts[i]}') is '{value}', which is not a valid {(operand.Kind == RuleOperandKind.Stage ? "stage id" : "ISO 4217 currency code")}.", nameof(values));
            }
        }

        _texts[operand.Kind] = TextColumn.Encode(values);
    }

    /// <summary>Sets the health colors (copied): null where the account has no color.</summary>
    /// <param name="colors">One color per account.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="Count"/>, or a color is not defined.</exception>
    public void SetColors(ReadOnlySpan<HealthColor?> colors)
    {
        CheckLength(RuleOperand.HealthColor, colors.Length);
        var column = new sbyte[colors.Length];
        for (var i = 0; i < colors.Length; i++)
        {
            if (colors[i] is { } color && !Enum.IsDefined(color))
            {
                throw new ArgumentException($"'health.color' at row {i} (account '{_accounts[i]}') is {(int)color}, which is not Red, Yellow or Green.", nameof(colors));
            }

            column[i] = colors[i] is { } c ? (sbyte)c : (sbyte)-1;
        }

        _colors = column;
    }

    /// <summary>Whether the portfolio has the column an operand reads (a signal: whether <see cref="Signals"/> has it).</summary>
    /// <param name="operand">The operand.</param>
    /// <returns>True when a rule reading it can be evaluated.</returns>
    public bool HasColumn(RuleOperand operand)
    {
        ArgumentNullException.ThrowIfNull(operand);
        return operand.Kind switch
        {
            RuleOperandKind.Signal or RuleOperandKind.DaysSinceLastLogin => Signals?.Columns.Contains(SignalOf(operand)) == true,
            RuleOperandKind.HealthColor => _colors is not null,
            RuleOperandKind.StageCategory => _texts.ContainsKey(RuleOperandKind.Stage),
            _ when operand.ValueType == RuleValueType.Text => _texts.ContainsKey(operand.Kind),
            _ => _numbers.ContainsKey(operand),
        };
    }

    internal static SignalKey SignalOf(RuleOperand operand) =>
        operand.Kind == RuleOperandKind.DaysSinceLastLogin ? WellKnownSignals.DaysSinceLastLogin : operand.Signal;

    internal ReadOnlyMemory<double> NumberColumn(RuleOperand operand)
    {
        if (operand.Kind is RuleOperandKind.Signal or RuleOperandKind.DaysSinceLastLogin)
        {
            Signals!.TryGetColumn(SignalOf(operand), out var values, out _);
            return values;
        }

        return _numbers[operand];
    }

    internal TextColumn Text(RuleOperandKind kind) => _texts[kind];

    internal bool TryGetText(RuleOperandKind kind, out TextColumn column) => _texts.TryGetValue(kind, out column!);

    internal bool TryGetNumbers(RuleOperand operand, out double[] values) => _numbers.TryGetValue(operand, out values!);

    private static bool IsCurrency(string value)
    {
        try
        {
            _ = new CurrencyCode(value);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void GatherText(RuleOperand operand, ReadOnlySpan<SegmentSubject> subjects)
    {
        if (_texts.ContainsKey(operand.Kind))
        {
            return;
        }

        var values = new string?[subjects.Length];
        for (var i = 0; i < subjects.Length; i++)
        {
            values[i] = RuleReaders.ReadText(operand, subjects[i]);
        }

        _texts[operand.Kind] = TextColumn.Encode(values);
    }

    private void CheckLength(RuleOperand operand, int length)
    {
        if (length != Count)
        {
            throw new ArgumentException($"The '{operand.Path}' column needs {Count} values, one per account; got {length}.", nameof(operand));
        }
    }
}

/// <summary>A text column, dictionary-encoded: a code per row (−1 when missing) into the distinct values (exact, ordinal).</summary>
internal sealed class TextColumn(int[] codes, string[] values)
{
    public int[] Codes { get; } = codes;

    public string[] Values { get; } = values;

    public static TextColumn Encode(ReadOnlySpan<string?> texts)
    {
        var codes = new int[texts.Length];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var text = texts[i];
            if (string.IsNullOrEmpty(text))
            {
                codes[i] = -1;
                continue;
            }

            if (!index.TryGetValue(text, out var code))
            {
                code = values.Count;
                index[text] = code;
                values.Add(text);
            }

            codes[i] = code;
        }

        return new TextColumn(codes, [.. values]);
    }
}
