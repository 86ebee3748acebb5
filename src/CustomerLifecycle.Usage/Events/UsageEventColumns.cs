using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// Usage events in columns, for bulk loads: per event an index into the account, user and name tables, the instant
/// and the quantity. Columns carry no ids and are not de-duplicated: load each event once (a backfill from a warehouse
/// that already de-duplicates). Bad events are refused one by one, as with <see cref="UsageEvent"/>.
/// </summary>
public readonly ref struct UsageEventColumns
{
    /// <summary>Creates the columns; every span has one entry per event.</summary>
    /// <param name="accounts">The account table.</param>
    /// <param name="users">The user table.</param>
    /// <param name="names">The event-name table.</param>
    /// <param name="account">Per event, an index into <paramref name="accounts"/>.</param>
    /// <param name="user">Per event, an index into <paramref name="users"/>.</param>
    /// <param name="name">Per event, an index into <paramref name="names"/>.</param>
    /// <param name="at">Per event, its instant.</param>
    /// <param name="quantity">Per event, its quantity; empty for 1 each.</param>
    /// <exception cref="ArgumentNullException">A table is null.</exception>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public UsageEventColumns(
        IReadOnlyList<AccountId> accounts,
        IReadOnlyList<string> users,
        IReadOnlyList<string> names,
        ReadOnlySpan<int> account,
        ReadOnlySpan<int> user,
        ReadOnlySpan<int> name,
        ReadOnlySpan<Instant> at,
        ReadOnlySpan<double> quantity = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(names);
        var n = account.Length;
        if (user.Length != n || name.Length != n || at.Length != n || (!quantity.IsEmpty && quantity.Length != n))
        {
            throw new ArgumentException(
                $"Usage event columns must have one entry per event: account {n}, user {user.Length}, name {name.Length}, at {at.Length}, quantity {quantity.Length} (or empty).",
                nameof(account));
        }

        Accounts = accounts;
        Users = users;
        Names = names;
        Account = account;
        User = user;
        Name = name;
        At = at;
        Quantity = quantity;
    }

    /// <summary>
    /// Creates the columns with users given by the host's stable integer keys (its user ids, or hashes of them) instead
    /// of names: a key is looked up, not interned as text, so ten million users cost no string per day. A key and a
    /// name are never the same user; use one or the other for a product.
    /// </summary>
    /// <param name="accounts">The account table.</param>
    /// <param name="names">The event-name table.</param>
    /// <param name="account">Per event, an index into <paramref name="accounts"/>.</param>
    /// <param name="userKey">Per event, its user's key.</param>
    /// <param name="name">Per event, an index into <paramref name="names"/>.</param>
    /// <param name="at">Per event, its instant.</param>
    /// <param name="quantity">Per event, its quantity; empty for 1 each.</param>
    /// <exception cref="ArgumentNullException">A table is null.</exception>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public UsageEventColumns(
        IReadOnlyList<AccountId> accounts,
        IReadOnlyList<string> names,
        ReadOnlySpan<int> account,
        ReadOnlySpan<long> userKey,
        ReadOnlySpan<int> name,
        ReadOnlySpan<Instant> at,
        ReadOnlySpan<double> quantity = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(names);
        var n = account.Length;
        if (userKey.Length != n || name.Length != n || at.Length != n || (!quantity.IsEmpty && quantity.Length != n))
        {
            throw new ArgumentException(
                $"Usage event columns must have one entry per event: account {n}, user key {userKey.Length}, name {name.Length}, at {at.Length}, quantity {quantity.Length} (or empty).",
                nameof(account));
        }

        Accounts = accounts;
        Users = [];
        Names = names;
        Account = account;
        UserKey = userKey;
        HasUserKeys = true;
        Name = name;
        At = at;
        Quantity = quantity;
    }

    /// <summary>The account table.</summary>
    public IReadOnlyList<AccountId> Accounts { get; }

    /// <summary>The user table.</summary>
    public IReadOnlyList<string> Users { get; }

    /// <summary>The event-name table.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Per event, an index into <see cref="Accounts"/>.</summary>
    public ReadOnlySpan<int> Account { get; }

    /// <summary>Per event, an index into <see cref="Users"/>; empty when the users are given by key.</summary>
    public ReadOnlySpan<int> User { get; }

    /// <summary>Per event, its user's key, when the users are given by key (<see cref="HasUserKeys"/>); else empty.</summary>
    public ReadOnlySpan<long> UserKey { get; }

    /// <summary>Whether the users are given by key (<see cref="UserKey"/>) rather than by index into <see cref="Users"/>.</summary>
    public bool HasUserKeys { get; }

    /// <summary>Per event, an index into <see cref="Names"/>.</summary>
    public ReadOnlySpan<int> Name { get; }

    /// <summary>Per event, its instant.</summary>
    public ReadOnlySpan<Instant> At { get; }

    /// <summary>Per event, its quantity; empty for 1 each.</summary>
    public ReadOnlySpan<double> Quantity { get; }

    /// <summary>The number of events.</summary>
    public int Count => Account.Length;
}
