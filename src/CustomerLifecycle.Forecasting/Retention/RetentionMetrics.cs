using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>What happened to an account's recurring revenue.</summary>
public enum RevenueMovementKind
{
    /// <summary>A new customer: ARR from zero (first time).</summary>
    New = 0,

    /// <summary>ARR up (upsell, cross-sell, price rise).</summary>
    Expansion = 1,

    /// <summary>ARR down, the customer staying (downsell).</summary>
    Contraction = 2,

    /// <summary>ARR to zero: the customer left. The amount is the whole ARR it had.</summary>
    Churn = 3,

    /// <summary>A former customer back: ARR from zero after a churn.</summary>
    Reactivation = 4,
}

/// <summary>One ARR (or MRR) movement in a revenue ledger. The amount is the size of the change, positive.</summary>
/// <param name="Account">The account.</param>
/// <param name="Date">The day it took effect.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Amount">The size of the change, positive.</param>
public sealed record RevenueMovement(AccountId Account, LocalDate Date, RevenueMovementKind Kind, Money Amount);

/// <summary>
/// Retention between two dates from a revenue ledger, by the standard cohort definitions: only accounts with ARR at the
/// start count, compared with their own ARR at the end; new customers are left out. Per starting account, ARR above
/// its start is expansion, ARR below it contraction, and no ARR at the end churn (so an account that left and came back
/// within the period is not churned). GRR = Σ min(end, start) / Σ start, at most 100 %; NRR = Σ end / Σ start;
/// expansion rate = expansion / start; logo churn = starting accounts without ARR at the end / starting accounts.
/// </summary>
public static class RetentionMetrics
{
    /// <summary>Computes retention over [<paramref name="start"/>, <paramref name="end"/>): movements dated before the start build the starting ARR; movements before the end, the ending ARR.</summary>
    /// <param name="ledger">Every movement, in any order; an account keeps one currency.</param>
    /// <param name="start">The first day of the period.</param>
    /// <param name="end">The day after the period; after <paramref name="start"/>.</param>
    /// <returns>The metrics, per currency for the revenue ones.</returns>
    /// <exception cref="ArgumentException">The period is empty, nobody had ARR at its start, or the ledger is inconsistent (a movement that does not fit the account's ARR at its date; the message names the account, date and amounts).</exception>
    /// <exception cref="CurrencyMismatchException">An account's movements use two currencies.</exception>
    public static RetentionReport Compute(IEnumerable<RevenueMovement> ledger, LocalDate start, LocalDate end)
    {
        var (atStart, arr) = Replay(ledger, start, end);
        var byCurrency = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        var churned = 0;
        foreach (var (id, first) in atStart)
        {
            var tally = TallyFor(byCurrency, first.Currency);
            var last = arr[id];
            _ = first + last; // the same currency, or CurrencyMismatchException
            tally.Start += first.Amount;
            if (last.Amount == 0)
            {
                tally.Churn += first.Amount;
                churned++;
            }
            else if (last.Amount < first.Amount)
            {
                tally.Contraction += first.Amount - last.Amount;
            }
            else
            {
                tally.Expansion += last.Amount - first.Amount;
            }
        }

        foreach (var (id, money) in arr)
        {
            if (!atStart.ContainsKey(id) && money.Amount > 0)
            {
                TallyFor(byCurrency, money.Currency).Other += money.Amount;
            }
        }

        var revenue = byCurrency.Select(c => c.Value.ToRetention(c.Key)).ToArray();
        return new RetentionReport(start, end, atStart.Count, churned, revenue);
    }

    /// <summary>
    /// How sure is a GRR or NRR? Percentile bootstrap intervals per currency: the starting accounts resampled with
    /// replacement <paramref name="resamples"/> times (seeded, so the same call gives the same interval on any machine),
    /// GRR and NRR computed on each resample, and the interval read off their type-7 quantiles (R's default).
    /// </summary>
    /// <remarks>
    /// Treats the starting accounts as a sample of the accounts you could have had, independent of each other; a
    /// handful of large accounts makes the interval wide, which is the point. A currency with one starting account has a
    /// zero-width interval. O(resamples × accounts).
    /// </remarks>
    /// <param name="ledger">Every movement, in any order: the accounts are resampled in the order of their ids, so any order of the same ledger gives the same interval for a seed.</param>
    /// <param name="start">The first day of the period.</param>
    /// <param name="end">The day after the period.</param>
    /// <param name="resamples">Resamples, 100 to 1,000,000; 2,000 by default.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="confidenceLevel">The level, strictly between 0 and 1; 0.95 by default.</param>
    /// <returns>One interval per currency of the starting revenue, by currency code.</returns>
    /// <exception cref="ArgumentException">As <see cref="Compute"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The resamples or the level are out of range.</exception>
    public static IReadOnlyList<RetentionInterval> BootstrapIntervals(IEnumerable<RevenueMovement> ledger, LocalDate start, LocalDate end, int resamples = 2000, ulong seed = 1, double confidenceLevel = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resamples, 1_000_000);
        if (!(confidenceLevel is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "The confidence level is strictly between 0 and 1.");
        }

