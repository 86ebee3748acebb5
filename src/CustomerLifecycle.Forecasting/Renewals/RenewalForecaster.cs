using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>How a forecast is broken down in time.</summary>
public enum ForecastBreakdown
{
    /// <summary>By calendar month of the renewal date (<c>2026-12</c>).</summary>
    Month = 0,

    /// <summary>By calendar quarter of the renewal date (<c>2026-Q4</c>).</summary>
    Quarter = 1,
}

/// <summary>
/// The renewal forecast calculator: for the renewals due in a period, a probability per renewal from a pluggable
/// <see cref="IRenewalProbabilityModel"/>, times the contract value, with expected upsell and downsell; totals per
/// currency (never converted), broken down by period, owner and segment. Thread-safe.
/// </summary>
/// <remarks>
/// Per renewal: expected revenue = p × (ARR − downsell + upsell); expected churn = (1 − p) × ARR; commit = ARR − downsell
/// when p ≥ the commit threshold; best case = ARR + upsell when p &gt; 0; most likely = expected revenue.
/// </remarks>
public sealed class RenewalForecaster
{
    private readonly IRenewalProbabilityModel _model;

    /// <summary>Creates a forecaster.</summary>
    /// <param name="model">The probability source, for example a <see cref="ChainProbabilityModel"/> of the CSM's call and the health band table.</param>
    /// <param name="breakdown">The time breakdown; months by default.</param>
    /// <param name="commitThreshold">The probability from which a renewal counts as commit, 0–1; default 0.9.</param>
    /// <param name="refused">What a case that cannot be forecast does: skipped and reported (the default), or fail the whole forecast.</param>
    /// <exception cref="ArgumentException">The threshold is outside 0–1, or the breakdown or policy is not defined.</exception>
    public RenewalForecaster(IRenewalProbabilityModel model, ForecastBreakdown breakdown = ForecastBreakdown.Month, double commitThreshold = 0.9, RefusedRenewalPolicy refused = RefusedRenewalPolicy.SkipAndReport)
    {
        ArgumentNullException.ThrowIfNull(model);
        ForecastChecks.Probability(commitThreshold, nameof(commitThreshold));
        if (!Enum.IsDefined(breakdown))
        {
            throw new ArgumentOutOfRangeException(nameof(breakdown), breakdown, "The breakdown must be Month or Quarter.");
        }

        if (!Enum.IsDefined(refused))
        {
            throw new ArgumentOutOfRangeException(nameof(refused), refused, "The policy must be SkipAndReport or Throw.");
        }

        _model = model;
        Breakdown = breakdown;
        CommitThreshold = commitThreshold;
        RefusedRenewals = refused;
    }

    /// <summary>What a renewal that cannot be forecast does to the forecast.</summary>
    public RefusedRenewalPolicy RefusedRenewals { get; }

    /// <summary>The time breakdown.</summary>
    public ForecastBreakdown Breakdown { get; }

    /// <summary>The probability from which a renewal counts as commit.</summary>
    public double CommitThreshold { get; }

