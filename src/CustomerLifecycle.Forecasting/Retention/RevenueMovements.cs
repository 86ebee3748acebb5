using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// Where a month's recurring revenue came from and went, and how each monthly cohort of customers retained, from a
/// revenue ledger (<see cref="RevenueMovement"/>s, in MRR or ARR: the results are in the ledger's unit), per currency
/// (amounts in different currencies are never added). The ChartMogul and Baremetrics views, computed in your own code.
/// </summary>
/// <remarks>
/// The ledger is replayed in date order and checked as <see cref="RetentionMetrics.Compute"/> checks it (a movement
/// that does not fit the account's revenue at its date is refused, naming account, date and amounts). A movement
/// counts in the calendar month of its date; movements of one account within a month are not netted. Opening and
/// closing revenue are the sums of every account's revenue before and after the month's movements, so the month's
/// movements always add up to the change. O(m log m) for m movements.
/// </remarks>
public static class RevenueMovements
{
    /// <summary>Each month's movements per currency, from <paramref name="from"/> to <paramref name="through"/>.</summary>
    /// <param name="ledger">Every movement, in any order; movements before <paramref name="from"/> build the opening revenue.</param>
    /// <param name="from">The first month.</param>
    /// <param name="through">The last month; not before <paramref name="from"/>.</param>
    /// <returns>One row per month and currency of the ledger, months in order, currencies by code.</returns>
    /// <exception cref="ArgumentException">The months are reversed, or the ledger is inconsistent.</exception>
    /// <exception cref="CurrencyMismatchException">An account's movements use two currencies.</exception>
    public static IReadOnlyList<MonthlyRevenueMovements> ByMonth(IEnumerable<RevenueMovement> ledger, YearMonth from, YearMonth through)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (through < from)
        {
            throw new ArgumentException($"The months run from {from:uuuu-MM} to {through:uuuu-MM}; the last is before the first.", nameof(through));
        }

        var movements = Ordered(ledger);
        var currencies = movements.Select(m => m.Amount.Currency).Distinct().OrderBy(c => c.Code, StringComparer.Ordinal).ToArray();
        var revenue = new Dictionary<AccountId, Money>();
        var everCustomer = new HashSet<AccountId>();
        var rows = new List<MonthlyRevenueMovements>();
        var next = 0;
        var firstDay = from.OnDayOfMonth(1);
        for (; next < movements.Count && movements[next].Date < firstDay; next++)
        {
            RetentionMetrics.Apply(revenue, everCustomer, movements[next]);
        }

        for (var month = from; month <= through; month = month.PlusMonths(1))
        {
            var opening = Totals(revenue, currencies);
            var tallies = currencies.ToDictionary(c => c.Code, _ => new Tally(), StringComparer.Ordinal);
            var end = month.PlusMonths(1).OnDayOfMonth(1);
            for (; next < movements.Count && movements[next].Date < end; next++)
            {
                var m = movements[next];
                RetentionMetrics.Apply(revenue, everCustomer, m);
                tallies[m.Amount.Currency.Code].Add(m);
            }

            var closing = Totals(revenue, currencies);
            foreach (var currency in currencies)
            {
                var t = tallies[currency.Code];
                rows.Add(new MonthlyRevenueMovements(
                    month,
                    new Money(opening[currency.Code].Amount, currency),
                    new Money(t.Amounts[(int)RevenueMovementKind.New], currency),
                    new Money(t.Amounts[(int)RevenueMovementKind.Expansion], currency),
                    new Money(t.Amounts[(int)RevenueMovementKind.Reactivation], currency),
                    new Money(t.Amounts[(int)RevenueMovementKind.Contraction], currency),
                    new Money(t.Amounts[(int)RevenueMovementKind.Churn], currency),
                    new Money(closing[currency.Code].Amount, currency),
                    t.Counts[(int)RevenueMovementKind.New],
                    t.Counts[(int)RevenueMovementKind.Reactivation],
                    t.Counts[(int)RevenueMovementKind.Churn],
                    closing[currency.Code].Customers));
            }
        }