        var (atStart, atEnd) = Replay(ledger, start, end);
        var intervals = new List<RetentionInterval>();
        foreach (var currency in atStart.GroupBy(a => a.Value.Currency.Code).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // In account order, not the ledger's: a seed then resamples the same accounts however the ledger was read.
            var accounts = currency.OrderBy(a => a.Key.Value, StringComparer.Ordinal).ToArray();
            var first = accounts.Select(a => (double)a.Value.Amount).ToArray();
            var last = accounts.Select(a => (double)atEnd[a.Key].Amount).ToArray();
            var gross = new double[resamples];
            var net = new double[resamples];
            for (var r = 0; r < resamples; r++)
            {
                var random = new Xoshiro256(seed, (ulong)r);
                double started = 0, kept = 0, ended = 0;
                for (var i = 0; i < first.Length; i++)
                {
                    var k = random.NextInt(first.Length);
                    started += first[k];
                    kept += Math.Min(first[k], last[k]);
                    ended += last[k];
                }

                gross[r] = kept / started;
                net[r] = ended / started;
            }

            Array.Sort(gross);
            Array.Sort(net);
            var tail = (1 - confidenceLevel) / 2;
            double totalStart = first.Sum(), totalKept = first.Zip(last, Math.Min).Sum(), totalEnd = last.Sum();
            intervals.Add(new RetentionInterval(
                new CurrencyCode(currency.Key),
                first.Length,
                totalKept / totalStart,
                RenewalSimulation.Percentile(gross, tail),
                RenewalSimulation.Percentile(gross, 1 - tail),
                totalEnd / totalStart,
                RenewalSimulation.Percentile(net, tail),
                RenewalSimulation.Percentile(net, 1 - tail),
                resamples,
                confidenceLevel));
        }

        return intervals;
    }

    // Each account's revenue at the start (customers only: revenue above zero) and at the end of the period.
    private static (Dictionary<AccountId, Money> AtStart, Dictionary<AccountId, Money> AtEnd) Replay(IEnumerable<RevenueMovement> ledger, LocalDate start, LocalDate end)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (end <= start)
        {
            throw new ArgumentException($"The period from {start:uuuu-MM-dd} to {end:uuuu-MM-dd} is empty; the end must be after the start.", nameof(end));
        }

        var arr = new Dictionary<AccountId, Money>();
        var everCustomer = new HashSet<AccountId>();
        Dictionary<AccountId, Money>? atStart = null;
        foreach (var movement in ledger.OrderBy(m => m.Date))
        {
            ArgumentNullException.ThrowIfNull(movement, nameof(ledger));
            if (movement.Date >= end)
            {
                break;
            }

            if (movement.Date >= start)
            {
                atStart ??= Customers(arr);
            }

            Apply(arr, everCustomer, movement);
        }

        atStart ??= Customers(arr);
        if (atStart.Count == 0)
        {
            throw new ArgumentException($"No account had ARR on {start:uuuu-MM-dd}; retention over a period needs customers at its start.", nameof(ledger));
        }

        return (atStart, arr);
    }

    private static Dictionary<AccountId, Money> Customers(Dictionary<AccountId, Money> arr) =>
        arr.Where(a => a.Value.Amount > 0).ToDictionary(a => a.Key, a => a.Value);

    private static Tally TallyFor(SortedDictionary<string, Tally> tallies, CurrencyCode currency) =>
        tallies.TryGetValue(currency.Code, out var t) ? t : tallies[currency.Code] = new Tally();

    internal static void Apply(Dictionary<AccountId, Money> arr, HashSet<AccountId> everCustomer, RevenueMovement m)
    {
        if (m.Amount.Amount <= 0)
        {
            throw new ArgumentException($"{m.Kind} of account '{m.Account}' on {m.Date:uuuu-MM-dd}: the amount {m.Amount} must be positive (the kind says the direction).", "ledger");
        }

        var has = arr.TryGetValue(m.Account, out var current) && current.Amount > 0;
        var context = $"{m.Kind} of {m.Amount} for account '{m.Account}' on {m.Date:uuuu-MM-dd}";
        switch (m.Kind)
        {
            case RevenueMovementKind.New when has || everCustomer.Contains(m.Account):
                throw new ArgumentException($"{context}: the account was already a customer; use Expansion or Reactivation.", "ledger");
            case RevenueMovementKind.Reactivation when has || !everCustomer.Contains(m.Account):
                throw new ArgumentException($"{context}: only a former customer with no ARR can be reactivated.", "ledger");
            case RevenueMovementKind.Expansion or RevenueMovementKind.Contraction or RevenueMovementKind.Churn when !has:
                throw new ArgumentException($"{context}: the account has no ARR then.", "ledger");
            case RevenueMovementKind.Contraction when m.Amount.Amount >= current.Amount:
                throw new ArgumentException($"{context}: a contraction must leave ARR above zero (it had {current}); record a Churn instead.", "ledger");
            case RevenueMovementKind.Churn when m.Amount != current:
                throw new ArgumentException($"{context}: a churn removes the whole ARR, which was {current}.", "ledger");
        }

        arr[m.Account] = m.Kind switch
        {
            RevenueMovementKind.New or RevenueMovementKind.Reactivation => m.Amount,
            RevenueMovementKind.Expansion => current + m.Amount,
            RevenueMovementKind.Contraction => current - m.Amount,
            RevenueMovementKind.Churn => current - m.Amount,
            _ => throw new ArgumentException($"{context}: unknown movement kind.", "ledger"),
        };
        everCustomer.Add(m.Account);
    }

    private sealed class Tally
    {
        public decimal Start { get; set; }

        public decimal Expansion { get; set; }

        public decimal Contraction { get; set; }

        public decimal Churn { get; set; }

        public decimal Other { get; set; }

        public RevenueRetention ToRetention(string currency) => new(
            new Money(Start, currency),
            new Money(Expansion, currency),
            new Money(Contraction, currency),
            new Money(Churn, currency),
            new Money(Other, currency),
            Start == 0 ? 0 : (double)((Start - Contraction - Churn) / Start),
            Start == 0 ? 0 : (double)((Start + Expansion - Contraction - Churn) / Start),
            Start == 0 ? 0 : (double)(Expansion / Start));
    }
}

