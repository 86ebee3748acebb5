using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>One account as the playbook engine sees it on a date: the account, its health, its segments, and its churn date if it left.</summary>
public sealed record AccountSnapshot
{
    /// <summary>Creates a snapshot.</summary>
    /// <param name="account">The account.</param>
    /// <param name="health">Its health score, if scored.</param>
    /// <param name="segments">The segments it is in (names compare without case).</param>
    /// <param name="churnedOn">The day it churned, if it did.</param>
    public AccountSnapshot(Account account, HealthScore? health = null, IEnumerable<string>? segments = null, LocalDate? churnedOn = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        Account = account;
        Health = health;
        Segments = new SegmentNames(segments ?? []);
        ChurnedOn = churnedOn;
    }

    /// <summary>The account.</summary>
    public Account Account { get; }

    /// <summary>The health score, if any.</summary>
    public HealthScore? Health { get; }

    /// <summary>The segments the account is in.</summary>
    public IReadOnlySet<string> Segments { get; }

    /// <summary>The day the account churned, if it did.</summary>
    public LocalDate? ChurnedOn { get; }
}

/// <summary>A portfolio on a date: what the engine compares with an earlier snapshot to find trigger occurrences. Immutable.</summary>
public sealed class PortfolioSnapshot
{
    private readonly Dictionary<AccountId, AccountSnapshot> _accounts;

    // The accounts in the order given: yesterday's and today's portfolios usually list them alike, so the engine
    // finds an account's earlier snapshot at the same position without a hash lookup into a million-entry table.
    private readonly AccountSnapshot[] _ordered;

    /// <summary>Creates a snapshot.</summary>
    /// <param name="date">The business date it describes.</param>
    /// <param name="accounts">The accounts; ids unique.</param>
    /// <param name="removed">
    /// Accounts the host removed (deleted, merged away) since the last evaluation: their open runs are cancelled. An
    /// account that is neither in <paramref name="accounts"/> nor here is unknown to this snapshot and keeps its runs.
    /// </param>
    /// <exception cref="ArgumentException">An account appears twice, or is both present and removed.</exception>
    public PortfolioSnapshot(LocalDate date, IEnumerable<AccountSnapshot> accounts, IEnumerable<AccountId>? removed = null)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        Date = date;
        _accounts = [];
        var ordered = new List<AccountSnapshot>();
        foreach (var snapshot in accounts)
        {
            ArgumentNullException.ThrowIfNull(snapshot, nameof(accounts));
            if (!_accounts.TryAdd(snapshot.Account.Id, snapshot))
            {
                throw new ArgumentException($"Account '{snapshot.Account.Id}' appears twice in the snapshot of {date:uuuu-MM-dd}.", nameof(accounts));
            }

            ordered.Add(snapshot);
        }

        _ordered = [.. ordered];

        var gone = new HashSet<AccountId>();
        foreach (var id in removed ?? [])
        {
            if (_accounts.ContainsKey(id))
            {
                throw new ArgumentException($"Account '{id}' is both in the snapshot of {date:uuuu-MM-dd} and listed as removed.", nameof(removed));
            }

            gone.Add(id);
        }

        Removed = gone;
    }

    /// <summary>The business date.</summary>
    public LocalDate Date { get; }

    /// <summary>The accounts the host removed; their open runs are cancelled.</summary>
    public IReadOnlySet<AccountId> Removed { get; }

    /// <summary>
    /// True when the snapshot holds part of the portfolio only (the pipeline's shards): the engine then reads the open
    /// runs and trigger states of its accounts and removed ones only (<see cref="IPlaybookRunStore.OpenRunsAsync(IReadOnlyCollection{AccountId}, CancellationToken)"/>),
    /// so an evaluation's reads and memory follow the part, and the mass-cancellation share is of the part's open runs.
    /// What it starts and cancels is the same either way: an account absent from a snapshot keeps its runs. False by default.
    /// </summary>
    public bool Partial { get; init; }

    /// <summary>The accounts.</summary>
    public IEnumerable<AccountSnapshot> Accounts => _accounts.Values;

    /// <summary>The number of accounts.</summary>
    public int Count => _accounts.Count;

    /// <summary>One account, if present.</summary>
    /// <param name="account">The account id.</param>
    /// <returns>Its snapshot, or null.</returns>
    public AccountSnapshot? Find(AccountId account) => _accounts.GetValueOrDefault(account);

    /// <summary>The account at <paramref name="position"/> in order when it is <paramref name="account"/>, else <see cref="Find(AccountId)"/>.</summary>
    internal AccountSnapshot? Find(AccountId account, int position) =>
        (uint)position < (uint)_ordered.Length && _ordered[position].Account.Id == account ? _ordered[position] : Find(account);

    /// <summary>The accounts in the order given.</summary>
    internal ReadOnlySpan<AccountSnapshot> Ordered => _ordered;
}
