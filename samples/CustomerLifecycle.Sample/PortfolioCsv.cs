using System.Globalization;
using CustomerLifecycle.Stages;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Sample;

/// <summary>One row of the portfolio file: the account, and the day it churned if it did.</summary>
/// <param name="Account">The account.</param>
/// <param name="ChurnedOn">The churn date, if any.</param>
/// <param name="Line">The line it came from.</param>
internal sealed record PortfolioRow(Account Account, LocalDate? ChurnedOn, int Line);

/// <summary>A row that could not be read: where, and why.</summary>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The column's name.</param>
/// <param name="Message">What is wrong.</param>
internal sealed record CsvError(int Line, string Column, string Message)
{
    public override string ToString() => $"line {Line}, column '{Column}': {Message}";
}

/// <summary>
/// Reads and writes the portfolio CSV. The format (documented in docs/sample.md): a header row, comma-separated,
/// no quoting (no field contains a comma), dates as ISO <c>yyyy-MM-dd</c>, numbers with a '.' decimal point, an empty
/// cell for a missing value. Signal columns are every column after the fixed ones, named as signals.
/// </summary>
internal static class PortfolioCsv
{
    public static readonly string[] FixedColumns = ["id", "name", "owner", "tier", "stage", "customer_since", "churned_on", "contract_start", "renewal_date", "currency", "arr", "seats", "plan"];