/// <summary>Retention over a period.</summary>
/// <param name="Start">The first day.</param>
/// <param name="End">The day after the period.</param>
/// <param name="StartingAccounts">Accounts with ARR at the start.</param>
/// <param name="ChurnedAccounts">Of those, the ones without ARR at the end.</param>
/// <param name="ByCurrency">The revenue metrics, one per currency (of the starting ARR, or of new customers' ARR), by currency code.</param>
public sealed record RetentionReport(LocalDate Start, LocalDate End, int StartingAccounts, int ChurnedAccounts, IReadOnlyList<RevenueRetention> ByCurrency)
{
    /// <summary>Logo churn: churned accounts / starting accounts, 0–1.</summary>
    public double LogoChurnRate => (double)ChurnedAccounts / StartingAccounts;

    /// <summary>The revenue metrics in one currency.</summary>
    /// <param name="currency">The currency.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentException">No starting ARR is in that currency.</exception>
    public RevenueRetention this[CurrencyCode currency] =>
        ByCurrency.FirstOrDefault(r => r.StartingArr.Currency == currency)
        ?? throw new ArgumentException($"No starting ARR is in {currency}; the report has {string.Join(", ", ByCurrency.Select(r => r.StartingArr.Currency))}.", nameof(currency));
}

/// <summary>Revenue retention in one currency.</summary>
/// <param name="StartingArr">ARR of the starting accounts at the start.</param>
/// <param name="Expansion">Their ARR at the end above their ARR at the start.</param>
/// <param name="Contraction">Their ARR at the end below their start, for those still customers.</param>
/// <param name="Churn">The starting ARR of those without ARR at the end.</param>
/// <param name="NewAndReactivated">ARR at the end of accounts that were not customers at the start (left out of every rate).</param>
/// <param name="GrossRevenueRetention">GRR, 0–1 (0 when nothing in this currency was there at the start).</param>
/// <param name="NetRevenueRetention">NRR, 0 or more.</param>
/// <param name="ExpansionRate">Expansion / starting ARR.</param>
public sealed record RevenueRetention(Money StartingArr, Money Expansion, Money Contraction, Money Churn, Money NewAndReactivated, double GrossRevenueRetention, double NetRevenueRetention, double ExpansionRate);

/// <summary>GRR and NRR in one currency with their bootstrap intervals (<see cref="RetentionMetrics.BootstrapIntervals"/>).</summary>
/// <param name="Currency">The currency.</param>
/// <param name="StartingAccounts">The accounts with revenue in it at the start.</param>
/// <param name="GrossRevenueRetention">GRR, as <see cref="RetentionMetrics.Compute"/> gives it.</param>
/// <param name="GrossLower">Its interval's lower bound.</param>
/// <param name="GrossUpper">Its interval's upper bound.</param>
/// <param name="NetRevenueRetention">NRR.</param>
/// <param name="NetLower">Its interval's lower bound.</param>
/// <param name="NetUpper">Its interval's upper bound.</param>
/// <param name="Resamples">The resamples drawn.</param>
/// <param name="ConfidenceLevel">The intervals' level.</param>
public sealed record RetentionInterval(CurrencyCode Currency, int StartingAccounts, double GrossRevenueRetention, double GrossLower, double GrossUpper, double NetRevenueRetention, double NetLower, double NetUpper, int Resamples, double ConfidenceLevel);
