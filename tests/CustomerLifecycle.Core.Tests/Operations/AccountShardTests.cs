using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Core.Tests.Operations;

/// <summary>An account's shard: stable across versions and machines (the published FNV-1a vectors), one shard per account for every count.</summary>
public sealed class AccountShardTests
{
    // The 64-bit FNV-1a test vectors of the algorithm's authors (Fowler, Noll, Vo: "FNV hash test vectors",
    // http://www.isthe.com/chongo/tech/comp/fnv/, test_fnv.c): the shard of a stored account never changes.
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void TheHash_IsFnv1a64_OfTheUtf8Bytes(string text, ulong expected) => Assert.Equal(expected, AccountShard.Hash(text));

    [Fact]
    public void AnAccountsShard_IsTheHashModuloTheCount_PinnedForIdsOfEveryKind()
    {
        // UTF-8, not UTF-16: "é" is two bytes; a surrogate pair four.
        Assert.Equal(AccountShard.Hash("\u00e9"), Fnv(0xc3, 0xa9));
        Assert.Equal(AccountShard.Hash("\U0001F600"), Fnv(0xf0, 0x9f, 0x98, 0x80));
        Assert.Equal((int)(0xaf63dc4c8601ec8cUL % 16), AccountShard.Of(new AccountId("a"), 16));
        Assert.Equal(0, AccountShard.Of(new AccountId("a"), 1));
    }

    [Fact]
    public void EveryAccount_IsInExactlyOneShard_OfEveryCount()
    {
        var id = Gen.Frequency(
            (3, Gen.Choose(0, int.MaxValue).Select(i => $"acct-{i}")),
            (1, Gen.Elements("x", "\u00e9t\u00e9", "\U0001F600", "\u4e2d\u6587", new string('z', AccountId.MaxLength))));
        var count = Gen.Frequency((3, Gen.Choose(1, 64)), (1, Gen.Elements(1, 2, 4095, AccountShard.MaxCount)));
        Prop.ForAll(id.ToArbitrary(), count.ToArbitrary(), (text, n) =>
        {
            var account = new AccountId(text);
            var holders = Enumerable.Range(0, n).Count(i => new AccountShard(i, n).Contains(account));
            return holders == 1 && new AccountShard(AccountShard.Of(account, n), n).Contains(account);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void TenThousandIds_SpreadOverSixteenShards_WithinTenPercentOfEven()
    {
        var sizes = Enumerable.Range(0, 10_000).GroupBy(i => AccountShard.Of(new AccountId($"acct-{i}"), 16)).Select(g => g.Count()).ToArray();
        Assert.Equal(16, sizes.Length);
        Assert.All(sizes, s => Assert.InRange(s, 562, 688));
    }

    [Fact]
    public void AShardOutOfRange_IsRefused_SayingTheRange()
    {
        Assert.Contains("1 to 4096", Assert.Throws<ArgumentOutOfRangeException>(() => new AccountShard(0, 0)).Message, StringComparison.Ordinal);
        Assert.Contains("numbered 0 to 3", Assert.Throws<ArgumentOutOfRangeException>(() => new AccountShard(4, 4)).Message, StringComparison.Ordinal);
        Assert.Equal(("0/1", true), (default(AccountShard).ToString(), default(AccountShard).IsAll));
        Assert.Equal("3/16", new AccountShard(3, 16).ToString());
    }

    private static ulong Fnv(params byte[] bytes)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 0x100000001b3UL;
        }

        return hash;
    }
}
