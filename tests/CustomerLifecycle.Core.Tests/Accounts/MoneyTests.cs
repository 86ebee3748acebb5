using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class MoneyTests
{
    private static readonly CurrencyCode Usd = CurrencyCode.Usd;

    [Fact]
    public void Add_SameCurrency_AddsAmounts()
    {
        var sum = new Money(100.25m, Usd) + new Money(0.75m, Usd);
        Assert.Equal(new Money(101.00m, Usd), sum);
        Assert.Equal("USD", sum.Currency.Code);
    }

    [Fact]
    public void Add_DifferentCurrencies_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<CurrencyMismatchException>(() => new Money(1m, "USD") + new Money(1m, "EUR"));
        Assert.Contains("USD", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EUR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DifferentCurrencies_Throws()
    {
        Assert.Throws<CurrencyMismatchException>(() => new Money(1m, "USD") < new Money(2m, "GBP"));
    }

    [Fact]
    public void Add_DefaultMoney_ThrowsInsteadOfTreatingAsZero()
    {
        Assert.Throws<CurrencyMismatchException>(() => default(Money) + new Money(1m, "USD"));
    }

    [Fact]
    public void Add_BeyondDecimalRange_ThrowsOverflow()
    {
        Assert.Throws<OverflowException>(() => new Money(decimal.MaxValue, Usd) + new Money(1m, Usd));
    }

    [Fact]
    public void Constructor_UnknownCurrency_ThrowsNamingTheCode()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Money(1m, "EUD"));
        Assert.Contains("EUD", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_UsesInvariantCulture()
    {
        Assert.Equal("1234.5 EUR", new Money(1234.5m, "EUR").ToString());
    }

    [Fact]
    public void Addition_WithinCurrency_IsAssociativeAndCommutative()
    {
        var gen = from c in DomainGenerators.Currency()
                  from a in DomainGenerators.Money(c)
                  from b in DomainGenerators.Money(c)
                  from d in DomainGenerators.Money(c)
                  select (a, b, d);
        Prop.ForAll(gen.ToArbitrary(), t =>
                (t.a + t.b) + t.d == t.a + (t.b + t.d)
                && t.a + t.b == t.b + t.a
                && (t.a + t.b) - t.b == t.a)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void Arithmetic_AcrossCurrencies_AlwaysThrows()
    {
        var gen = from a in DomainGenerators.Money()
                  from b in DomainGenerators.Money()
                  where a.Currency != b.Currency
                  select (a, b);
        Prop.ForAll(gen.ToArbitrary(), t =>
                Throws(() => _ = t.a + t.b) && Throws(() => _ = t.a - t.b) && Throws(() => _ = t.a.CompareTo(t.b)))
            .QuickCheckThrowOnFailure();

        static bool Throws(Action action)
        {
            try
            {
                action();
                return false;
            }
            catch (CurrencyMismatchException)
            {
                return true;
            }
        }
    }
}
