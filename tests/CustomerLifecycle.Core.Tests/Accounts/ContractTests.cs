using NodaTime;

namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class ContractTests
{
    private static readonly Money Arr = new(120_000m, CurrencyCode.Usd);

    [Fact]
    public void Constructor_RenewalNotAfterStart_ThrowsNamingBothDates()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Contract(new LocalDate(2026, 3, 1), new LocalDate(2026, 3, 1), Arr));
        Assert.Contains("2026-03-01", ex.Message, StringComparison.Ordinal);
        Assert.Equal("renewalDate", ex.ParamName);
    }

    [Fact]
    public void Constructor_NegativeArr_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(-1m, "USD")));
        Assert.Contains("-1 USD", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ArrBeyondAQuadrillion_Throws_SoPortfolioTotalsStayExact()
    {
        var start = new LocalDate(2026, 1, 1);
        Assert.Equal(1e15m, new Contract(start, start.PlusYears(1), new Money(Contract.MaxAnnualRecurringRevenue, "USD")).AnnualRecurringRevenue.Amount);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Contract(start, start.PlusYears(1), new Money(Contract.MaxAnnualRecurringRevenue + 0.01m, "USD")));
        Assert.Contains("ARR is from zero to 1,000,000,000,000,000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NegativeSeats_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), Arr, -5));

    [Fact]
    public void RenewalWindow_Is90DaysBeforeRenewalInclusive()
    {
        var contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), Arr);
        var window = Period.FromDays(90);
        Assert.False(contract.IsInRenewalWindow(new LocalDate(2026, 10, 2), window));
        Assert.True(contract.IsInRenewalWindow(new LocalDate(2026, 10, 3), window));
        Assert.True(contract.IsInRenewalWindow(new LocalDate(2027, 1, 1), window));
        Assert.False(contract.IsInRenewalWindow(new LocalDate(2027, 1, 2), window));
        Assert.Equal(90, contract.DaysUntilRenewal(new LocalDate(2026, 10, 3)));
    }

    [Fact]
    public void MonthlyRecurringRevenue_IsArrOverTwelve() =>
        Assert.Equal(new Money(10_000m, "USD"), new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), Arr).MonthlyRecurringRevenue);
}
