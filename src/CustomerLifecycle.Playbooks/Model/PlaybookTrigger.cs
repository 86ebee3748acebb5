using CustomerLifecycle.Events;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>What a date trigger counts from.</summary>
public enum DateAnchor
{
    /// <summary>The contract's renewal date (offset −90 days: 90 days before renewal).</summary>
    RenewalDate = 0,

    /// <summary>The contract's start.</summary>
    ContractStart = 1,

    /// <summary>The day the account became a customer (offset 30 days: day 30 of onboarding).</summary>
    CustomerSince = 2,

    /// <summary>The day the account churned (offset 3 months: win-back).</summary>
    ChurnedOn = 3,
}

/// <summary>
/// When a playbook starts. Each trigger finds its <em>occurrences</em> between two snapshots of an account (or in
/// its lifecycle events); each occurrence has a key, and the engine creates at most one run per playbook, account
/// and key. State triggers (color, segment, stage, signal) also say whether their reason still holds, so open tasks
/// can be cancelled when it goes away.
/// </summary>
public abstract record PlaybookTrigger
{
    private protected PlaybookTrigger()
    {
    }

    /// <summary>True when open runs should be cancelled once <see cref="StillHolds"/> is false.</summary>
    public virtual bool IsState => true;

    /// <summary>The health color turned to <paramref name="color"/>.</summary>
    /// <param name="color">The new color.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger HealthTurned(HealthColor color) => new HealthColorTrigger(color);

    /// <summary>The account entered a segment.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger SegmentEntered(string segment) => new SegmentTrigger(segment, Entered: true);

    /// <summary>The account left a segment.</summary>
    /// <param name="segment">The segment.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger SegmentExited(string segment) => new SegmentTrigger(segment, Entered: false);

    /// <summary>The account entered a lifecycle stage.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger StageEntered(StageId stage) => new StageTrigger(stage);

    /// <summary>A signal crossed a threshold: the comparison did not hold (or the signal was missing) and now holds.</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="comparison">The comparison.</param>
    /// <param name="threshold">The threshold, finite.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger SignalCrossed(SignalKey signal, ComparisonOperator comparison, double threshold) => new SignalTrigger(signal, comparison, threshold);

    /// <summary>Seat utilization crossed a share (0.75 = 75 %).</summary>
    /// <param name="share">The share, 0 or more.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger SeatUtilizationAtLeast(double share) => new SeatUtilizationTrigger(share);

    /// <summary>A lifecycle event of a type, optionally with its value in a range (an NPS answer of 9–10).</summary>
    /// <param name="type">The event type.</param>
    /// <param name="minValue">The lowest value, if any.</param>
    /// <param name="maxValue">The highest value, if any.</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger EventOccurred(LifecycleEventType type, double? minValue = null, double? maxValue = null) => new EventTrigger(type, minValue, maxValue);

    /// <summary>A date relative to the contract or the account was reached (the evaluation window passed it).</summary>
    /// <param name="anchor">What to count from.</param>
    /// <param name="offset">The offset; negative for "before".</param>
    /// <returns>The trigger.</returns>
    public static PlaybookTrigger DateReached(DateAnchor anchor, Period offset) => new DateTrigger(anchor, offset);

    /// <summary>Adds the occurrences in the window from the earlier snapshot (exclusive) to the current one; allocates only for occurrences found.</summary>
    internal abstract void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found);

    /// <summary>Whether the reason for a run still holds in <paramref name="now"/>.</summary>
    internal virtual bool StillHolds(AccountSnapshot now) => true;

    /// <summary>
    /// True for a built-in state trigger, whose state the engine keeps per account between evaluations (a color, being
    /// in a segment) when the store keeps trigger state. An occurrence is the onset of the tracked state (or, for an exit, its end).
    /// </summary>
    internal virtual bool TracksState => false;

    /// <summary>Whether the tracked state holds in <paramref name="now"/> (see <see cref="TracksState"/>): the run's reason, unless a trigger tracks something else.</summary>
    internal virtual bool IsTracked(AccountSnapshot now) => StillHolds(now);

    /// <summary>True when the occurrence is the end of the tracked state (a segment exit) rather than its onset.</summary>
    internal virtual bool OccursOnEnd => false;

    /// <summary>The occurrence key of an onset (or end) found on <paramref name="date"/>: the same key as <see cref="Occurrences"/> gives.</summary>
    internal virtual string KeyOn(LocalDate date) => throw new NotSupportedException();
}

/// <summary>The health color turned to <paramref name="Color"/>.</summary>
/// <param name="Color">The new color.</param>
public sealed record HealthColorTrigger(HealthColor Color) : PlaybookTrigger
{
    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        if (after.Health?.Color == Color && before?.Health?.Color != Color)
        {
            found.Add((KeyOn(afterDate), afterDate));
        }
    }

    internal override bool StillHolds(AccountSnapshot now) => now.Health?.Color == Color;

    internal override bool TracksState => true;

    internal override string KeyOn(LocalDate date) => $"color:{Color}:{date:uuuu-MM-dd}";
}