        return rows;
    }

    /// <summary>
    /// Monthly cohorts (customers by the month of their first <see cref="RevenueMovementKind.New"/> movement) × months
    /// since that start: how many are still customers (logo retention) and how much revenue they bring against their
    /// revenue at the end of their first month (revenue retention, net: expansion and reactivation count).
    /// </summary>
    /// <param name="ledger">Every movement, in any order.</param>
    /// <param name="through">The last month to measure.</param>
    /// <returns>One cohort per start month and currency, oldest first, each with a cell for month 0 to <paramref name="through"/>.</returns>
    /// <exception cref="ArgumentException">The ledger is inconsistent.</exception>
    /// <exception cref="CurrencyMismatchException">An account's movements use two currencies.</exception>
    public static IReadOnlyList<RevenueCohort> Cohorts(IEnumerable<RevenueMovement> ledger, YearMonth through)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var movements = Ordered(ledger);
        var revenue = new Dictionary<AccountId, Money>();
        var everCustomer = new HashSet<AccountId>();
        var cohortOf = new Dictionary<AccountId, (YearMonth Start, CurrencyCode Currency)>();
        var cohorts = new SortedDictionary<(YearMonth, string), Cohort>();
        if (movements.Count == 0)
        {
            return [];
        }

        var next = 0;
        for (var month = movements[0].Date.ToYearMonth(); month <= through; month = month.PlusMonths(1))
        {
            var end = month.PlusMonths(1).OnDayOfMonth(1);
            for (; next < movements.Count && movements[next].Date < end; next++)
            {
                var m = movements[next];
                RetentionMetrics.Apply(revenue, everCustomer, m);
                if (m.Kind == RevenueMovementKind.New)
                {
                    cohortOf[m.Account] = (month, m.Amount.Currency);
                    var key = (month, m.Amount.Currency.Code);
                    (cohorts.TryGetValue(key, out var c) ? c : cohorts[key] = new Cohort(month, m.Amount.Currency)).Members.Add(m.Account);
                }
            }

            // Each cohort's customers and revenue at the end of this month.
            foreach (var cohort in cohorts.Values)
            {
                decimal total = 0;
                var active = 0;
                foreach (var account in cohort.Members)
                {
                    var amount = revenue[account].Amount;
                    total += amount;
                    active += amount > 0 ? 1 : 0;
                }

                cohort.Cells.Add((active, total));
            }
        }

        return [.. cohorts.Values.Select(c => c.ToCohort())];
    }

    private static List<RevenueMovement> Ordered(IEnumerable<RevenueMovement> ledger)
    {
        var list = new List<RevenueMovement>();
        foreach (var m in ledger)
        {
            list.Add(m ?? throw new ArgumentNullException(nameof(ledger), "The ledger holds a null movement."));
        }

        // Stable: movements of one day keep the ledger's order.
        return [.. list.OrderBy(m => m.Date)];
    }

    private static Dictionary<string, (decimal Amount, int Customers)> Totals(Dictionary<AccountId, Money> revenue, CurrencyCode[] currencies)
    {
        var totals = currencies.ToDictionary(c => c.Code, _ => (0m, 0), StringComparer.Ordinal);
        foreach (var money in revenue.Values)
        {
            var (amount, customers) = totals[money.Currency.Code];
            totals[money.Currency.Code] = (amount + money.Amount, customers + (money.Amount > 0 ? 1 : 0));
        }

        return totals;
    }

    private sealed class Tally
    {
        public decimal[] Amounts { get; } = new decimal[5];

        public int[] Counts { get; } = new int[5];

        public void Add(RevenueMovement m)
        {
            Amounts[(int)m.Kind] += m.Amount.Amount;
            Counts[(int)m.Kind]++;
        }
    }

    private sealed class Cohort(YearMonth start, CurrencyCode currency)
    {
        public List<AccountId> Members { get; } = [];

        // From the cohort's first month on, one cell per month.
        public List<(int Active, decimal Revenue)> Cells { get; } = [];

        public RevenueCohort ToCohort()
        {
            var starting = Cells[0].Revenue;
            return new RevenueCohort(
                start,
                Members.Count,
                new Money(starting, currency),
                [.. Cells.Select((cell, k) => new RevenueCohortMonth(
                    k,
                    cell.Active,
                    new Money(cell.Revenue, currency),
                    (double)cell.Active / Members.Count,
                    starting == 0 ? double.NaN : (double)(cell.Revenue / starting)))]);
        }
    }
}

