using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Retention;

/// <summary>
/// Monthly movements, the quick ratio and cohort tables on a ledger worked by hand (the figures in the comments), their
/// invariants on random ledgers, and the bootstrap intervals of GRR and NRR against the textbook standard error of a
/// ratio estimator (Cochran, Sampling Techniques, 3rd ed., 1977, §6.3: Var(R̂) ≈ Σ(yᵢ − R̂xᵢ)² / (n(n − 1) x̄²)).
/// </summary>
public sealed class RevenueMovementsTests
{
    private static RevenueMovement M(string account, int month, int day, RevenueMovementKind kind, decimal amount, string currency = "USD") =>
        new(new AccountId(account), new LocalDate(2026, month, day), kind, new Money(amount, currency));

    // a: new 100 (Jan), +50 (Feb), churns 150 (Mar). b: new 200 (Jan), −50 (Mar). c: new 80 and churns (Feb), back
    // with 60 (Mar). d: new 1,000 EUR (Feb).
    private static readonly RevenueMovement[] Ledger =
    [
        M("a", 1, 5, RevenueMovementKind.New, 100), M("b", 1, 20, RevenueMovementKind.New, 200),
        M("a", 2, 10, RevenueMovementKind.Expansion, 50), M("c", 2, 1, RevenueMovementKind.New, 80), M("c", 2, 20, RevenueMovementKind.Churn, 80),
        M("d", 2, 2, RevenueMovementKind.New, 1000, "EUR"),
        M("a", 3, 3, RevenueMovementKind.Churn, 150), M("b", 3, 15, RevenueMovementKind.Contraction, 50), M("c", 3, 25, RevenueMovementKind.Reactivation, 60),
    ];

    [Fact]
    public void ByMonth_GivesEachMonthsMovementsPerCurrency_AsWorkedByHand()
    {
        var rows = RevenueMovements.ByMonth(Ledger.AsEnumerable().Reverse(), new YearMonth(2026, 1), new YearMonth(2026, 3));
        Assert.Equal(6, rows.Count); // three months × EUR, USD
        string Row(MonthlyRevenueMovements r) => $"{r.Month:uuuu-MM} {r.Currency.Code} open {r.Opening.Amount} new {r.New.Amount} exp {r.Expansion.Amount} react {r.Reactivation.Amount} contr {r.Contraction.Amount} churn {r.Churn.Amount} close {r.Closing.Amount} customers +{r.NewCustomers} ↺{r.ReactivatedCustomers} −{r.ChurnedCustomers} = {r.Customers}";
        Assert.Equal(
            [
                "2026-01 EUR open 0 new 0 exp 0 react 0 contr 0 churn 0 close 0 customers +0 ↺0 −0 = 0",
                "2026-01 USD open 0 new 300 exp 0 react 0 contr 0 churn 0 close 300 customers +2 ↺0 −0 = 2",
                "2026-02 EUR open 0 new 1000 exp 0 react 0 contr 0 churn 0 close 1000 customers +1 ↺0 −0 = 1",
                "2026-02 USD open 300 new 80 exp 50 react 0 contr 0 churn 80 close 350 customers +1 ↺0 −1 = 2",
                "2026-03 EUR open 1000 new 0 exp 0 react 0 contr 0 churn 0 close 1000 customers +0 ↺0 −0 = 1",
                "2026-03 USD open 350 new 0 exp 0 react 60 contr 50 churn 150 close 210 customers +0 ↺1 −1 = 2",
            ],
            rows.Select(Row));

        // Quick ratio: (new + expansion + reactivation) / (contraction + churn).
        Assert.Equal([double.NaN, double.PositiveInfinity, double.PositiveInfinity, 130 / 80.0, double.NaN, 60 / 200.0], rows.Select(r => r.QuickRatio));
        Assert.Equal(new Money(-140, "USD"), rows[5].NetNew);
    }

    [Fact]
    public void Cohorts_GiveLogoAndRevenueRetentionByMonthsSinceStart_AsWorkedByHand()
    {
        var cohorts = RevenueMovements.Cohorts(Ledger, new YearMonth(2026, 3));
        string Cell(RevenueCohortMonth m) => $"{m.MonthsSinceStart}: {m.ActiveCustomers} {m.Revenue.Amount} {m.LogoRetention:0.###} {m.RevenueRetention:0.###}";

        // January, USD: a and b, 300 at the end of January; 350 in February; b alone with 150 in March.
        var january = cohorts[0];
        Assert.Equal((new YearMonth(2026, 1), "USD", 2, 300m), (january.Start, january.Currency.Code, january.Customers, january.StartingRevenue.Amount));
        Assert.Equal(["0: 2 300 1 1", "1: 2 350 1 1.167", "2: 1 150 0.5 0.5"], january.Months.Select(Cell));

        // February: d in EUR; c in USD, gone by the end of its first month (no starting revenue), back in March.
        Assert.Equal(["0: 1 1000 1 1", "1: 1 1000 1 1"], cohorts.Single(c => c.Currency.Code == "EUR").Months.Select(Cell));
        Assert.Equal(["0: 0 0 0 NaN", "1: 1 60 1 NaN"], cohorts.Single(c => c.Start == new YearMonth(2026, 2) && c.Currency.Code == "USD").Months.Select(Cell));
        Assert.Equal(3, cohorts.Count);
        Assert.Empty(RevenueMovements.Cohorts([], new YearMonth(2026, 3)));
    }

