using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// The segments of every account in a portfolio on one date: one bit per account and segment. Compare it with an
/// earlier evaluation (<see cref="ChangesSince(SegmentMembershipSnapshot)"/>) for who entered and exited each segment,
/// or summarize it (<see cref="Summarize"/>). Immutable and thread-safe.
/// </summary>
public sealed class SegmentEvaluation
{
    private readonly AccountId[] _ids;
    private readonly Account[]? _accounts;
    private readonly SegmentPortfolio? _portfolio;
    private readonly sbyte[] _colors;
    private readonly ulong[] _bits;
    private readonly int _words;
    private Dictionary<AccountId, int>? _indexById;

    internal SegmentEvaluation(SegmentCatalog catalog, LocalDate date, Account[] accounts, sbyte[] colors, ulong[] bits)
    {
        Catalog = catalog;
        Date = date;
        _accounts = accounts;
        _ids = new AccountId[accounts.Length];
        for (var i = 0; i < accounts.Length; i++)
        {
            _ids[i] = accounts[i].Id;
        }

        _colors = colors;
        _bits = bits;
        _words = catalog.WordsPerAccount;
    }

    internal SegmentEvaluation(SegmentCatalog catalog, LocalDate date, SegmentPortfolio portfolio, sbyte[] colors, ulong[] bits)
    {
        Catalog = catalog;
        Date = date;
        _portfolio = portfolio;
        _accounts = portfolio.SourceAccounts;
        _ids = portfolio.AccountIds;
        _colors = colors;
        _bits = bits;
        _words = catalog.WordsPerAccount;
    }

    /// <summary>The catalog evaluated.</summary>
    public SegmentCatalog Catalog { get; }

    /// <summary>The date of the evaluation.</summary>
    public LocalDate Date { get; }

    /// <summary>The number of accounts.</summary>
    public int Count => _ids.Length;

    /// <summary>The accounts' ids, in the order given.</summary>
    public IReadOnlyList<AccountId> Ids => _ids;

    /// <summary>The accounts, in the order given.</summary>
    /// <exception cref="InvalidOperationException">The evaluation is of a <see cref="SegmentPortfolio"/> built from columns, which holds ids only; use <see cref="Ids"/>.</exception>
    public IReadOnlyList<Account> Accounts => _accounts
        ?? throw new InvalidOperationException("This evaluation is of a portfolio built from columns, which holds account ids, not Account objects; use Ids.");

    /// <summary>Whether the account at <paramref name="account"/> is in the segment at <paramref name="segment"/>.</summary>
    /// <param name="account">The account's index in <see cref="Accounts"/>.</param>
    /// <param name="segment">The segment's index in <see cref="SegmentCatalog.Segments"/>.</param>
    /// <returns>True when it is a member.</returns>
    public bool IsMember(int account, int segment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(account);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(account, _ids.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segment, Catalog.Segments.Count);
        return Bit(account, segment);
    }

    /// <summary>Whether an account is in a segment.</summary>
    /// <param name="account">The account.</param>
    /// <param name="segment">The segment's name.</param>
    /// <returns>True when it is a member; false for an account not in the portfolio.</returns>
    public bool IsMember(AccountId account, string segment) =>
        IndexById().TryGetValue(account, out var index) && Bit(index, Catalog.IndexOf(segment));

    /// <summary>The segments of one account, in catalog order; empty for an account not in the portfolio.</summary>
    /// <param name="account">The account.</param>
    /// <returns>The segments.</returns>
    public IReadOnlyList<Segment> SegmentsOf(AccountId account) =>
        IndexById().TryGetValue(account, out var index) ? Catalog.FromBits(_bits.AsSpan(index * _words, _words)) : [];

    /// <summary>The members of a segment, in portfolio order.</summary>
    /// <param name="segment">The segment's name.</param>
    /// <returns>The members' ids.</returns>
    public IReadOnlyList<AccountId> MembersOf(string segment)
    {
        var s = Catalog.IndexOf(segment);
        var members = new List<AccountId>();
        for (var i = 0; i < _ids.Length; i++)
        {
            if (Bit(i, s))
            {
                members.Add(_ids[i]);
            }
        }

        return members;
    }