/// <summary>The account entered (or left) <paramref name="Segment"/>.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="Entered">True for entered, false for exited.</param>
public sealed record SegmentTrigger(string Segment, bool Entered) : PlaybookTrigger
{
    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        var was = before?.Segments.Contains(Segment) ?? false;
        var isNow = after.Segments.Contains(Segment);
        if (Entered ? isNow && !was : was && !isNow)
        {
            found.Add((KeyOn(afterDate), afterDate));
        }
    }

    internal override bool StillHolds(AccountSnapshot now) => now.Segments.Contains(Segment) == Entered;

    // Both directions track membership: an entry is its onset, an exit its end.
    internal override bool TracksState => true;

    internal override bool IsTracked(AccountSnapshot now) => now.Segments.Contains(Segment);

    internal override bool OccursOnEnd => !Entered;

    internal override string KeyOn(LocalDate date) => $"segment:{(Entered ? "in" : "out")}:{Segment.ToUpperInvariant()}:{date:uuuu-MM-dd}";
}

/// <summary>The account entered <paramref name="Stage"/>.</summary>
/// <param name="Stage">The stage.</param>
public sealed record StageTrigger(StageId Stage) : PlaybookTrigger
{
    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        if (after.Account.Stage == Stage && before?.Account.Stage != Stage)
        {
            found.Add((KeyOn(afterDate), afterDate));
        }
    }

    internal override bool StillHolds(AccountSnapshot now) => now.Account.Stage == Stage;

    internal override bool TracksState => true;

    internal override string KeyOn(LocalDate date) => $"stage:{Stage.Value.ToUpperInvariant()}:{date:uuuu-MM-dd}";
}

/// <summary>A signal crossed a threshold.</summary>
/// <param name="Signal">The signal.</param>
/// <param name="Comparison">The comparison.</param>
/// <param name="Threshold">The threshold.</param>
public sealed record SignalTrigger(SignalKey Signal, ComparisonOperator Comparison, double Threshold) : PlaybookTrigger
{
    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        if (Holds(after) && (before is null || !Holds(before)))
        {
            found.Add((KeyOn(afterDate), afterDate));
        }
    }

    internal override bool StillHolds(AccountSnapshot now) => Holds(now);

    internal override bool TracksState => true;

    internal override string KeyOn(LocalDate date) => $"signal:{Signal.Name}:{date:uuuu-MM-dd}";

    private bool Holds(AccountSnapshot s) => s.Account.Signals.TryGetValue(Signal, out var v) && Comparison.Holds(v, Threshold);
}

/// <summary>Seat utilization reached a share.</summary>
/// <param name="Share">The share (0.75 = 75 %).</param>
public sealed record SeatUtilizationTrigger(double Share) : PlaybookTrigger
{
    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        if (after.Account.SeatUtilization >= Share && !(before?.Account.SeatUtilization >= Share))
        {
            found.Add((KeyOn(afterDate), afterDate));
        }
    }

    internal override bool StillHolds(AccountSnapshot now) => now.Account.SeatUtilization >= Share;

    internal override bool TracksState => true;

    internal override string KeyOn(LocalDate date) => $"seats:{date:uuuu-MM-dd}";
}

/// <summary>A lifecycle event of <paramref name="Type"/>, its value within the range when one is given.</summary>
/// <param name="Type">The event type.</param>
/// <param name="MinValue">The lowest value, if any.</param>
/// <param name="MaxValue">The highest value, if any.</param>
public sealed record EventTrigger(LifecycleEventType Type, double? MinValue, double? MaxValue) : PlaybookTrigger
{
    /// <summary>Events happen once; their runs are never cancelled for a reason going away.</summary>
    public override bool IsState => false;

    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        foreach (var e in events)
        {
            if (e.Type == Type && (MinValue is null || e.Value >= MinValue) && (MaxValue is null || e.Value <= MaxValue))
            {
                found.Add(($"event:{e.Type}:{e.Id ?? e.At.ToString()}", e.At.InZone(zone).Date));
            }
        }
    }
}

/// <summary>A date relative to the contract or the account.</summary>
/// <param name="Anchor">What to count from.</param>
/// <param name="Offset">The offset.</param>
public sealed record DateTrigger(DateAnchor Anchor, Period Offset) : PlaybookTrigger
{
    /// <summary>Dates pass once; their runs are never cancelled for a reason going away.</summary>
    public override bool IsState => false;

    internal override void Occurrences(AccountSnapshot? before, LocalDate? beforeDate, AccountSnapshot after, LocalDate afterDate, IReadOnlyList<LifecycleEvent> events, DateTimeZone zone, List<(string Key, LocalDate Date)> found)
    {
        LocalDate? anchor = Anchor switch
        {
            DateAnchor.RenewalDate => after.Account.Contract?.RenewalDate,
            DateAnchor.ContractStart => after.Account.Contract?.Start,
            DateAnchor.CustomerSince => after.Account.CustomerSince,
            _ => after.ChurnedOn,
        };

        if (anchor is { } a)
        {
            var due = a.Plus(Offset);

            // The window is (before, after]; a first evaluation (no before) fires only on the day itself.
            if (due <= afterDate && (beforeDate is { } from ? due > from : due == afterDate))
            {
                found.Add(($"date:{Anchor}:{Offset}:{a:uuuu-MM-dd}", due));
            }
        }
    }
}
