using System.Numerics;

namespace CustomerLifecycle.Usage;

/// <summary>
/// One account's rollups over the day ring: per event filter a bit per day with a matching event, counts and sums per
/// day for the filters that need them, per user and per event name a bit per active day, and what outlives the ring
/// (the latest day before it, milestones reached).
/// </summary>
internal sealed class AccountUsage
{
    public const int NoDay = int.MinValue;
    private const int MapThreshold = 16;

    /// <summary>Creates an account's rollups, its fixed-size parts cut from <paramref name="slabs"/> (one large array for many accounts, not four small ones each).</summary>
    public AccountUsage(UsageModel model, Slabs slabs, int names)
    {
        var w = model.Words;
        FilterDays = slabs.Ulongs.Take(model.Filters.Length * w);
        Counts = slabs.Ints.Take(model.CountFilters * model.RingDays);
        Sums = slabs.Doubles.Take(model.SumFilters * model.RingDays);
        LastBefore = slabs.Ints.Take(model.Filters.Length);
        LastBefore.AsSpan().Fill(NoDay);
        UserStride = model.UserFilters * w;
        Users = UserStride == 0 ? [] : new int[4];
        UserDays = UserStride == 0 ? [] : new ulong[4 * UserStride];
        var capacity = Math.Clamp(names, 4, 32);
        Names = new int[capacity];
        NameDays = new ulong[capacity * w];
    }

    public readonly ArraySegment<ulong> FilterDays;

    public readonly ArraySegment<int> Counts;

    public readonly ArraySegment<double> Sums;

    public readonly ArraySegment<int> LastBefore;

    public readonly int UserStride;

    public int UserCount;

    public int[] Users;

    public ulong[] UserDays;

    public Dictionary<int, int>? UserMap;

    public int NameCount;

    public int[] Names;

    public ulong[] NameDays;

    /// <summary>Features already announced as adopted (global name indexes, in no order).</summary>
    public List<int>? Adopted;

    /// <summary>Features adopted since the last evaluation, with the instant of the event that first showed them.</summary>
    public List<(int Name, NodaTime.Instant At)>? PendingAdoptions;

    /// <summary>One bit per milestone threshold reached.</summary>
    public ulong MilestonesReached;

    /// <summary>One bit per drop the account is in.</summary>
    public ulong DropsActive;

    public int UserSlot(int user)
    {
        if (UserMap is not null)
        {
            if (UserMap.TryGetValue(user, out var found))
            {
                return found;
            }
        }
        else
        {
            var i = Users.AsSpan(0, UserCount).IndexOf(user);
            if (i >= 0)
            {
                return i;
            }
        }

        if (UserCount == Users.Length)
        {
            Array.Resize(ref Users, UserCount * 2);
            Array.Resize(ref UserDays, UserCount * 2 * UserStride);
        }

        Users[UserCount++] = user;
        if (UserMap is not null)
        {
            UserMap[user] = UserCount - 1;
        }
        else
        {
            RebuildUserMap();
        }

        return UserCount - 1;
    }

    /// <summary>Makes the user map for <see cref="Users"/> (null up to <c>MapThreshold</c> users, which a scan finds faster).</summary>
    public void RebuildUserMap()
    {
        UserMap = null;
        if (UserCount > MapThreshold)
        {
            UserMap = new Dictionary<int, int>(UserCount);
            for (var j = 0; j < UserCount; j++)
            {
                UserMap[Users[j]] = j;
            }
        }
    }

    /// <summary>The slot of an event name, added when new; <paramref name="added"/> says so.</summary>
    public int NameSlot(int name, int words, out bool added)
    {
        var i = Names.AsSpan(0, NameCount).IndexOf(name);
        added = i < 0;
        if (i >= 0)
        {
            return i;
        }

        if (NameCount == Names.Length)
        {
            Array.Resize(ref Names, NameCount * 2);
            Array.Resize(ref NameDays, NameCount * 2 * words);
        }

        Names[NameCount] = name;
        return NameCount++;
    }

    public bool HasAdopted(int name) => Adopted is not null && Adopted.Contains(name);