    /// <summary>The number of members of a segment.</summary>
    /// <param name="segment">The segment's name.</param>
    /// <returns>The count.</returns>
    public int CountOf(string segment)
    {
        var s = Catalog.IndexOf(segment);
        var count = 0;
        for (var i = 0; i < _ids.Length; i++)
        {
            count += Bit(i, s) ? 1 : 0;
        }

        return count;
    }

    /// <summary>The membership as plain data, to store and compare with the next evaluation.</summary>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidOperationException">Two accounts in the portfolio share an id.</exception>
    public SegmentMembershipSnapshot ToSnapshot()
    {
        IndexById();
        var members = new Dictionary<AccountId, string[]>(_ids.Length);
        for (var i = 0; i < _ids.Length; i++)
        {
            members[_ids[i]] = Catalog.FromBits(_bits.AsSpan(i * _words, _words)).Select(s => s.Name).ToArray();
        }

        return new SegmentMembershipSnapshot(Date, members);
    }

    /// <summary>
    /// Who entered and who exited each segment since an earlier evaluation: an account new to the portfolio enters
    /// its segments; an account gone from it, or a segment gone from the catalog, exits. Ordered by account
    /// (portfolio order, then the departed ones), then by segment.
    /// </summary>
    /// <param name="previous">The earlier membership; <see cref="SegmentMembershipSnapshot.Empty"/> on a first run.</param>
    /// <returns>The changes, dated <see cref="Date"/>.</returns>
    /// <exception cref="InvalidOperationException">Two accounts in the portfolio share an id.</exception>
    public IReadOnlyList<SegmentMembershipChange> ChangesSince(SegmentMembershipSnapshot previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var index = IndexById();
        var changes = new List<SegmentMembershipChange>();
        var segments = Catalog.Segments;
        for (var i = 0; i < _ids.Length; i++)
        {
            var id = _ids[i];
            var before = previous.SegmentsOf(id);
            for (var s = 0; s < segments.Count; s++)
            {
                var was = Contains(before, segments[s].Name);
                var now = Bit(i, s);
                if (was != now)
                {
                    changes.Add(new SegmentMembershipChange(id, segments[s].Name, now ? SegmentChangeKind.Entered : SegmentChangeKind.Exited, Date));
                }
            }

            foreach (var name in before)
            {
                if (!Catalog.Contains(name))
                {
                    changes.Add(new SegmentMembershipChange(id, name, SegmentChangeKind.Exited, Date));
                }
            }
        }

        foreach (var (id, before) in previous.Members)
        {
            if (!index.ContainsKey(id))
            {
                changes.AddRange(before.Select(name => new SegmentMembershipChange(id, name, SegmentChangeKind.Exited, Date)));
            }
        }

        return changes;
    }

    /// <summary>Same as <see cref="ChangesSince(SegmentMembershipSnapshot)"/> with <c>previous.ToSnapshot()</c>.</summary>
    /// <param name="previous">The earlier evaluation.</param>
    /// <returns>The changes.</returns>
    public IReadOnlyList<SegmentMembershipChange> ChangesSince(SegmentEvaluation previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return ChangesSince(previous.ToSnapshot());
    }

    /// <summary>Accounts and ARR per segment, per health color and per owner, with the change since <paramref name="previous"/>.</summary>
    /// <param name="previous">The summary of an earlier evaluation, if any.</param>
    /// <returns>The summary.</returns>
    public PortfolioSummary Summarize(PortfolioSummary? previous = null) => PortfolioSummary.Create(this, previous);

    internal bool Bit(int account, int segment) => (_bits[(account * _words) + (segment >> 6)] & (1UL << (segment & 63))) != 0;

    internal HealthColor? ColorAt(int account) => (uint)account >= (uint)_colors.Length || _colors[account] < 0 ? null : (HealthColor)_colors[account];

    /// <summary>Fails, naming what is absent, when the accounts' ARR, currency, owner or color cannot be read.</summary>
    internal void CheckSummarizable()
    {
        if (_accounts is not null || _portfolio is null)
        {
            return;
        }

        RuleOperand[] needed = [RuleOperand.Arr, RuleOperand.Currency, RuleOperand.Owner, RuleOperand.HealthColor];
        var absent = needed.Where(o => !_portfolio.HasColumn(o)).Select(o => $"'{o.Path}'").ToList();
        if (absent.Count > 0)
        {
            throw new InvalidOperationException($"A summary of a portfolio built from columns needs the {string.Join(", ", absent)} column{(absent.Count > 1 ? "s" : string.Empty)}; set them before evaluating (a null value counts as missing).");
        }
    }

