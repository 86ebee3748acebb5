using System.Buffers;
using NodaTime;

namespace CustomerLifecycle.Usage;

public sealed partial class UsageAggregator
{
    /// <summary>Events staged and sorted per chunk: enough that each account's rollups are visited for many events at once (smaller in tests).</summary>
    internal int ColumnChunk { get; init; } = 1 << 22;

    /// <summary>Up to this many accounts in a bulk load's table, and no definition counting users, events are applied in order, without the sort.</summary>
    private const int DirectAccounts = 4096;

    private const int Unknown = int.MinValue;

    private const int Valid = -3;
    private const int Invalid = -1;
    private const int OutOfRange = -2;

    /// <summary>
    /// Applies events given in columns (a bulk load); each is applied whole or refused with its reason. Columns are
    /// not de-duplicated.
    /// </summary>
    /// <remarks>
    /// Events are checked in order, then applied a chunk at a time grouped by account (a counting sort), so that an
    /// account's rollups are read from memory once per chunk rather than once per event.
    /// </remarks>
    /// <param name="columns">The events.</param>
    /// <param name="cancellationToken">Stops the ingestion between chunks of about four million events; the chunks before are applied (each event whole).</param>
    /// <returns>What was accepted and refused.</returns>
    public UsageIngestionReport Ingest(UsageEventColumns columns, CancellationToken cancellationToken = default)
    {
        Enter(cancellationToken);
        Staged[]? staged = null;
        Staged[]? sorted = null;
        try
        {
            var run = BeginIngestion();
            var s = _s;
            var m = _model;
            var account = columns.Account;
            var user = columns.User;
            var name = columns.Name;
            var at = columns.At;
            var quantity = columns.Quantity;

            // The tables are checked first when that costs less than the events (the usual bulk load), so that a
            // valid event needs only its indexes' ranges checked; otherwise each entry is checked when an event first
            // uses it. Accounts and users join the aggregator's tables with their first event applied.
            var accountState = TableState(columns.Accounts, account.Length, static (t, k) => !t[k].IsEmpty);
            var keyed = columns.HasUserKeys;
            var userKey = columns.UserKey;
            var userState = keyed ? [] : TableState(columns.Users, account.Length, static (t, k) => IsUser(t[k]));
            var accountsValid = Array.TrueForAll(accountState, x => x == Valid);
            var usersValid = keyed || Array.TrueForAll(userState, x => x == Valid);
            var nameMap = Filled(columns.Names.Count, Unknown);
            var accountMap = Filled(columns.Accounts.Count, Unknown);
            var userMap = m.UserFilters > 0 && !keyed ? Filled(columns.Users.Count, Unknown) : null;
            var latestTicks = run.Latest.ToUnixTimeTicks();
            // With few accounts and no per-user rollups, the rollups stay in the cache and events are applied as they
            // come; otherwise a chunk is sorted by account first (an account's users are then looked up together: with
            // 5,000 users per account, applying 1,000 accounts' events in order took 18 s for 100 million, sorted 3.7 s).
            var direct = columns.Accounts.Count <= DirectAccounts && m.UserFilters == 0;
            staged = direct ? [] : ArrayPool<Staged>.Shared.Rent(Math.Min(ColumnChunk, Math.Max(1, account.Length)));
            sorted = direct ? [] : ArrayPool<Staged>.Shared.Rent(staged.Length);
            for (var from = 0; from < account.Length; from += ColumnChunk)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Not de-duplicated: the caller must know which rows are in before it sends any again.
                    throw new UsageIngestionCanceledException(run.Report(), cancellationToken);
                }

                var to = Math.Min(account.Length, from + ColumnChunk);
                var n = 0;
                for (var i = from; i < to; i++)
                {
                    var a = accountsValid ? ((uint)account[i] < (uint)accountState.Length ? Valid : OutOfRange) : Check(accountState, account[i], columns.Accounts, static (t, k) => !t[k].IsEmpty);
                    var u = keyed ? Valid : usersValid ? ((uint)user[i] < (uint)userState.Length ? Valid : OutOfRange) : Check(userState, user[i], columns.Users, static (t, k) => IsUser(t[k]));
                    var e = (uint)name[i] < (uint)nameMap.Length ? nameMap[name[i]] : OutOfRange;
                    if (e == Unknown)
                    {
                        e = nameMap[name[i]] = SignalKey.IsValidName(columns.Names[name[i]]) ? s.NameIndex(columns.Names[name[i]], m) : Invalid;
                    }

                    var q = quantity.IsEmpty ? 1d : quantity[i];
                    var ticks = at[i].ToUnixTimeTicks();
                    var day = DayOf(ticks);
                    if (a != Valid || u != Valid || e < 0 || !(q >= 0 && q <= MaxQuantity) || ticks > latestTicks || day < run.Oldest)
                    {
                        run.Refuse(i, null, ColumnReason(columns, i, a, u, e, q, at[i], day, run));
                        continue;
                    }

                    // A keyed user joins the table now (the event is accepted): the staged user is then its table index.
                    var who = !keyed ? user[i] : m.UserFilters > 0 ? s.UserIndex(userKey[i]) : -1;
                    if (direct)
                    {
                        ApplyOne(account[i], who, keyed, e, Slot(day), q, at[i], columns, accountMap, userMap);
                        n++;
                    }
                    else
                    {
                        staged[n++] = new Staged { Account = account[i], User = who, Name = e, Slot = Slot(day), Source = i, Quantity = q };
                    }
                }

                if (!direct)
                {
                    ApplyStaged(staged.AsSpan(0, n), sorted, columns, keyed, accountMap, userMap);
                }

                run.Accepted += n;
                run.Index = to;
            }