    public static (List<PortfolioRow> Rows, List<CsvError> Errors) Read(TextReader reader, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<PortfolioRow>();
        var errors = new List<CsvError>();
        var header = reader.ReadLine();
        if (header is null)
        {
            errors.Add(new CsvError(1, "(header)", "the file is empty; the first line must name the columns."));
            return (rows, errors);
        }

        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        if (columns.Length == 1 && (header.Contains(';', StringComparison.Ordinal) || header.Contains('\t', StringComparison.Ordinal)))
        {
            errors.Add(new CsvError(1, "(header)", $"the header has no ','; the columns must be separated by commas (this file looks {(header.Contains(';', StringComparison.Ordinal) ? "';'" : "tab")}-separated, as a spreadsheet in some locales saves it)."));
            return (rows, errors);
        }

        var repeated = columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (repeated.Length > 0)
        {
            errors.Add(new CsvError(1, string.Join(", ", repeated), "the header names these columns more than once."));
            return (rows, errors);
        }

        var missing = FixedColumns.Where(c => !columns.Contains(c, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0)
        {
            errors.Add(new CsvError(1, string.Join(", ", missing), "the header lacks these columns."));
            return (rows, errors);
        }

        var index = columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var signalColumns = columns.Where(c => !FixedColumns.Contains(c, StringComparer.Ordinal)).ToArray();
        foreach (var signal in signalColumns)
        {
            if (!SignalKey.IsValidName(signal))
            {
                errors.Add(new CsvError(1, signal, "not a valid signal name (lower-case letters, digits, '_' and '.', starting with a letter)."));
                return (rows, errors);
            }
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var textSignals = new Dictionary<string, TextSignal>(StringComparer.Ordinal);
        var shared = new SharedText();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (progress is not null && lineNumber % 50_000 == 0)
            {
                progress(lineNumber - 1);
            }

            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != columns.Length)
            {
                errors.Add(new CsvError(lineNumber, "(row)", $"{cells.Length} cells where the header has {columns.Length}.{(cells.Length > columns.Length ? " Every ',' separates cells (quotes are not read): write amounts without a thousands separator (42000, not \"42,000\") and keep commas out of names." : string.Empty)}"));
                continue;
            }

            var row = new RowReader(cells, index, lineNumber);
            try
            {
                var id = row.Text("id")!;
                if (!ids.Add(id))
                {
                    throw new CsvException(new CsvError(lineNumber, "id", $"'{id}' appears on an earlier line."));
                }

                var signals = SignalSet.CreateBuilder();
                var text = signalColumns.FirstOrDefault(signal => !row.TryNumber(signal, out _));
                if (text is not null)
                {
                    // A column the reader does not know is a signal: its cells must be numbers. Said once per column
                    // (with the count of lines), not once per line.
                    (textSignals.TryGetValue(text, out var seen) ? seen : textSignals[text] = new TextSignal(lineNumber, row.Text(text)!)).Lines++;
                    continue;
                }

                foreach (var signal in signalColumns)
                {
                    row.TryNumber(signal, out var value);
                    signals.Add(new SignalKey(signal), value);
                }

                var currency = shared.Get(row.Text("currency"));
                var arr = row.Decimal("arr");
                var start = row.Date("contract_start");
                var renewal = row.Date("renewal_date");
                Contract? contract = null;
                if (arr is not null || start is not null || renewal is not null)
                {
                    if (arr is null || start is null || renewal is null || currency is null)
                    {
                        throw new CsvException(new CsvError(lineNumber, arr is null ? "arr" : start is null ? "contract_start" : renewal is null ? "renewal_date" : "currency", "a contract needs contract_start, renewal_date, currency and arr."));
                    }

                    var money = new Money(arr.Value, row.Guard("currency", () => new CurrencyCode(currency)));
                    var seats = row.Seats("seats");
                    contract = row.Guard("renewal_date", () => new Contract(start.Value, renewal.Value, money, seats, shared.Get(row.Text("plan"))));
                }

                var stageText = shared.Get(row.Text("stage"));
                var account = row.Guard("id", () => new Account
                {
                    Id = new AccountId(id),
                    Name = row.Text("name") ?? throw new CsvException(new CsvError(lineNumber, "name", "required.")),
                    Owner = shared.Get(row.Text("owner")),
                    Tier = shared.Get(row.Text("tier")),
                    CustomerSince = row.Date("customer_since"),
                    Contract = contract,
                    Stage = stageText is null ? default : row.Guard("stage", () => new StageId(stageText)),
                    Signals = signals.ToSignalSet(),
                });
                rows.Add(new PortfolioRow(account, row.Date("churned_on"), lineNumber));
            }
            catch (CsvException e)
            {
                errors.Add(e.Error);
            }
        }

        foreach (var (signal, text) in textSignals)
        {
            errors.Add(new CsvError(text.FirstLine, signal, $"'{text.FirstText}' is not a finite number (use '.' for decimals), and {text.Lines:N0} line(s) in all have text in this column. A column that is not one of {string.Join(", ", FixedColumns)} is read as a signal, a number per account: remove the column, or correct its cells."));
        }

        return (rows, [.. errors.OrderBy(e => e.Line)]);
    }

    private sealed class TextSignal(int firstLine, string firstText)
    {
        public int FirstLine { get; } = firstLine;

        public string FirstText { get; } = firstText;

        public int Lines { get; set; }
    }

    /// <summary>
    /// Checks the rows against what the file alone cannot tell: the stage model, and the run's date (nothing may have
    /// happened after it). Rows that fail move to the errors, so the run never meets them half-way.
    /// </summary>
    public static void Validate(List<PortfolioRow> rows, List<CsvError> errors, LifecycleStageModel model, LocalDate asOf)
    {
        var kept = new List<PortfolioRow>(rows.Count);
        foreach (var row in rows)
        {
            var account = row.Account;
            var error = account switch
            {
                _ when !account.Stage.IsEmpty && !model.Contains(account.Stage) =>
                    new CsvError(row.Line, "stage", $"'{account.Stage}' is not a stage of the model ({string.Join(", ", model.Stages.Select(s => s.Id))})."),
                { CustomerSince: { } since } when since > asOf =>
                    new CsvError(row.Line, "customer_since", $"{Iso(since)} is after the run's date {Iso(asOf)} (Sample:AsOf)."),
                _ when row.ChurnedOn is { } churned && churned > asOf =>
                    new CsvError(row.Line, "churned_on", $"{Iso(churned)} is after the run's date {Iso(asOf)} (Sample:AsOf)."),
                { CustomerSince: { } since } when row.ChurnedOn is { } churned && churned < since =>
                    new CsvError(row.Line, "churned_on", $"{Iso(churned)} is before customer_since {Iso(since)}."),
                _ => null,
            };
            if (error is null)
            {
                // A stage written in another case ('onboarding') is the model's stage, spelt as the model spells it.
                kept.Add(account.Stage.IsEmpty ? row : row with { Account = account with { Stage = model.GetStage(account.Stage).Id } });
            }
            else
            {
                errors.Add(error);
            }
        }

        rows.Clear();
        rows.AddRange(kept);
        var sorted = errors.OrderBy(e => e.Line).ToList();
        errors.Clear();
        errors.AddRange(sorted);
    }

    private static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);