    /// <summary>The account's ARR, null without a contract.</summary>
    internal Money? ArrAt(int account)
    {
        if (_accounts is not null)
        {
            return _accounts[account].Contract?.AnnualRecurringRevenue;
        }

        _portfolio!.TryGetNumbers(RuleOperand.Arr, out var arr);
        var currency = _portfolio.Text(RuleOperandKind.Currency);
        var code = currency.Codes[account];
        return double.IsNaN(arr[account]) ? null
            : code < 0 ? throw new InvalidOperationException($"Account '{_ids[account]}' has an ARR of {arr[account]} but no currency; a summary needs both, or neither.")
            : new Money((decimal)arr[account], currency.Values[code]);
    }

    /// <summary>The account's owner, null when unowned.</summary>
    internal string? OwnerAt(int account)
    {
        if (_accounts is not null)
        {
            return _accounts[account].Owner;
        }

        var owners = _portfolio!.Text(RuleOperandKind.Owner);
        return owners.Codes[account] is var code and >= 0 ? owners.Values[code] : null;
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var n in names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private Dictionary<AccountId, int> IndexById()
    {
        if (_indexById is { } built)
        {
            return built;
        }

        var index = new Dictionary<AccountId, int>(_ids.Length);
        for (var i = 0; i < _ids.Length; i++)
        {
            if (!index.TryAdd(_ids[i], i))
            {
                throw new InvalidOperationException($"Account '{_ids[i]}' appears twice in the portfolio (indexes {index[_ids[i]]} and {i}); membership changes need unique ids.");
            }
        }

        return _indexById = index;
    }
}

/// <summary>Whether an account entered or exited a segment.</summary>
public enum SegmentChangeKind
{
    /// <summary>It is a member now and was not before.</summary>
    Entered = 0,

    /// <summary>It was a member before and is not now.</summary>
    Exited = 1,
}

/// <summary>An account entered or exited a segment: the event playbooks consume.</summary>
/// <param name="Account">The account.</param>
/// <param name="Segment">The segment's name.</param>
/// <param name="Kind">Entered or exited.</param>
/// <param name="Date">The date of the evaluation that saw it.</param>
public sealed record SegmentMembershipChange(AccountId Account, string Segment, SegmentChangeKind Kind, LocalDate Date);

/// <summary>
/// Segment membership as plain data: each account's segment names on a date. Store it between runs and pass it to
/// <see cref="SegmentEvaluation.ChangesSince(SegmentMembershipSnapshot)"/>. Immutable.
/// </summary>
public sealed class SegmentMembershipSnapshot
{
    private readonly Dictionary<AccountId, string[]> _members;

    internal SegmentMembershipSnapshot(LocalDate? date, Dictionary<AccountId, string[]> members)
    {
        Date = date;
        _members = members;
    }

    /// <summary>No account in any segment: the state before a first evaluation.</summary>
    public static SegmentMembershipSnapshot Empty { get; } = new(null, []);

    /// <summary>Creates a snapshot from stored data, for example a dictionary of account ids to segment names.</summary>
    /// <typeparam name="TNames">The collection of names.</typeparam>
    /// <param name="date">The date of the evaluation it records, if known.</param>
    /// <param name="members">Each account's segment names.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">An account appears twice, or a segment name is not valid.</exception>
    public static SegmentMembershipSnapshot Create<TNames>(LocalDate? date, IEnumerable<KeyValuePair<AccountId, TNames>> members)
        where TNames : IEnumerable<string>
    {
        ArgumentNullException.ThrowIfNull(members);
        var map = new Dictionary<AccountId, string[]>();
        foreach (var (id, names) in members)
        {
            var list = (names ?? throw new ArgumentNullException(nameof(members), $"The segment names of account '{id}' are null.")).ToArray();
            foreach (var name in list)
            {
                Segment.ValidateName(name, nameof(members));
            }

            if (!map.TryAdd(id, list))
            {
                throw new ArgumentException($"Account '{id}' appears twice in the snapshot.", nameof(members));
            }
        }

        return new SegmentMembershipSnapshot(date, map);
    }