    /// <summary>The accounts whose contract renews within <paramref name="period"/>.</summary>
    /// <param name="accounts">The portfolio.</param>
    /// <param name="period">The period, both ends included.</param>
    /// <returns>The accounts due, in portfolio order.</returns>
    public static IEnumerable<Account> DueIn(IEnumerable<Account> accounts, DateInterval period)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(period);
        return accounts.Where(a => a.Contract is { } c && period.Contains(c.RenewalDate));
    }

    /// <summary>Forecasts the renewals due in a period.</summary>
    /// <param name="renewals">The renewals, each due within the period; account ids unique.</param>
    /// <param name="period">The period, both ends included.</param>
    /// <returns>The forecast; with <see cref="RefusedRenewalPolicy.SkipAndReport"/>, the cases that could not be forecast are in <see cref="RenewalForecast.Refused"/>, each with its account and reason, and count in no total.</returns>
    /// <exception cref="ArgumentException">With <see cref="RefusedRenewalPolicy.Throw"/>: a renewal date outside the period, a duplicate account, no model with an opinion, a model that refuses the case (an unknown CSM call), or a probability outside 0–1; the message names the account and value. Nothing is returned half-done.</exception>
    public RenewalForecast Forecast(IEnumerable<RenewalCase> renewals, DateInterval period)
    {
        ArgumentNullException.ThrowIfNull(renewals);
        ArgumentNullException.ThrowIfNull(period);
        var lines = new List<RenewalForecastLine>();
        var refused = new List<RefusedRenewal>();
        var seen = new HashSet<AccountId>();
        foreach (var renewal in renewals)
        {
            ArgumentNullException.ThrowIfNull(renewal, nameof(renewals));
            try
            {
                lines.Add(Forecast(renewal, period, seen));
            }
            catch (ArgumentException e) when (RefusedRenewals == RefusedRenewalPolicy.SkipAndReport)
            {
                // Reported, not swallowed: the case is in the forecast's Refused list with the reason.
                refused.Add(new RefusedRenewal(renewal.Account.Id, e.Message.Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal)));
            }
        }

        return new RenewalForecast(period, lines, refused, PeriodKey);
    }

    /// <summary>
    /// The forecast of a whole portfolio from the forecasts of its parts (the pipeline's shards, for one): their lines
    /// and refused cases together, totalled and broken down as this forecaster does. The totals and breakdowns equal
    /// those of one forecast of all the cases (they are summed in account order), and so does
    /// <see cref="RenewalSimulation.Run"/> for the same seed.
    /// </summary>
    /// <param name="period">The period every part forecast.</param>
    /// <param name="parts">The parts; no account in two of them.</param>
    /// <returns>The combined forecast: the lines of the parts in the order given.</returns>
    /// <exception cref="ArgumentException">A part forecast another period, or an account appears in two parts (or twice in one); nothing is returned half-done.</exception>
    public RenewalForecast Combine(DateInterval period, IEnumerable<RenewalForecast> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var part = list[i] ?? throw new ArgumentNullException(nameof(parts), $"Part {i} is null.");
            if (!part.Period.Equals(period))
            {
                throw new ArgumentException($"Part {i} forecasts {part.Period.Start:uuuu-MM-dd} to {part.Period.End:uuuu-MM-dd}, not {period.Start:uuuu-MM-dd} to {period.End:uuuu-MM-dd}; only forecasts of one period combine.", nameof(parts));
            }
        }

        return FromLines(period, list.SelectMany(p => p.Lines), list.SelectMany(p => p.Refused));
    }

    /// <summary>
    /// A forecast of lines made before (stored, or sent from another process), totalled and broken down as this
    /// forecaster does; the lines are taken as they are, not estimated again.
    /// </summary>
    /// <param name="period">The period.</param>
    /// <param name="lines">The lines, each renewing within the period; accounts unique.</param>
    /// <param name="refused">The cases left out, if any.</param>
    /// <returns>The forecast.</returns>
    /// <exception cref="ArgumentException">A line renews outside the period, an account has two lines, or a line's probability is outside 0–1; the message names the account.</exception>
    public RenewalForecast FromLines(DateInterval period, IEnumerable<RenewalForecastLine> lines, IEnumerable<RefusedRenewal>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(lines);
        var seen = new HashSet<AccountId>();
        var kept = new List<RenewalForecastLine>();
        foreach (var line in lines)
        {
            ArgumentNullException.ThrowIfNull(line, nameof(lines));
            if (!period.Contains(line.RenewalDate))
            {
                throw new ArgumentException($"Account '{line.Account}' renews on {line.RenewalDate:uuuu-MM-dd}, outside the period {period.Start:uuuu-MM-dd} to {period.End:uuuu-MM-dd}.", nameof(lines));
            }

            if (!seen.Add(line.Account))
            {
                throw new ArgumentException($"Account '{line.Account}' has two forecast lines; a renewal is forecast once.", nameof(lines));
            }

            if (!(line.Probability is >= 0 and <= 1))
            {
                throw new ArgumentException($"Account '{line.Account}' has the probability {line.Probability}, outside 0–1.", nameof(lines));
            }

            kept.Add(line);
        }

        return new RenewalForecast(period, kept, [.. refused ?? []], PeriodKey);
    }

    // One case, or an ArgumentException naming its account (the parameter named is the caller's "renewals").
    private RenewalForecastLine Forecast(RenewalCase renewal, DateInterval period, HashSet<AccountId> seen)
    {
        var id = renewal.Account.Id;
        var date = renewal.Contract.RenewalDate;
        if (!period.Contains(date))
        {
            throw new ArgumentException($"Account '{id}' renews on {date:uuuu-MM-dd}, outside the period {period.Start:uuuu-MM-dd} to {period.End:uuuu-MM-dd}.", "renewals");
        }

        if (!seen.Add(id))
        {
            throw new ArgumentException($"Account '{id}' appears twice among the renewals.", "renewals");
        }

        double probability;
        string modelName;
        if (_model is ChainProbabilityModel chain)
        {
            if (!chain.TryEstimate(renewal, out probability, out var answered))
            {
                throw new ArgumentException($"Account '{id}': no model of the chain ({chain.Name}) has an opinion about its renewal (no CSM call, no health score).", "renewals");
            }

            modelName = answered!.Name;
        }
        else if (_model.TryEstimate(renewal, out probability))
        {
            modelName = _model.Name;
        }
        else
        {
            throw new ArgumentException($"Account '{id}': the model '{_model.Name}' has no opinion about its renewal.", "renewals");
        }

        if (!(probability is >= 0 and <= 1))
        {
            throw new ArgumentException($"Account '{id}': the model '{modelName}' gave the probability {probability}, outside 0–1.", "renewals");
        }

        return Line(renewal, probability, modelName);
    }

    private RenewalForecastLine Line(RenewalCase renewal, double probability, string model)
    {
        var arr = renewal.Contract.AnnualRecurringRevenue;
        var p = (decimal)probability;
        var renewed = arr - renewal.ExpectedDownsell + renewal.ExpectedUpsell;
        var zero = new Money(0m, arr.Currency);
        return new RenewalForecastLine(
            renewal.Account.Id,
            renewal.Account.Owner,
            renewal.Segment,
            renewal.Contract.RenewalDate,
            arr,
            probability,
            model,
            renewal.ExpectedUpsell,
            renewal.ExpectedDownsell,
            renewed * p,
            arr * (1m - p),
            probability >= CommitThreshold ? arr - renewal.ExpectedDownsell : zero,
            probability > 0 ? arr + renewal.ExpectedUpsell : zero);
    }

    private string PeriodKey(LocalDate date) => Breakdown == ForecastBreakdown.Month
        ? date.ToString("uuuu-MM", CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{date.Year}-Q{((date.Month - 1) / 3) + 1}");
}

