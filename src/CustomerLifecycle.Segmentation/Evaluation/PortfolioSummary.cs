using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// Accounts and ARR per segment, per health color and per owner on one date, with the change since an earlier
/// summary. ARR stays per currency: nothing is converted or summed across currencies.
/// </summary>
public sealed class PortfolioSummary
{
    private PortfolioSummary(LocalDate date, LocalDate? previousDate, PortfolioSummaryRow total, IReadOnlyList<PortfolioSummaryRow> bySegment, IReadOnlyList<PortfolioSummaryRow> byColor, IReadOnlyList<PortfolioSummaryRow> byOwner)
    {
        Date = date;
        PreviousDate = previousDate;
        Total = total;
        BySegment = bySegment;
        ByColor = byColor;
        ByOwner = byOwner;
    }

    /// <summary>The date of the evaluation summarized.</summary>
    public LocalDate Date { get; }

    /// <summary>The date of the summary the changes are measured from; null when there was none.</summary>
    public LocalDate? PreviousDate { get; }

    /// <summary>The whole portfolio.</summary>
    public PortfolioSummaryRow Total { get; }

    /// <summary>One row per segment, in catalog order, then segments only the previous summary had.</summary>
    public IReadOnlyList<PortfolioSummaryRow> BySegment { get; }

    /// <summary>One row per health color (Red, Yellow, Green), then unscored accounts (key null).</summary>
    public IReadOnlyList<PortfolioSummaryRow> ByColor { get; }

    /// <summary>One row per owner, by owner name (ordinal), then unowned accounts (key null).</summary>
    public IReadOnlyList<PortfolioSummaryRow> ByOwner { get; }

    /// <summary>Summarizes an evaluation.</summary>
    /// <remarks>
    /// Totals are exact: each contract's ARR is at most <see cref="Contract.MaxAnnualRecurringRevenue"/>, so even two
    /// billion accounts stay far inside <see cref="decimal"/>'s range.
    /// </remarks>
    /// <param name="evaluation">The evaluation.</param>
    /// <param name="previous">An earlier summary, for the changes; null for none.</param>
    /// <returns>The summary.</returns>
    public static PortfolioSummary Create(SegmentEvaluation evaluation, PortfolioSummary? previous = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        evaluation.CheckSummarizable();
        var segments = evaluation.Catalog.Segments;
        var total = new Tally();
        var bySegment = segments.Select(_ => new Tally()).ToArray();
        var byColor = new Tally[4];
        for (var c = 0; c < byColor.Length; c++)
        {
            byColor[c] = new Tally();
        }

        var byOwner = new Dictionary<string, Tally>(StringComparer.Ordinal);
        var unowned = new Tally();
        for (var i = 0; i < evaluation.Count; i++)
        {
            var arr = evaluation.ArrAt(i);
            total.Add(arr);
            for (var s = 0; s < segments.Count; s++)
            {
                if (evaluation.Bit(i, s))
                {
                    bySegment[s].Add(arr);
                }
            }

            byColor[evaluation.ColorAt(i) is { } color ? (int)color : 3].Add(arr);
            var ownerName = evaluation.OwnerAt(i);
            var owner = ownerName is null ? unowned : byOwner.TryGetValue(ownerName, out var t) ? t : byOwner[ownerName] = new Tally();
            owner.Add(arr);
        }

        var segmentRows = segments.Select((s, i) => bySegment[i].Row(s.Name, Find(previous?.BySegment, s.Name, StringComparer.OrdinalIgnoreCase), previous is not null)).ToList();
        AddVanished(segmentRows, previous?.BySegment, StringComparer.OrdinalIgnoreCase);

        HealthColor[] colors = [HealthColor.Red, HealthColor.Yellow, HealthColor.Green];
        var colorRows = colors.Select(c => byColor[(int)c].Row(c.ToString(), Find(previous?.ByColor, c.ToString(), StringComparer.Ordinal), previous is not null))
            .Append(byColor[3].Row(null, Find(previous?.ByColor, null, StringComparer.Ordinal), previous is not null))
            .ToList();

        var ownerRows = byOwner.OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => o.Value.Row(o.Key, Find(previous?.ByOwner, o.Key, StringComparer.Ordinal), previous is not null))
            .ToList();
        AddVanished(ownerRows, previous?.ByOwner, StringComparer.Ordinal, keepNullLast: true);
        if (unowned.Accounts > 0 || Find(previous?.ByOwner, null, StringComparer.Ordinal) is not null)
        {
            ownerRows.Add(unowned.Row(null, Find(previous?.ByOwner, null, StringComparer.Ordinal), previous is not null));
        }

        return new PortfolioSummary(
            evaluation.Date,
            previous?.Date,
            total.Row("Total", previous?.Total, previous is not null),
            segmentRows,
            colorRows,
            ownerRows);
    }

    private static PortfolioSummaryRow? Find(IReadOnlyList<PortfolioSummaryRow>? rows, string? key, StringComparer comparer) =>
        rows?.FirstOrDefault(r => key is null ? r.Key is null : r.Key is not null && comparer.Equals(r.Key, key));

    // A key the previous summary had and this one does not (a removed segment, an owner with no accounts left)
    // still gets a row, with zero accounts and the whole loss as its change.
    private static void AddVanished(List<PortfolioSummaryRow> rows, IReadOnlyList<PortfolioSummaryRow>? previous, StringComparer comparer, bool keepNullLast = false)
    {
        foreach (var old in previous ?? [])
        {
            if ((old.Key is null && keepNullLast) || rows.Any(r => r.Key is null ? old.Key is null : old.Key is not null && comparer.Equals(r.Key, old.Key)))
            {
                continue;
            }

            rows.Add(new Tally().Row(old.Key, old, hasPrevious: true));
        }
    }

    private sealed class Tally
    {
        private readonly SortedDictionary<string, decimal> _arr = new(StringComparer.Ordinal);

        public int Accounts { get; private set; }

        public void Add(Money? arr)
        {
            Accounts++;
            if (arr is { } money)
            {
                _arr[money.Currency.Code] = _arr.GetValueOrDefault(money.Currency.Code) + money.Amount;
            }
        }

        public PortfolioSummaryRow Row(string? key, PortfolioSummaryRow? previous, bool hasPrevious)
        {
            var arr = _arr.Select(a => new Money(a.Value, a.Key)).ToArray();
            if (!hasPrevious)
            {
                return new PortfolioSummaryRow(key, Accounts, arr, null, null);
            }

            var change = new SortedDictionary<string, decimal>(_arr, StringComparer.Ordinal);
            foreach (var old in previous?.Arr ?? [])
            {
                change[old.Currency.Code] = change.GetValueOrDefault(old.Currency.Code) - old.Amount;
            }

            return new PortfolioSummaryRow(key, Accounts, arr, Accounts - (previous?.Accounts ?? 0), change.Select(a => new Money(a.Value, a.Key)).ToArray());
        }
    }
}

/// <summary>One line of a <see cref="PortfolioSummary"/>.</summary>
/// <param name="Key">The segment, color or owner; null for unscored or unowned accounts.</param>
/// <param name="Accounts">The number of accounts.</param>
/// <param name="Arr">Their ARR, one amount per currency, by currency code.</param>
/// <param name="AccountsChange">The change in accounts since the previous summary; null when there was none.</param>
/// <param name="ArrChange">The change in ARR per currency since the previous summary; null when there was none.</param>
public sealed record PortfolioSummaryRow(string? Key, int Accounts, IReadOnlyList<Money> Arr, int? AccountsChange, IReadOnlyList<Money>? ArrChange);