    public static void Write(TextWriter writer, IEnumerable<PortfolioRow> rows, IReadOnlyList<SignalKey> signals)
    {
        writer.WriteLine(string.Join(',', FixedColumns.Concat(signals.Select(s => s.Name))));
        foreach (var (account, churnedOn, _) in rows)
        {
            var c = account.Contract;
            var cells = new List<string?>
            {
                account.Id.Value, account.Name, account.Owner, account.Tier, account.Stage.IsEmpty ? null : account.Stage.Value,
                Date(account.CustomerSince), Date(churnedOn), Date(c?.Start), Date(c?.RenewalDate), c?.AnnualRecurringRevenue.Currency.Code,
                c?.AnnualRecurringRevenue.Amount.ToString(CultureInfo.InvariantCulture), c?.LicensedSeats.ToString(CultureInfo.InvariantCulture), c?.Plan,
            };
            cells.AddRange(signals.Select(s => account.Signals[s]?.ToString("R", CultureInfo.InvariantCulture)));
            writer.WriteLine(string.Join(',', cells.Select(x => x ?? string.Empty)));
        }

        static string? Date(LocalDate? date) => date is { } d ? LocalDatePattern.Iso.Format(d) : null;
    }

    /// <summary>
    /// One string per distinct owner, tier, stage, currency and plan instead of one per row: a million rows name a few
    /// hundred owners. Bounded, so a column of unique values costs no more than before.
    /// </summary>
    private sealed class SharedText
    {
        private const int Limit = 100_000;
        private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

        public string? Get(string? text)
        {
            if (text is null)
            {
                return null;
            }

            if (_texts.TryGetValue(text, out var shared))
            {
                return shared;
            }

            if (_texts.Count < Limit)
            {
                _texts.Add(text, text);
            }

            return text;
        }
    }

    private sealed class CsvException(CsvError error) : Exception(error.ToString())
    {
        public CsvError Error { get; } = error;
    }

    private readonly struct RowReader(string[] cells, Dictionary<string, int> index, int line)
    {
        public string? Text(string column)
        {
            var value = cells[index[column]].Trim();
            return value.Length == 0 ? null : value;
        }

        /// <summary>A signal's cell: empty (null, not measured) or a finite number; false for anything else.</summary>
        public bool TryNumber(string column, out double? value)
        {
            value = null;
            if (Text(column) is not { } text)
            {
                return true;
            }

            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                value = number;
                return true;
            }

            return false;
        }

        public decimal? Decimal(string column)
        {
            if (Text(column) is not { } text)
            {
                return null;
            }

            return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= Contract.MaxAnnualRecurringRevenue
                ? value
                : throw new CsvException(new CsvError(line, column, $"'{text}' is not an amount from 0 to {Contract.MaxAnnualRecurringRevenue:#,0}."));
        }

        public int Seats(string column)
        {
            if (Text(column) is not { } text)
            {
                return 0;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new CsvException(new CsvError(line, column, $"'{text}' is not a whole number of seats from 0 to {int.MaxValue}."));
        }

        public LocalDate? Date(string column)
        {
            if (Text(column) is not { } text)
            {
                return null;
            }

            var parsed = LocalDatePattern.Iso.Parse(text);
            return parsed.Success ? parsed.Value : throw new CsvException(new CsvError(line, column, $"'{text}' is not a date as yyyy-MM-dd."));
        }

        // The library's own validation (contract dates, names, currencies) becomes a row error naming the column.
        public T Guard<T>(string column, Func<T> create)
        {
            try
            {
                return create();
            }
            catch (ArgumentException e)
            {
                throw new CsvException(new CsvError(line, column, e.Message));
            }
        }
    }
}
