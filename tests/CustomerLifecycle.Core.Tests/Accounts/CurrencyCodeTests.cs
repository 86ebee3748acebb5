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
    [InlineData("usd", "USD")]
    [InlineData("Eur", "EUR")]
    [InlineData("jPy", "JPY")]
    public void Constructor_AnyCase_IsNormalisedToTheIsoCode(string given, string code)
    {
        // Billing exports write currencies in lower case.
        Assert.Equal(code, new CurrencyCode(given).Code);
        Assert.Equal(new CurrencyCode(code), new CurrencyCode(given));
        Assert.True(CurrencyCode.TryParse(given, out var parsed));
        Assert.Equal(code, parsed.Code);
    }

    [Theory]
    [InlineData("usdx")]
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
        Assert.False(CurrencyCode.TryParse("gbx", out _));
        Assert.False(CurrencyCode.TryParse(null, out _));
    }
}