/// <summary>One month's revenue movements in one currency (<see cref="RevenueMovements.ByMonth"/>).</summary>
/// <param name="Month">The month.</param>
/// <param name="Opening">Revenue before the month's movements.</param>
/// <param name="New">From new customers.</param>
/// <param name="Expansion">Added by existing customers.</param>
/// <param name="Reactivation">From former customers back.</param>
/// <param name="Contraction">Lost by customers who stayed (positive).</param>
/// <param name="Churn">Lost with the customers who left (positive).</param>
/// <param name="Closing">Revenue after the month's movements.</param>
/// <param name="NewCustomers">New customers.</param>
/// <param name="ReactivatedCustomers">Former customers back.</param>
/// <param name="ChurnedCustomers">Customers who left.</param>
/// <param name="Customers">Customers with revenue at the month's end.</param>
public sealed record MonthlyRevenueMovements(YearMonth Month, Money Opening, Money New, Money Expansion, Money Reactivation, Money Contraction, Money Churn, Money Closing, int NewCustomers, int ReactivatedCustomers, int ChurnedCustomers, int Customers)
{
    /// <summary>The currency.</summary>
    public CurrencyCode Currency => Opening.Currency;

    /// <summary>New + expansion + reactivation − contraction − churn: the month's change, <see cref="Closing"/> − <see cref="Opening"/>.</summary>
    public Money NetNew => New + Expansion + Reactivation - Contraction - Churn;

    /// <summary>
    /// The SaaS quick ratio: revenue gained (new, expansion, reactivation) per unit lost (contraction, churn). Above 4 is
    /// efficient growth, below 1 shrinking. Positive infinity when nothing was lost and something gained; NaN when neither.
    /// </summary>
    public double QuickRatio
    {
        get
        {
            var gained = New.Amount + Expansion.Amount + Reactivation.Amount;
            var lost = Contraction.Amount + Churn.Amount;
            return lost == 0 ? (gained == 0 ? double.NaN : double.PositiveInfinity) : (double)(gained / lost);
        }
    }
}

/// <summary>A monthly cohort's retention (<see cref="RevenueMovements.Cohorts"/>).</summary>
/// <param name="Start">The month its customers first had revenue.</param>
/// <param name="Customers">Its customers.</param>
/// <param name="StartingRevenue">Their revenue at the end of that month.</param>
/// <param name="Months">Month 0 (the start) onwards.</param>
public sealed record RevenueCohort(YearMonth Start, int Customers, Money StartingRevenue, IReadOnlyList<RevenueCohortMonth> Months)
{
    /// <summary>The currency.</summary>
    public CurrencyCode Currency => StartingRevenue.Currency;
}

/// <summary>A cohort at some months after its start.</summary>
/// <param name="MonthsSinceStart">0 for the start month.</param>
/// <param name="ActiveCustomers">Its customers with revenue at the month's end.</param>
/// <param name="Revenue">Their revenue.</param>
/// <param name="LogoRetention">Active customers / the cohort's customers (below 1 in month 0 when some left within it).</param>
/// <param name="RevenueRetention">Revenue / the starting revenue: net, so above 1 when expansion outweighs losses; 1 in month 0; NaN when the starting revenue is 0.</param>
public sealed record RevenueCohortMonth(int MonthsSinceStart, int ActiveCustomers, Money Revenue, double LogoRetention, double RevenueRetention);
