using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Usage;

public sealed partial class UsageAggregator
{
    private UsageSignals EvaluateLocked(IReadOnlyList<AccountId>? accounts)
    {
        var now = _clock.Now;
        var todayDate = now.InZone(_clock.Zone).Date;
        var today = EpochDay(todayDate);
        if (_s.Top != AccountUsage.NoDay && today + 2 < _s.Top)
        {
            throw new InvalidOperationException(
                $"The clock's today, {DateOf(today)}, is before {DateOf(_s.Top - 2)}, a day this aggregator has already evaluated or ingested on; usage signals are computed forward only.");
        }

        Advance(today);
        var s = _s;
        var rows = accounts ?? [.. s.Accounts];
        var rowIndex = UsageSignals.RowIndex(rows, nameof(accounts));

        var m = _model;
        var defs = m.Definitions;
        var windows = new Window[defs.Length];
        var previous = new Window[defs.Length];
        for (var i = 0; i < defs.Length; i++)
        {
            windows[i] = Window.Of(this, defs[i].Window, today);
            previous[i] = defs[i].Kind == UsageSignalKind.Change ? Window.Of(this, defs[i].Window, today - defs[i].Window) : default;
        }

        var columns = new double[defs.Length][];
        for (var i = 0; i < defs.Length; i++)
        {
            columns[i] = new double[rows.Count];
        }

        var milestones = new List<LifecycleEvent>();
        var values = new double[defs.Length];
        for (var r = 0; r < rows.Count; r++)
        {
            var st = s.AccountRows.TryGetValue(rows[r], out var a) ? s.Usage[a] : null;
            for (var i = 0; i < defs.Length; i++)
            {
                var d = defs[i];
                values[i] = d.Kind == UsageSignalKind.Change
                    ? Change(Value(st, defs[d.Of], windows[i], today), Value(st, defs[d.Of], previous[i], today - d.Window))
                    : Value(st, d, windows[i], today);
                columns[i][r] = values[i];
            }

            if (st is not null)
            {
                FindMilestones(rows[r], st, values, now, todayDate, milestones);
            }
        }

        return UsageSignals.Create(todayDate, rows, rowIndex, Signals, columns, milestones);
    }

    private static double Change(double current, double previous) =>
        double.IsNaN(current) || double.IsNaN(previous) || previous == 0 ? double.NaN : (current - previous) / previous;

    private double Value(AccountUsage? st, in UsageModel.Definition d, in Window window, int end)
    {
        var m = _model;
        var w = m.Words;
        switch (d.Kind)
        {
            case UsageSignalKind.Count:
            {
                if (st is null)
                {
                    return 0;
                }

                long n = 0;
                var counts = st.Counts.AsSpan(m.CountSlot[d.Filter] * m.RingDays, m.RingDays);
                foreach (var slot in window.Slots)
                {
                    n += counts[slot];
                }

                return n;
            }

            case UsageSignalKind.Sum:
            {
                if (st is null)
                {
                    return 0;
                }

                var total = 0d;
                var sums = st.Sums.AsSpan(m.SumSlot[d.Filter] * m.RingDays, m.RingDays);
                foreach (var slot in window.Slots)
                {
                    total += sums[slot];
                }

                return total;
            }

            case UsageSignalKind.ActiveDays:
                return st is null ? 0 : AccountUsage.Popcount(st.FilterDays.AsSpan(d.Filter * w, w), window.Mask);

            case UsageSignalKind.ActiveUsers:
            case UsageSignalKind.Stickiness:
            {
                if (st is null)
                {
                    return d.Kind == UsageSignalKind.ActiveUsers ? 0 : double.NaN;
                }

                var offset = m.UserSlot[d.Filter] * w;
                var users = 0;
                long userDays = 0;
                for (var u = 0; u < st.UserCount; u++)
                {
                    var days = AccountUsage.Popcount(st.UserDays.AsSpan((u * st.UserStride) + offset, w), window.Mask);
                    users += days > 0 ? 1 : 0;
                    userDays += days;
                }

                return d.Kind == UsageSignalKind.ActiveUsers ? users
                    : users == 0 ? double.NaN
                    : userDays / (double)d.Window / users;
            }

            case UsageSignalKind.DistinctFeatures:
            {
                if (st is null)
                {
                    return 0;
                }

                var features = 0;
                var bit = 1UL << d.Filter;
                for (var n = 0; n < st.NameCount; n++)
                {
                    if ((_s.NameMask[st.Names[n]] & bit) != 0 && AccountUsage.Any(st.NameDays.AsSpan(n * w, w), window.Mask))
                    {
                        features++;
                    }
                }

                return features;
            }

            case UsageSignalKind.DaysSinceLast:
            {
                if (st is null)
                {
                    return double.NaN;
                }

                var bits = st.FilterDays.AsSpan(d.Filter * w, w);
                for (var day = end; day > _s.Top - m.RingDays; day--)
                {
                    var slot = Slot(day);
                    if ((bits[slot >> 6] & (1UL << (slot & 63))) != 0)
                    {
                        return end - day;
                    }
                }

                var before = st.LastBefore[d.Filter];
                return before == AccountUsage.NoDay ? double.NaN : end - before;
            }

            default:
                throw new InvalidOperationException($"Unknown usage signal kind {d.Kind}.");
        }
    }

    private void FindMilestones(AccountId account, AccountUsage st, double[] values, Instant now, LocalDate today, List<LifecycleEvent> found)
    {
        var m = _model;
        if (st.PendingAdoptions is { Count: > 0 } pending)
        {
            foreach (var (name, at) in pending)
            {
                found.Add(UsageMilestones.Adopted(account, _s.EventNames[name], at));
            }

            pending.Clear();
        }

        var bit = 0;
        foreach (var milestone in m.Milestones)
        {
            var value = values[milestone.Definition];
            var key = m.Definitions[milestone.Definition].Key;
            foreach (var threshold in milestone.Thresholds)
            {
                var mask = 1UL << bit++;
                if ((st.MilestonesReached & mask) == 0 && value >= threshold)
                {
                    st.MilestonesReached |= mask;
                    found.Add(UsageMilestones.Reached(account, key, threshold, now));
                }
            }
        }

        for (var i = 0; i < m.Drops.Length; i++)
        {
            var drop = m.Drops[i];
            var value = values[drop.Definition];
            var mask = 1UL << i;
            if (value < drop.Below && (st.DropsActive & mask) == 0)
            {
                st.DropsActive |= mask;
                found.Add(UsageMilestones.Dropped(account, m.Definitions[drop.Definition].Key, value, drop.Below, today, now));
            }
            else if (value >= drop.Below)
            {
                st.DropsActive &= ~mask;
            }
        }
    }

    /// <summary>The ring slots of a window of days, and the same as a bit mask.</summary>
    private readonly struct Window
    {
        public int[] Slots { get; init; }

        public ulong[] Mask { get; init; }

        public static Window Of(UsageAggregator aggregator, int days, int end)
        {
            var slots = new int[days];
            var mask = new ulong[aggregator._model.Words];
            for (var i = 0; i < days; i++)
            {
                var slot = aggregator.Slot(end - i);
                slots[i] = slot;
                mask[slot >> 6] |= 1UL << (slot & 63);
            }

            return new Window { Slots = slots, Mask = mask };
        }
    }
}