/// <summary>What a renewal that cannot be forecast (an unknown CSM call, no model with an opinion, a date outside the period, a duplicate) does.</summary>
public enum RefusedRenewalPolicy
{
    /// <summary>The case is left out of the forecast and listed in <see cref="RenewalForecast.Refused"/> with its reason.</summary>
    SkipAndReport = 0,

    /// <summary>The whole forecast fails with an <see cref="ArgumentException"/> naming the case.</summary>
    Throw = 1,
}

/// <summary>A renewal left out of a forecast, and why.</summary>
/// <param name="Account">The account.</param>
/// <param name="Reason">Why it could not be forecast.</param>
public sealed record RefusedRenewal(AccountId Account, string Reason);

/// <summary>One renewal in a forecast.</summary>
/// <param name="Account">The account.</param>
/// <param name="Owner">Its owner, if any.</param>
/// <param name="Segment">Its segment label, if any.</param>
/// <param name="RenewalDate">The renewal date.</param>
/// <param name="Contracted">The ARR up for renewal.</param>
/// <param name="Probability">The probability of renewal, 0–1.</param>
/// <param name="Model">The model that gave it.</param>
/// <param name="ExpectedUpsell">Expected expansion.</param>
/// <param name="ExpectedDownsell">Expected contraction.</param>
/// <param name="ExpectedRevenue">p × (ARR − downsell + upsell).</param>
/// <param name="ExpectedChurn">(1 − p) × ARR.</param>
/// <param name="Commit">ARR − downsell when p reaches the commit threshold, else zero.</param>
/// <param name="BestCase">ARR + upsell when p &gt; 0, else zero.</param>
public sealed record RenewalForecastLine(AccountId Account, string? Owner, string? Segment, LocalDate RenewalDate, Money Contracted, double Probability, string Model, Money ExpectedUpsell, Money ExpectedDownsell, Money ExpectedRevenue, Money ExpectedChurn, Money Commit, Money BestCase);

/// <summary>Forecast totals in one currency.</summary>
/// <param name="Renewals">The number of renewals.</param>
/// <param name="Contracted">ARR up for renewal.</param>
/// <param name="ExpectedRevenue">Expected renewal revenue (the most likely case).</param>
/// <param name="ExpectedChurn">Expected churned ARR.</param>
/// <param name="ExpectedUpsell">Expected expansion (undiscounted by probability).</param>
/// <param name="ExpectedDownsell">Expected contraction (undiscounted by probability).</param>
/// <param name="Commit">The commit case.</param>
/// <param name="BestCase">The best case.</param>
public sealed record RenewalTotals(int Renewals, Money Contracted, Money ExpectedRevenue, Money ExpectedChurn, Money ExpectedUpsell, Money ExpectedDownsell, Money Commit, Money BestCase)
{
    /// <summary>The currency.</summary>
    public CurrencyCode Currency => Contracted.Currency;

    /// <summary>The most likely case: the expected revenue.</summary>
    public Money MostLikely => ExpectedRevenue;
}

/// <summary>Totals for one key of a breakdown (a period, an owner or a segment), one per currency.</summary>
/// <param name="Key">The period (<c>2026-12</c>, <c>2026-Q4</c>), owner or segment; null for renewals without an owner or segment.</param>
/// <param name="ByCurrency">The totals, by currency code.</param>
public sealed record RenewalForecastGroup(string? Key, IReadOnlyList<RenewalTotals> ByCurrency);