    /// <summary>
    /// Drops the days leaving the ring (their slots set in <paramref name="leaving"/>, newest first in
    /// <paramref name="leavingDays"/>): remembers per filter the latest such day with an event, clears their counts,
    /// sums and bits, and forgets users and names left with no active day.
    /// </summary>
    public void RollOff(UsageModel model, ReadOnlySpan<ulong> leaving, ReadOnlySpan<int> leavingDays, ReadOnlySpan<int> leavingSlots)
    {
        var w = model.Words;
        for (var f = 0; f < model.Filters.Length; f++)
        {
            var bits = FilterDays.AsSpan(f * w, w);
            for (var i = 0; i < leavingDays.Length; i++)
            {
                var s = leavingSlots[i];
                if ((bits[s >> 6] & (1UL << (s & 63))) != 0)
                {
                    LastBefore[f] = Math.Max(LastBefore[f], leavingDays[i]);
                    break;
                }
            }

            Clear(bits, leaving);
        }

        foreach (var s in leavingSlots)
        {
            for (var c = 0; c < model.CountFilters; c++)
            {
                Counts[(c * model.RingDays) + s] = 0;
            }

            for (var c = 0; c < model.SumFilters; c++)
            {
                Sums[(c * model.RingDays) + s] = 0;
            }
        }

        // Users and names with no day left are forgotten, keeping the order of the others.
        var kept = 0;
        for (var u = 0; u < UserCount; u++)
        {
            var days = UserDays.AsSpan(u * UserStride, UserStride);
            for (var k = 0; k < UserStride; k += w)
            {
                Clear(days.Slice(k, w), leaving);
            }

            if (days.IndexOfAnyExcept(0UL) >= 0)
            {
                if (kept != u)
                {
                    Users[kept] = Users[u];
                    days.CopyTo(UserDays.AsSpan(kept * UserStride, UserStride));
                }

                kept++;
            }
        }

        if (kept != UserCount)
        {
            // The slots freed at the end are cleared, since a user added later takes them over.
            UserDays.AsSpan(kept * UserStride, (UserCount - kept) * UserStride).Clear();
            UserCount = kept;

            // A burst of users gone: the arrays shrink with them (to twice what is kept), so that a day of a
            // million users does not hold their memory after their days have left the ring.
            if (Users.Length > 64 && kept < Users.Length / 4)
            {
                var capacity = Math.Max(4, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, kept)) * 2);
                Array.Resize(ref Users, capacity);
                Array.Resize(ref UserDays, capacity * UserStride);
            }

            RebuildUserMap();
        }

        kept = 0;
        for (var n = 0; n < NameCount; n++)
        {
            var days = NameDays.AsSpan(n * w, w);
            Clear(days, leaving);
            if (days.IndexOfAnyExcept(0UL) >= 0)
            {
                if (kept != n)
                {
                    Names[kept] = Names[n];
                    days.CopyTo(NameDays.AsSpan(kept * w, w));
                }

                kept++;
            }
        }

        NameDays.AsSpan(kept * w, (NameCount - kept) * w).Clear();
        NameCount = kept;
    }

    /// <summary>Renumbers this account's users after the aggregator dropped users no account kept (<paramref name="remap"/>: old number to new).</summary>
    public void RenumberUsers(int[] remap)
    {
        for (var u = 0; u < UserCount; u++)
        {
            Users[u] = remap[Users[u]];
        }

        RebuildUserMap();
    }

    /// <summary>Bytes held by this account's arrays (for the state-size report).</summary>
    public long Bytes =>
        (FilterDays.Count * 8L) + (Counts.Count * 4L) + (Sums.Count * 8L) + (LastBefore.Count * 4L)
        + (Users.Length * 4L) + (UserDays.Length * 8L) + (Names.Length * 4L) + (NameDays.Length * 8L)
        + ((UserMap?.Count ?? 0) * 24L) + ((Adopted?.Count ?? 0) * 4L) + 160;

    public static int Popcount(ReadOnlySpan<ulong> bits, ReadOnlySpan<ulong> window)
    {
        var n = 0;
        for (var k = 0; k < bits.Length; k++)
        {
            n += BitOperations.PopCount(bits[k] & window[k]);
        }

        return n;
    }

    public static bool Any(ReadOnlySpan<ulong> bits, ReadOnlySpan<ulong> window)
    {
        for (var k = 0; k < bits.Length; k++)
        {
            if ((bits[k] & window[k]) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void Clear(Span<ulong> bits, ReadOnlySpan<ulong> leaving)
    {
        for (var k = 0; k < bits.Length; k++)
        {
            bits[k] &= ~leaving[k];
        }
    }
}

/// <summary>Large arrays that accounts' fixed-size rollups are cut from: a million accounts make a few hundred arrays, not millions.</summary>
internal sealed class Slabs
{
    public Slab<ulong> Ulongs { get; } = new();

    public Slab<int> Ints { get; } = new();

    public Slab<double> Doubles { get; } = new();
}

/// <summary>Hands out consecutive pieces of arrays of a million elements; pieces are never given back (accounts are never removed).</summary>
internal sealed class Slab<T>
{
    private const int Size = 1 << 20;
    private T[] _current = [];
    private int _used;

    // Slabs grow from 4,096 elements to a million: a small portfolio (or a state being read) does not take 20 MB at
    // its first account.
    private int _next = 1 << 12;

    public ArraySegment<T> Take(int length)
    {
        if (length == 0)
        {
            return ArraySegment<T>.Empty;
        }

        if (_used + length > _current.Length)
        {
            _current = new T[Math.Max(_next, length)];
            _next = Math.Min(Size, _next * 2);
            _used = 0;
        }

        var piece = new ArraySegment<T>(_current, _used, length);
        _used += length;
        return piece;
    }
}
