namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class AccountIdTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" acme")]
    [InlineData("acme ")]
    public void Constructor_BadValue_Throws(string value) => Assert.Throws<ArgumentException>(() => new AccountId(value));

    [Fact]
    public void Constructor_Null_Throws() => Assert.Throws<ArgumentNullException>(() => new AccountId(null!));

    [Fact]
    public void Constructor_TooLong_ThrowsNamingTheLimit()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AccountId(new string('a', AccountId.MaxLength + 1)));
        Assert.Contains("256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_IsOrdinal()
    {
        Assert.Equal(new AccountId("acme"), new AccountId("acme"));
        Assert.NotEqual(new AccountId("acme"), new AccountId("ACME"));
        Assert.True(default(AccountId).IsEmpty);
    }
}
