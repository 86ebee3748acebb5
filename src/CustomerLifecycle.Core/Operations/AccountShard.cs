using System.Text;

namespace CustomerLifecycle;

/// <summary>
/// One of <see cref="Count"/> parts of a portfolio, by a stable hash of the account id: the accounts whose
/// <see cref="Of(AccountId, int)"/> is <see cref="Index"/>. Every account is in exactly one shard of a count, on every
/// machine, in every process and every version of the package: the hash is the 64-bit FNV-1a of the id's UTF-8 bytes,
/// and the shard is that number modulo the count (so a source can compute it where the accounts are). The daily
/// pipeline in <c>CustomerLifecycle.Hosting</c> runs a date shard by shard, on as many instances as claim them.
/// </summary>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
public readonly record struct AccountShard
{
    /// <summary>The most shards a portfolio may be split into.</summary>
    public const int MaxCount = 4096;

    private readonly int _count;

    /// <summary>Creates a shard.</summary>
    /// <param name="index">Which shard, from 0 to <paramref name="count"/> − 1.</param>
    /// <param name="count">How many shards, from 1 to <see cref="MaxCount"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The count or the index is out of range; the message says which.</exception>
    public AccountShard(int index, int count)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A portfolio is split into 1 to {MaxCount} shards.");
        }

        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"A shard of {count} is numbered 0 to {count - 1}.");
        }

        Index = index;
        _count = count;
    }

    /// <summary>The whole portfolio: shard 0 of 1.</summary>
    public static AccountShard All { get; } = new(0, 1);

    /// <summary>Which shard, from 0.</summary>
    public int Index { get; }

    /// <summary>How many shards the portfolio is split into (1 for <c>default</c>).</summary>
    public int Count => _count == 0 ? 1 : _count;

    /// <summary>Whether this shard is the whole portfolio (a count of 1).</summary>
    public bool IsAll => Count == 1;

    /// <summary>Whether an account is in this shard.</summary>
    /// <param name="account">The account.</param>
    /// <returns>True when <see cref="Of(AccountId, int)"/> gives <see cref="Index"/>.</returns>
    public bool Contains(AccountId account) => Count == 1 || Of(account, Count) == Index;

    /// <summary>The shard of an account among <paramref name="count"/>: FNV-1a (64-bit) of the id's UTF-8 bytes, modulo the count.</summary>
    /// <param name="account">The account.</param>
    /// <param name="count">How many shards, from 1 to <see cref="MaxCount"/>.</param>
    /// <returns>The shard's index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The count is out of range.</exception>
    public static int Of(AccountId account, int count)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A portfolio is split into 1 to {MaxCount} shards.");
        }

        return (int)(Hash(account.Value) % (ulong)count);
    }

    /// <summary>The 64-bit FNV-1a hash of a text's UTF-8 bytes (offset basis 14695981039346656037, prime 1099511628211).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The hash.</returns>
    public static ulong Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // An account id is at most 256 characters: at most 768 UTF-8 bytes (a surrogate pair is 2 characters, 4 bytes).
        Span<byte> buffer = text.Length <= 256 ? stackalloc byte[768] : new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var length = Encoding.UTF8.GetBytes(text, buffer);
        var hash = 14695981039346656037UL;
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The shard as <c>index/count</c>, counted from 0 (<c>3/16</c>).</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Index}/{Count}";
}
