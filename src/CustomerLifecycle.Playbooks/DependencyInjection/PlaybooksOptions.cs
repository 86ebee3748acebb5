namespace CustomerLifecycle.Playbooks;

/// <summary>
/// Playbook settings, bindable from configuration (for example the <c>CustomerLifecycle:Playbooks</c> section) and
/// validated at start-up: every error is reported together, each with its key.
/// </summary>
public sealed class PlaybooksOptions
{
    /// <summary>Start from <see cref="DefaultPlaybooks.All"/>. Default true.</summary>
    public bool UseDefaultPlaybooks { get; set; } = true;

    /// <summary>Playbooks by id. An id that matches a default or code-registered playbook overrides what it sets; a new id defines a playbook and needs a trigger and steps.</summary>
    public Dictionary<string, PlaybookOptions> Playbooks { get; } = new(StringComparer.Ordinal);

    /// <summary>Teams by role, for assigning tasks of roles other than the account's CSM.</summary>
    public Dictionary<string, TeamOptions> Teams { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Holidays (ISO dates, <c>2026-12-25</c>); with <see cref="Weekend"/>, due dates on them move to the next working day. Empty with no weekend: no calendar.</summary>
    public List<string> Holidays { get; } = [];

    /// <summary>Non-working days of the week (<c>Saturday</c>, <c>Sunday</c>); empty for none.</summary>
    public List<NodaTime.IsoDayOfWeek> Weekend { get; } = [];

    /// <summary>How long an evaluation's claim on a batch of tasks lasts if it stops mid-way, in minutes of real time. Default 5; 1 to 1440.</summary>
    public int HandOffLeaseMinutes { get; set; } = 5;

    /// <summary>How many tasks one claim takes (see <see cref="PlaybookEngineOptions.HandOffBatchSize"/>). Default 256; 1 to 100,000.</summary>
    public int HandOffBatchSize { get; set; } = 256;

    /// <summary>
    /// The largest share of open runs one evaluation may cancel without the caller's confirmation (see
    /// <see cref="PlaybookEngineOptions.MaxCancellationShare"/>). Default 0.5; 0 to 1, where 1 turns the guard off.
    /// </summary>
    public double MaxCancellationShare { get; set; } = 0.5;
}

/// <summary>One playbook in configuration.</summary>
public sealed class PlaybookOptions
{
    /// <summary>The display name.</summary>
    public string? Name { get; set; }

    /// <summary>False removes the playbook (a default one included). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The trigger; required for a new playbook.</summary>
    public TriggerOptions? Trigger { get; set; }

    /// <summary>The steps; required for a new playbook; replaces the default's when given.</summary>
    public List<StepOptions> Steps { get; } = [];

    /// <summary>Steps per touch-model segment (for example <c>TechTouch</c>); replaces the default's variants when given.</summary>
    public Dictionary<string, List<StepOptions>> Variants { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Only accounts in one of these segments.</summary>
    public List<string> Segments { get; } = [];

    /// <summary>Only accounts of these tiers.</summary>
    public List<string> Tiers { get; } = [];

    /// <summary>The cooldown in days; 0 for none.</summary>
    public int? CooldownDays { get; set; }

    /// <summary>The cap: at most this many runs per account...</summary>
    public int? CapRuns { get; set; }

    /// <summary>...every this many days.</summary>
    public int? CapDays { get; set; }

    /// <summary>A randomized experiment on the playbook (<see cref="PlaybookExperiment"/>); null for none.</summary>
    public ExperimentOptions? Experiment { get; set; }
}

/// <summary>The configuration of a <see cref="PlaybookExperiment"/>.</summary>
public sealed class ExperimentOptions
{
    /// <summary>Names the experiment in the assignment's hash; a new salt reassigns every account.</summary>
    public string? Salt { get; set; }

    /// <summary>The share of accounts held out, strictly between 0 and 1.</summary>
    public double HoldoutShare { get; set; }

    /// <summary>What each run records as its stratum: None, Tier, HealthColor or Segment.</summary>
    public ExperimentStrata Strata { get; set; }

    /// <summary>With <c>Strata: Segment</c>, the segments that are the strata, in order of precedence.</summary>
    public List<string> StrataSegments { get; } = [];

    /// <summary>Alternative steps compared with the playbook's own, by arm name.</summary>
    public Dictionary<string, List<StepOptions>> Arms { get; } = new(StringComparer.Ordinal);
}

/// <summary>A trigger in configuration.</summary>
public sealed class TriggerOptions
{
    /// <summary><c>HealthTurned</c>, <c>SegmentEntered</c>, <c>SegmentExited</c>, <c>StageEntered</c>, <c>SignalCrossed</c>, <c>SeatUtilization</c>, <c>Event</c> or <c>Date</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>For HealthTurned: Red, Yellow or Green.</summary>
    public string? Color { get; set; }

    /// <summary>For SegmentEntered and SegmentExited.</summary>
    public string? Segment { get; set; }

    /// <summary>For StageEntered.</summary>
    public string? Stage { get; set; }

    /// <summary>For SignalCrossed: the signal name.</summary>
    public string? Signal { get; set; }

    /// <summary>For SignalCrossed: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c> (default).</summary>
    public string Operator { get; set; } = ">=";

    /// <summary>For SignalCrossed and SeatUtilization (a share, 0.75 = 75 %).</summary>
    public double? Threshold { get; set; }

    /// <summary>For Event: a well-known event type name (<c>nps_response</c>, <c>champion_left</c>, ...).</summary>
    public string? Event { get; set; }

    /// <summary>For Event: the lowest value (an NPS of 9).</summary>
    public double? MinValue { get; set; }

    /// <summary>For Event: the highest value.</summary>
    public double? MaxValue { get; set; }

    /// <summary>For Date: RenewalDate, ContractStart, CustomerSince or ChurnedOn.</summary>
    public DateAnchor? Anchor { get; set; }

    /// <summary>For Date: the offset in days (negative: before); within ±36,600 (about a hundred years).</summary>
    public int OffsetDays { get; set; }

    /// <summary>For Date: the offset in months, added to the days; within ±1,200.</summary>
    public int OffsetMonths { get; set; }
}

/// <summary>A step in configuration.</summary>
public sealed class StepOptions
{
    /// <summary>What to do; required.</summary>
    public string? Title { get; set; }

    /// <summary>The owner role; default <c>CSM</c>.</summary>
    public string Role { get; set; } = OwnerAssigner.CsmRole;

    /// <summary>Email, InApp, Call (default) or Meeting.</summary>
    public TaskChannel Channel { get; set; } = TaskChannel.Call;

    /// <summary>Days after the trigger; 0 or more.</summary>
    public int DueDays { get; set; }

    /// <summary>Low, Normal (default), High or Urgent.</summary>
    public TaskPriority Priority { get; set; } = TaskPriority.Normal;
}

/// <summary>A team in configuration.</summary>
public sealed class TeamOptions
{
    /// <summary>The members, in order; one or more.</summary>
    public List<string> Members { get; } = [];

    /// <summary>RoundRobin (default) or LeastLoaded.</summary>
    public AssignmentStrategy Strategy { get; set; }
}