    /// <summary>The date of the evaluation recorded, if known.</summary>
    public LocalDate? Date { get; }

    /// <summary>Each account's segment names.</summary>
    public IEnumerable<KeyValuePair<AccountId, IReadOnlyList<string>>> Members =>
        _members.Select(m => new KeyValuePair<AccountId, IReadOnlyList<string>>(m.Key, m.Value));

    /// <summary>The number of accounts recorded.</summary>
    public int Count => _members.Count;

    /// <summary>
    /// The segment names as one text, the form the SQL stores keep an account's row in: the names joined by U+001F (a
    /// control character, which no segment name contains). <see cref="DecodeSegments"/> reads it back.
    /// </summary>
    /// <param name="segments">The names.</param>
    /// <returns>The text; empty for none.</returns>
    public static string EncodeSegments(IReadOnlyList<string> segments) => string.Join('\u001F', segments);

    /// <summary>Reads segment names written by <see cref="EncodeSegments"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The names.</returns>
    /// <exception cref="FormatException">A name is not valid.</exception>
    public static string[] DecodeSegments(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = text.Length == 0 ? [] : text.Split('\u001F');
        return names.All(Segment.IsValidName) ? names : throw new FormatException($"'{text}' is not a list of segment names as EncodeSegments writes it.");
    }

    /// <summary>The date of a snapshot to store; a snapshot without one cannot be stored.</summary>
    internal static LocalDate DateOf(SegmentMembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it; SegmentMembershipSnapshot.Create takes one).", nameof(snapshot));
    }

    /// <summary>The segments an account was in; empty when it was not recorded.</summary>
    /// <param name="account">The account.</param>
    /// <returns>The segment names.</returns>
    public IReadOnlyList<string> SegmentsOf(AccountId account) => _members.TryGetValue(account, out var names) ? names : [];

    /// <summary>The part of the snapshot in one shard of the portfolio: the accounts <see cref="AccountShard.Contains"/> keeps, with the same date.</summary>
    /// <param name="shard">The shard.</param>
    /// <returns>The part; this snapshot itself for <see cref="AccountShard.All"/>.</returns>
    public SegmentMembershipSnapshot In(AccountShard shard) =>
        shard.IsAll ? this : new SegmentMembershipSnapshot(Date, _members.Where(m => shard.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value));

    /// <summary>
    /// This snapshot with one shard's part replaced by <paramref name="part"/>: the accounts of the shard are those of the
    /// part, the others those of this snapshot. What a store does when the pipeline writes a date shard by shard.
    /// </summary>
    /// <param name="part">The shard's part, every account in <paramref name="shard"/>; its date is the result's.</param>
    /// <param name="shard">The shard.</param>
    /// <returns>The combined snapshot.</returns>
    /// <exception cref="ArgumentException">An account of <paramref name="part"/> is not in <paramref name="shard"/>.</exception>
    public SegmentMembershipSnapshot WithShard(SegmentMembershipSnapshot part, AccountShard shard)
    {
        ArgumentNullException.ThrowIfNull(part);
        CheckShard(part, shard);
        var members = _members.Where(m => !shard.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value);
        foreach (var (id, names) in part._members)
        {
            members[id] = names;
        }

        return new SegmentMembershipSnapshot(part.Date, members);
    }

    /// <summary>Refuses a shard's part that holds an account of another shard, naming it.</summary>
    /// <param name="part">The part.</param>
    /// <param name="shard">The shard it is written for.</param>
    /// <exception cref="ArgumentException">An account is not in the shard.</exception>
    public static void CheckShard(SegmentMembershipSnapshot part, AccountShard shard)
    {
        ArgumentNullException.ThrowIfNull(part);
        foreach (var id in part._members.Keys)
        {
            if (!shard.Contains(id))
            {
                throw new ArgumentException($"Account '{id}' is in shard {AccountShard.Of(id, shard.Count)} of {shard.Count}, not in shard {shard.Index} the snapshot part is written for; nothing was written.", nameof(part));
            }
        }
    }
}