/// <summary>A renewal forecast: the lines, the totals per currency, and the breakdowns. Immutable.</summary>
public sealed class RenewalForecast
{
    internal RenewalForecast(DateInterval period, List<RenewalForecastLine> lines, List<RefusedRenewal> refused, Func<LocalDate, string> periodKey)
    {
        Period = period;
        Lines = lines;
        Refused = refused;

        // Summed in account order, not the order given: the totals are a function of the lines alone, so a forecast
        // combined from parts (shards) has the totals of the whole to the last digit of the decimal sums.
        var ordered = lines.Count > 1 && !InAccountOrder(lines) ? [.. lines.OrderBy(l => l.Account.Value, StringComparer.Ordinal)] : lines;
        Total = Totals(ordered);
        ByPeriod = Group(ordered, l => periodKey(l.RenewalDate));
        ByOwner = Group(ordered, l => l.Owner);
        BySegment = Group(ordered, l => l.Segment);
    }

    private static bool InAccountOrder(List<RenewalForecastLine> lines)
    {
        for (var i = 1; i < lines.Count; i++)
        {
            if (string.CompareOrdinal(lines[i - 1].Account.Value, lines[i].Account.Value) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The period forecast.</summary>
    public DateInterval Period { get; }

    /// <summary>One line per renewal forecast, in the order given.</summary>
    public IReadOnlyList<RenewalForecastLine> Lines { get; }

    /// <summary>The renewals that could not be forecast, in the order given, each with the reason; they count in no total. Empty when every case was forecast.</summary>
    public IReadOnlyList<RefusedRenewal> Refused { get; }

    /// <summary>The totals, one per currency, by currency code.</summary>
    public IReadOnlyList<RenewalTotals> Total { get; }

    /// <summary>Totals per month or quarter, in time order.</summary>
    public IReadOnlyList<RenewalForecastGroup> ByPeriod { get; }

    /// <summary>Totals per owner, by name (ordinal), unowned last.</summary>
    public IReadOnlyList<RenewalForecastGroup> ByOwner { get; }

    /// <summary>Totals per segment label, by name (ordinal), unlabelled last.</summary>
    public IReadOnlyList<RenewalForecastGroup> BySegment { get; }

    // One pass per breakdown, one accumulator per key and currency: the totals cost no allocation per line.
    private static RenewalForecastGroup[] Group(List<RenewalForecastLine> lines, Func<RenewalForecastLine, string?> key)
    {
        var groups = new Dictionary<string, SortedDictionary<string, Accumulator>>(StringComparer.Ordinal);
        SortedDictionary<string, Accumulator>? none = null;
        foreach (var line in lines)
        {
            var k = key(line);
            var group = k is null ? none ??= new(StringComparer.Ordinal) : groups.TryGetValue(k, out var g) ? g : groups[k] = new(StringComparer.Ordinal);
            Add(group, line);
        }

        var result = groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new RenewalForecastGroup(g.Key, ToTotals(g.Value))).ToList();
        if (none is not null)
        {
            result.Add(new RenewalForecastGroup(null, ToTotals(none)));
        }

        return [.. result];
    }

    private static RenewalTotals[] Totals(List<RenewalForecastLine> lines)
    {
        var byCurrency = new SortedDictionary<string, Accumulator>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            Add(byCurrency, line);
        }

        return ToTotals(byCurrency);
    }

    private static void Add(SortedDictionary<string, Accumulator> byCurrency, RenewalForecastLine line)
    {
        var code = line.Contracted.Currency.Code;
        if (!byCurrency.TryGetValue(code, out var accumulator))
        {
            byCurrency[code] = accumulator = new Accumulator(line.Contracted.Currency);
        }

        accumulator.Add(line);
    }

    private static RenewalTotals[] ToTotals(SortedDictionary<string, Accumulator> byCurrency) => [.. byCurrency.Values.Select(a => a.ToTotals())];

    private sealed class Accumulator(CurrencyCode currency)
    {
        private int _renewals;
        private decimal _contracted, _revenue, _churn, _upsell, _downsell, _commit, _best;

        public void Add(RenewalForecastLine line)
        {
            _renewals++;
            _contracted += line.Contracted.Amount;
            _revenue += line.ExpectedRevenue.Amount;
            _churn += line.ExpectedChurn.Amount;
            _upsell += line.ExpectedUpsell.Amount;
            _downsell += line.ExpectedDownsell.Amount;
            _commit += line.Commit.Amount;
            _best += line.BestCase.Amount;
        }

        public RenewalTotals ToTotals() => new(
            _renewals, new(_contracted, currency), new(_revenue, currency), new(_churn, currency), new(_upsell, currency), new(_downsell, currency), new(_commit, currency), new(_best, currency));
    }
}