    [Fact]
    public void AnInconsistentLedger_OrReversedMonths_AreRefused()
    {
        var churnTooMuch = Assert.Throws<ArgumentException>(() => RevenueMovements.ByMonth([M("a", 1, 5, RevenueMovementKind.New, 100), M("a", 2, 1, RevenueMovementKind.Churn, 90)], new YearMonth(2026, 1), new YearMonth(2026, 2)));
        Assert.Contains("a churn removes the whole ARR, which was 100", churnTooMuch.Message, StringComparison.Ordinal);
        Assert.Contains("the last is before the first", Assert.Throws<ArgumentException>(() => RevenueMovements.ByMonth(Ledger, new YearMonth(2026, 3), new YearMonth(2026, 1))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnRandomLedgers_AMonthsMovementsAddUpToItsChange_AndEachCohortStartsAtFullRevenue()
    {
        var step = RandomLedgers.Step(accounts: 8, days: 400);
        Prop.ForAll(Gen.ListOf(step).ToArbitrary(), steps =>
        {
            var ledger = RandomLedgers.Valid(steps, new LocalDate(2025, 12, 1), account => account % 3 == 0 ? "EUR" : "USD");
            var rows = RevenueMovements.ByMonth(ledger, new YearMonth(2025, 12), new YearMonth(2027, 2));
            var consistent = rows.All(r => r.Opening + r.NetNew == r.Closing && r.Closing.Amount >= 0)
                && rows.GroupBy(r => r.Currency.Code).All(g => g.Zip(g.Skip(1)).All(p => p.First.Closing == p.Second.Opening));
            var cohorts = RevenueMovements.Cohorts(ledger, new YearMonth(2027, 2));
            return consistent
                && cohorts.All(c => c.Months.All(m => m.LogoRetention is >= 0 and <= 1) && (c.StartingRevenue.Amount == 0 || c.Months[0].RevenueRetention == 1))
                && cohorts.Sum(c => c.Customers) == ledger.Count(m => m.Kind == RevenueMovementKind.New);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void BootstrapIntervals_AreSeeded_HoldTheEstimate_AndMatchTheRatioEstimatorsStandardError()
    {
        // 400 accounts with 1,000–50,000 at the start; each ends with a share of it from 0 (churned) to 1.6.
        var random = new Random(5);
        var ledger = new List<RevenueMovement>();
        for (var i = 0; i < 400; i++)
        {
            var start = random.Next(1_000, 50_000);
            var ratio = random.NextDouble() < 0.1 ? 0 : 0.4 + (1.2 * random.NextDouble());
            var end = Math.Round(start * (decimal)ratio);
            ledger.Add(new RevenueMovement(new AccountId($"a{i}"), new LocalDate(2025, 6, 1), RevenueMovementKind.New, new Money(start, "USD")));
            if (end == 0)
            {
                ledger.Add(new RevenueMovement(new AccountId($"a{i}"), new LocalDate(2026, 6, 1), RevenueMovementKind.Churn, new Money(start, "USD")));
            }
            else if (end != start)
            {
                ledger.Add(new RevenueMovement(new AccountId($"a{i}"), new LocalDate(2026, 6, 1), end > start ? RevenueMovementKind.Expansion : RevenueMovementKind.Contraction, new Money(Math.Abs(end - start), "USD")));
            }
        }

        var (from, to) = (new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1));
        var interval = Assert.Single(RetentionMetrics.BootstrapIntervals(ledger, from, to, resamples: 4000, seed: 42));
        Assert.Equal(interval, Assert.Single(RetentionMetrics.BootstrapIntervals(ledger, from, to, resamples: 4000, seed: 42)));
        Assert.NotEqual(interval, Assert.Single(RetentionMetrics.BootstrapIntervals(ledger, from, to, resamples: 4000, seed: 43)));

        var report = RetentionMetrics.Compute(ledger, from, to).ByCurrency[0];
        Assert.Equal(report.GrossRevenueRetention, interval.GrossRevenueRetention, 1e-12);
        Assert.Equal(report.NetRevenueRetention, interval.NetRevenueRetention, 1e-12);
        Assert.InRange(interval.GrossRevenueRetention, interval.GrossLower, interval.GrossUpper);
        Assert.InRange(interval.NetRevenueRetention, interval.NetLower, interval.NetUpper);
        Assert.True(interval.GrossUpper <= 1);

        // The interval's half-width over 1.96 is the standard error; Cochran's ratio-estimator formula gives it too.
        var starts = ledger.Where(m => m.Kind == RevenueMovementKind.New).Select(m => (double)m.Amount.Amount).ToArray();
        var ends = starts.Select((s, i) => (double)ledger.Where(m => m.Account == new AccountId($"a{i}")).Sum(m => m.Kind switch { RevenueMovementKind.New or RevenueMovementKind.Expansion => m.Amount.Amount, _ => -m.Amount.Amount })).ToArray();
        double Cochran(double[] y)
        {
            var r = y.Sum() / starts.Sum();
            var n = starts.Length;
            var mean = starts.Average();
            return Math.Sqrt(y.Select((v, i) => Math.Pow(v - (r * starts[i]), 2)).Sum() / (n * (n - 1.0)) / (mean * mean));
        }

        Assert.InRange((interval.NetUpper - interval.NetLower) / (2 * 1.96) / Cochran(ends), 0.9, 1.1);
        Assert.InRange((interval.GrossUpper - interval.GrossLower) / (2 * 1.96) / Cochran([.. ends.Select((e, i) => Math.Min(e, starts[i]))]), 0.9, 1.1);
    }

    [Fact]
    public void BootstrapIntervals_AreAPointWhenEveryAccountRetainsAlike_AndRefuseBadArguments()
    {
        RevenueMovement[] ledger =
        [
            new(new AccountId("a"), new LocalDate(2025, 1, 1), RevenueMovementKind.New, new Money(100, "USD")),
            new(new AccountId("b"), new LocalDate(2025, 1, 1), RevenueMovementKind.New, new Money(300, "USD")),
            new(new AccountId("a"), new LocalDate(2026, 3, 1), RevenueMovementKind.Expansion, new Money(10, "USD")),
            new(new AccountId("b"), new LocalDate(2026, 3, 1), RevenueMovementKind.Expansion, new Money(30, "USD")),
        ];
        var interval = Assert.Single(RetentionMetrics.BootstrapIntervals(ledger, new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1)));
        Assert.Equal((1.1, 1.1, 1.1), (Math.Round(interval.NetLower, 12), Math.Round(interval.NetRevenueRetention, 12), Math.Round(interval.NetUpper, 12)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetentionMetrics.BootstrapIntervals(ledger, new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), resamples: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetentionMetrics.BootstrapIntervals(ledger, new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), confidenceLevel: 1));
    }

    [Fact]
    public void BootstrapIntervals_AreTheSameForAnyOrderOfTheLedger()
    {
        // Issue 30: four accounts won on one day, seed 1, 1,000 resamples gave GRR [0.2609, 1] in ledger order and
        // [0.2573, 1] reversed. Any permutation of the same ledger must give the same interval for a seed.
        var gen = from n in Gen.Choose(1, 12)
                  from accounts in Gen.ArrayOf(
                      from amount in Gen.Choose(1, 100_000)
                      from won in Gen.Choose(0, 2)
                      from change in Gen.Choose(0, 3)
                      from share in Gen.Choose(1, 99)
                      select (amount, won, change, share),
                      n)
                  from order in Gen.Choose(0, int.MaxValue)
                  from seed in Gen.Choose(1, 1000)
                  select (accounts, order, seed);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ledger = new List<RevenueMovement>();
            for (var i = 0; i < t.accounts.Length; i++)
            {
                var (amount, won, change, share) = t.accounts[i];
                var id = new AccountId($"acct-{i}");
                ledger.Add(new(id, new LocalDate(2025, 12, 1).PlusDays(won), RevenueMovementKind.New, new Money(amount, "USD")));
                var moved = Math.Max(1, amount * share / 100);
                switch (change)
                {
                    case 1:
                        ledger.Add(new(id, new LocalDate(2026, 6, 1), RevenueMovementKind.Churn, new Money(amount, "USD")));
                        break;
                    case 2 when moved < amount:
                        ledger.Add(new(id, new LocalDate(2026, 6, 1), RevenueMovementKind.Contraction, new Money(moved, "USD")));
                        break;
                    case 3:
                        ledger.Add(new(id, new LocalDate(2026, 6, 1), RevenueMovementKind.Expansion, new Money(moved, "USD")));
                        break;
                }
            }

            var (from, to) = (new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1));
            var inOrder = RetentionMetrics.BootstrapIntervals(ledger, from, to, resamples: 200, seed: (ulong)t.seed);
            var random = new Random(t.order);
            var shuffled = ledger.OrderBy(_ => random.Next()).ToList();
            var reversed = Enumerable.Reverse(ledger).ToList();
            return inOrder.SequenceEqual(RetentionMetrics.BootstrapIntervals(shuffled, from, to, resamples: 200, seed: (ulong)t.seed))
                && inOrder.SequenceEqual(RetentionMetrics.BootstrapIntervals(reversed, from, to, resamples: 200, seed: (ulong)t.seed));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300))));
    }
}
