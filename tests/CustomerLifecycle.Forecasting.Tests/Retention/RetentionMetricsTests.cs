using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Retention;

/// <summary>
/// The standard definitions (as in SaaS Capital's and KeyBanc's SaaS surveys): only customers with ARR at the start
/// count; GRR = (start − contraction − churn)/start; NRR adds expansion; new customers are left out. The expected
/// numbers below are worked by hand from those formulas, with GRR = Σ min(end, start) / Σ start per starting account.
/// </summary>
public sealed class RetentionMetricsTests
{
    private static readonly LocalDate Start = new(2026, 1, 1);
    private static readonly LocalDate End = new(2027, 1, 1);

    private static RevenueMovement M(string account, int month, RevenueMovementKind kind, decimal amount, string currency = "USD", int year = 2026) =>
        new(new AccountId(account), new LocalDate(year, month, 1), kind, new Money(amount, currency));

    private static List<RevenueMovement> Ledger() =>
    [
        M("a", 1, RevenueMovementKind.New, 100, year: 2025),
        M("b", 2, RevenueMovementKind.New, 200, year: 2025),
        M("c", 3, RevenueMovementKind.New, 50, year: 2025),
        M("d", 4, RevenueMovementKind.New, 30, year: 2025),
        M("a", 3, RevenueMovementKind.Expansion, 20),
        M("b", 4, RevenueMovementKind.Contraction, 50),
        M("c", 5, RevenueMovementKind.Churn, 50),
        M("e", 6, RevenueMovementKind.New, 500),
        M("d", 7, RevenueMovementKind.Churn, 30),
        M("d", 9, RevenueMovementKind.Reactivation, 40),
        M("a", 1, RevenueMovementKind.Expansion, 999, year: 2027), // after the period
    ];

    [Fact]
    public void GrrNrrLogoChurnAndExpansion_FollowTheStandardDefinitions()
    {
        var report = RetentionMetrics.Compute(Ledger(), Start, End);
        var usd = report[CurrencyCode.Usd];
        Assert.Equal(380m, usd.StartingArr.Amount);
        // a 100 → 120, b 200 → 150, c 50 → 0, d 30 → 0 → 40 (left and came back: not churned), e new.
        Assert.Equal((30m, 50m, 50m, 500m), (usd.Expansion.Amount, usd.Contraction.Amount, usd.Churn.Amount, usd.NewAndReactivated.Amount));
        Assert.Equal(280.0 / 380, usd.GrossRevenueRetention, 1e-12);
        Assert.Equal(310.0 / 380, usd.NetRevenueRetention, 1e-12);
        Assert.Equal(30.0 / 380, usd.ExpansionRate, 1e-12);
        Assert.Equal((4, 1, 0.25), (report.StartingAccounts, report.ChurnedAccounts, report.LogoChurnRate));
    }

    [Fact]
    public void Currencies_AreReportedSeparately_NeverSummed()
    {
        var ledger = Ledger();
        ledger.Add(M("x", 1, RevenueMovementKind.New, 1000, "EUR", 2025));
        ledger.Add(M("x", 6, RevenueMovementKind.Expansion, 500, "EUR"));
        var report = RetentionMetrics.Compute(ledger, Start, End);
        Assert.Equal(["EUR", "USD"], report.ByCurrency.Select(r => r.StartingArr.Currency.Code));
        Assert.Equal(1.5, report[CurrencyCode.Eur].NetRevenueRetention);
        Assert.Equal(1.0, report[CurrencyCode.Eur].GrossRevenueRetention);
        Assert.Throws<ArgumentException>(() => report[CurrencyCode.Gbp]);
        ledger.Add(M("x", 7, RevenueMovementKind.Expansion, 5, "USD"));
        Assert.Throws<CurrencyMismatchException>(() => RetentionMetrics.Compute(ledger, Start, End));
    }

    [Theory]
    [InlineData("b", RevenueMovementKind.Contraction, 200, "a contraction must leave ARR above zero")]
    [InlineData("b", RevenueMovementKind.Churn, 100, "a churn removes the whole ARR, which was 150 USD")]
    [InlineData("b", RevenueMovementKind.New, 10, "already a customer")]
    [InlineData("z", RevenueMovementKind.Expansion, 10, "the account has no ARR then")]
    [InlineData("z", RevenueMovementKind.Reactivation, 10, "only a former customer")]
    [InlineData("b", RevenueMovementKind.Expansion, -10, "must be positive")]
    public void InconsistentLedgers_AreRefusedNamingTheMovement(string account, RevenueMovementKind kind, decimal amount, string message)
    {
        var ledger = Ledger();
        ledger.Add(M(account, 11, kind, amount));
        var e = Assert.Throws<ArgumentException>(() => RetentionMetrics.Compute(ledger, Start, End));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{account}' on 2026-11-01", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyPeriodsAndCohorts_AreRefused()
    {
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => RetentionMetrics.Compute(Ledger(), Start, Start)).Message, StringComparison.Ordinal);
        Assert.Contains("No account had ARR", Assert.Throws<ArgumentException>(() => RetentionMetrics.Compute(Ledger(), new LocalDate(2020, 1, 1), new LocalDate(2021, 1, 1))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NetPromoterScoreAndCsat_CountAnswers()
    {
        var nps = NetPromoterScore.FromResponses([10, 9, 8, 7, 6, 0, 10]);
        Assert.Equal((3, 2, 2, 7), (nps.Promoters, nps.Passives, nps.Detractors, nps.Responses));
        Assert.Equal(100.0 / 7, nps.Score, 1e-12);
        Assert.Equal(-100, NetPromoterScore.FromResponses([0, 6]).Score);
        Assert.Contains("responses[1] = 11", Assert.Throws<ArgumentException>(() => NetPromoterScore.FromResponses([10, 11])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => NetPromoterScore.FromResponses([]));

        var csat = CustomerSatisfaction.FromRatings([5, 4, 3, 1]);
        Assert.Equal(50, csat.Score);
        Assert.Contains("ratings[0] = 0", Assert.Throws<ArgumentException>(() => CustomerSatisfaction.FromRatings([0])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CustomerSatisfaction.FromRatings([], 5, 4));
        Assert.Throws<ArgumentException>(() => CustomerSatisfaction.FromRatings([3], 5, 6));
    }
}
