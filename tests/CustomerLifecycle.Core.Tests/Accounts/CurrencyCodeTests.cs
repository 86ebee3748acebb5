namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class CurrencyCodeTests
{
    [Theory]
    [InlineData("USD")]
    [InlineData("EUR")]
    [InlineData("JPY")]
    [InlineData("CHF")]
    public void Constructor_IsoCode_Accepted(string code) => Assert.Equal(code, new CurrencyCode(code).Code);

    [Theory]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("DOLLAR")]
    [InlineData("")]
    [InlineData("ABC")]
    public void Constructor_NotAnIsoCode_Throws(string code)
    {
        var ex = Assert.Throws<ArgumentException>(() => new CurrencyCode(code));
        Assert.Contains($"'{code}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ReportsWithoutThrowing()
    {
        Assert.True(CurrencyCode.TryParse("GBP", out var gbp));
        Assert.Equal(CurrencyCode.Gbp, gbp);
        Assert.False(CurrencyCode.TryParse("gbp", out _));
        Assert.False(CurrencyCode.TryParse(null, out _));
    }
}