            return Metrics.Record(run.Report());
        }
        finally
        {
            if (staged is { Length: > 0 })
            {
                ArrayPool<Staged>.Shared.Return(staged);
            }

            if (sorted is { Length: > 0 })
            {
                ArrayPool<Staged>.Shared.Return(sorted);
            }

            _gate.Release();
        }
    }

    /// <summary>Sorts a chunk's checked events by account (a counting sort on the caller's account index) and applies each account's events together.</summary>
    private void ApplyStaged(Span<Staged> staged, Staged[] sorted, UsageEventColumns columns, bool keyed, int[] accountMap, int[]? userMap)
    {
        var s = _s;
        var starts = new int[accountMap.Length + 1];
        foreach (ref readonly var e in staged)
        {
            starts[e.Account + 1]++;
        }

        for (var a = 1; a < starts.Length; a++)
        {
            starts[a] += starts[a - 1];
        }

        var next = (int[])starts.Clone();
        foreach (ref readonly var e in staged)
        {
            sorted[next[e.Account]++] = e;
        }

        var at = columns.At;
        for (var a = 0; a + 1 < starts.Length; a++)
        {
            if (starts[a] == starts[a + 1])
            {
                continue;
            }

            var index = accountMap[a];
            if (index == Unknown)
            {
                index = accountMap[a] = s.AccountIndex(columns.Accounts[a], _model);
            }

            var st = s.Rollups(index, _model);
            for (var k = starts[a]; k < starts[a + 1]; k++)
            {
                ref readonly var e = ref sorted[k];
                var u = keyed ? e.User : -1;
                if (userMap is not null)
                {
                    u = userMap[e.User];
                    if (u == Unknown)
                    {
                        u = userMap[e.User] = s.UserIndex(columns.Users[e.User]);
                    }
                }

                if (Apply(st, u, e.Name, e.Slot, e.Quantity))
                {
                    (st.PendingAdoptions ??= []).Add((e.Name, at[e.Source]));
                }
            }
        }
    }

    /// <summary>Applies one checked event of a bulk load at once (few accounts: their rollups stay in the cache).</summary>
    private void ApplyOne(int account, int user, bool keyed, int name, int slot, double quantity, Instant at, UsageEventColumns columns, int[] accountMap, int[]? userMap)
    {
        var s = _s;
        var index = accountMap[account];
        if (index == Unknown)
        {
            index = accountMap[account] = s.AccountIndex(columns.Accounts[account], _model);
        }

        var u = keyed ? user : -1;
        if (userMap is not null)
        {
            u = userMap[user];
            if (u == Unknown)
            {
                u = userMap[user] = s.UserIndex(columns.Users[user]);
            }
        }

        var st = s.Rollups(index, _model);
        if (Apply(st, u, name, slot, quantity))
        {
            (st.PendingAdoptions ??= []).Add((name, at));
        }
    }

    /// <summary>
    /// A table's entries checked up front (Valid or Invalid each) when there are no more of them than events, or all
    /// Unknown, to be checked when first used.
    /// </summary>
    private static sbyte[] TableState<T>(IReadOnlyList<T> table, int events, Func<IReadOnlyList<T>, int, bool> valid)
    {
        var state = new sbyte[table.Count];
        if (table.Count <= events)
        {
            for (var i = 0; i < state.Length; i++)
            {
                state[i] = valid(table, i) ? (sbyte)Valid : (sbyte)Invalid;
            }
        }

        return state;
    }

    /// <summary>An event's table entry: Valid, Invalid, or OutOfRange; an entry not checked yet is checked now.</summary>
    private static int Check<T>(sbyte[] state, int index, IReadOnlyList<T> table, Func<IReadOnlyList<T>, int, bool> valid)
    {
        if ((uint)index >= (uint)state.Length)
        {
            return OutOfRange;
        }

        var known = state[index];
        if (known == 0)
        {
            known = state[index] = valid(table, index) ? (sbyte)Valid : (sbyte)Invalid;
        }

        return known;
    }

    private static bool IsUser(string? user) => !string.IsNullOrWhiteSpace(user) && StoredText.IndexOfProblem(user) < 0;

    private static int[] Filled(int length, int value)
    {
        var map = new int[length];
        Array.Fill(map, value);
        return map;
    }

    private string ColumnReason(UsageEventColumns c, int i, int a, int u, int n, double q, Instant at, int day, Ingestion run)
    {
        if (a is Invalid or OutOfRange)
        {
            return a == OutOfRange
                ? $"Account index {c.Account[i]} is outside the account table (0 to {c.Accounts.Count - 1})."
                : $"Account at index {c.Account[i]} is default: name the account the event belongs to.";
        }

        if (u is Invalid or OutOfRange)
        {
            return u == OutOfRange
                ? $"User index {c.User[i]} is outside the user table (0 to {c.Users.Count - 1})."
                : StoredText.Problem($"User at index {c.User[i]}", c.Users[c.User[i]] ?? string.Empty) ?? $"User at index {c.User[i]} is blank: name the user who did it.";
        }

        if (n is Invalid or OutOfRange)
        {
            return n == OutOfRange
                ? $"Name index {c.Name[i]} is outside the name table (0 to {c.Names.Count - 1})."
                : $"Name '{c.Names[c.Name[i]]}' is invalid: use 1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter.";
        }

        if (!(q >= 0 && q <= MaxQuantity))
        {
            return QuantityReason(q);
        }

        return at > run.Latest
            ? $"At {at} is in the future: after now plus the future tolerance ({_model.FutureTolerance}), {run.Latest}."
            : $"At {at} falls on {DateOf(day)}, before the oldest kept day {DateOf(run.Oldest)}: later than the lateness horizon ({_model.LatenessDays} days beyond the {_model.WindowSpan} the windows need).";
    }

    /// <summary>A checked event waiting to be applied: the aggregator's account and name, the caller's user, the ring slot.</summary>
    private struct Staged
    {
        public int Account;
        public int User;
        public int Name;
        public int Slot;
        public int Source;
        public double Quantity;
    }
}
