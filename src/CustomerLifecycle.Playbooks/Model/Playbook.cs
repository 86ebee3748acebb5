using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>How a task reaches the customer.</summary>
public enum TaskChannel
{
    /// <summary>An email (often automated for tech-touch accounts).</summary>
    Email = 0,

    /// <summary>An in-app message.</summary>
    InApp = 1,

    /// <summary>A call.</summary>
    Call = 2,

    /// <summary>A meeting.</summary>
    Meeting = 3,
}

/// <summary>How urgent a task is.</summary>
public enum TaskPriority
{
    /// <summary>When there is time.</summary>
    Low = 0,

    /// <summary>The usual.</summary>
    Normal = 1,

    /// <summary>Before the normal ones.</summary>
    High = 2,

    /// <summary>Today.</summary>
    Urgent = 3,
}

/// <summary>One step of a playbook: a task to create when the playbook runs.</summary>
public sealed record PlaybookStep
{
    /// <summary>Creates a step.</summary>
    /// <param name="title">What to do.</param>
    /// <param name="ownerRole">Who does it: a role (<c>CSM</c> is the account's owner; others are resolved by the assigner).</param>
    /// <param name="channel">How.</param>
    /// <param name="due">When, after the trigger; zero or more.</param>
    /// <param name="priority">How urgent.</param>
    /// <exception cref="ArgumentException">A blank title or role, or a negative due offset.</exception>
    public PlaybookStep(string title, string ownerRole, TaskChannel channel, Period due, TaskPriority priority = TaskPriority.Normal)
    {
        Title = string.IsNullOrWhiteSpace(title) ? throw new ArgumentException("A playbook step needs a title.", nameof(title)) : title;
        OwnerRole = string.IsNullOrWhiteSpace(ownerRole) ? throw new ArgumentException($"Step '{title}' needs an owner role.", nameof(ownerRole)) : ownerRole;
        ArgumentNullException.ThrowIfNull(due);
        if (new LocalDate(2000, 1, 1).Plus(due) < new LocalDate(2000, 1, 1))
        {
            throw new ArgumentException($"Step '{title}': the due offset {due} is negative; a task is due on or after its trigger.", nameof(due));
        }

        Channel = Enum.IsDefined(channel) ? channel : throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel.");
        Due = due;
        Priority = Enum.IsDefined(priority) ? priority : throw new ArgumentOutOfRangeException(nameof(priority), priority, "Unknown priority.");
    }

    /// <summary>What to do.</summary>
    public string Title { get; }

    /// <summary>The role that owns the task.</summary>
    public string OwnerRole { get; }

    /// <summary>How the task reaches the customer.</summary>
    public TaskChannel Channel { get; }

    /// <summary>The due date's offset from the trigger.</summary>
    public Period Due { get; }

    /// <summary>How urgent.</summary>
    public TaskPriority Priority { get; }
}

/// <summary>"At most <paramref name="Runs"/> runs every <paramref name="Every"/>" per account.</summary>
/// <param name="Runs">The most runs, 1 or more.</param>
/// <param name="Every">The rolling window: a positive period of days, weeks, months or years.</param>
/// <exception cref="ArgumentOutOfRangeException"><paramref name="Runs"/> is less than 1.</exception>
/// <exception cref="ArgumentException"><paramref name="Every"/> is not a positive date period.</exception>
/// <exception cref="ArgumentNullException"><paramref name="Every"/> is null.</exception>
public sealed record EnrolmentCap(int Runs, Period Every)
{
    private readonly int _runs = ValidRuns(Runs);
    private readonly Period _every = DatePeriods.Positive(Every, nameof(Every), "An enrolment cap's window");

    /// <summary>The most runs in any window, 1 or more.</summary>
    public int Runs { get => _runs; init => _runs = ValidRuns(value); }

    /// <summary>The rolling window.</summary>
    public Period Every { get => _every; init => _every = DatePeriods.Positive(value, nameof(Every), "An enrolment cap's window"); }

    private static int ValidRuns(int runs) => runs >= 1
        ? runs
        : throw new ArgumentOutOfRangeException(nameof(Runs), runs, $"An enrolment cap allows 1 or more runs (was {runs}).");
}

/// <summary>The rule for the periods a playbook counts in: whole days, weeks, months or years, more than none.</summary>
internal static class DatePeriods
{
    public static Period Positive(Period? period, string name, string what)
    {
        ArgumentNullException.ThrowIfNull(period, name);
        if (period.HasTimeComponent || period.Years < 0 || period.Months < 0 || period.Weeks < 0 || period.Days < 0 || period.Equals(Period.Zero))
        {
            throw new ArgumentException($"{what} is a positive period of days, weeks, months or years, with no part negative (was {period}).", name);
        }

        return period;
    }
}

/// <summary>
/// A playbook: a trigger, conditions that narrow it (segments, tiers), and the steps to create, with variants per touch
/// model (a tech-touch email instead of a CSM call). Immutable.
/// </summary>
public sealed record Playbook
{
    private readonly Period? _cooldown;
    private readonly PlaybookExperiment? _experiment;

    /// <summary>Creates a playbook.</summary>
    /// <param name="id">A stable id (runs are keyed by it): 1 to 64 characters of letters, digits, '-', '_' and '.'.</param>
    /// <param name="name">A display name.</param>
    /// <param name="trigger">When it starts.</param>
    /// <param name="steps">The default steps; one or more.</param>
    /// <exception cref="ArgumentException">The id is not valid, or there are no steps.</exception>
    public Playbook(string id, string name, PlaybookTrigger trigger, IEnumerable<PlaybookStep> steps)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"A playbook id has 1 to 64 letters, digits, '-', '_' or '.'; '{id}' is not valid.", nameof(id));
        }

        Id = id;
        Name = string.IsNullOrWhiteSpace(name) ? id : name;
        Trigger = trigger ?? throw new ArgumentNullException(nameof(trigger));
        Steps = [.. steps ?? throw new ArgumentNullException(nameof(steps))];
        if (Steps.Count == 0)
        {
            throw new ArgumentException($"Playbook '{id}' needs at least one step.", nameof(steps));
        }
    }

    /// <summary>The stable id.</summary>
    public string Id { get; }

    /// <summary>The display name.</summary>
    public string Name { get; init; }

    /// <summary>What the playbook is for (documentation).</summary>
    public string? Description { get; init; }

    /// <summary>When it starts.</summary>
    public PlaybookTrigger Trigger { get; }

    /// <summary>The default steps.</summary>
    public IReadOnlyList<PlaybookStep> Steps { get; }

    /// <summary>Steps per touch model (a segment name such as <c>TechTouch</c>); an account in none of them gets <see cref="Steps"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<PlaybookStep>> Variants { get; init; } = new Dictionary<string, IReadOnlyList<PlaybookStep>>();

    /// <summary>Only accounts in at least one of these segments; empty for all.</summary>
    public IReadOnlyList<string> Segments { get; init; } = [];

    /// <summary>Only accounts of these tiers (compared without case); empty for all.</summary>
    public IReadOnlyList<string> Tiers { get; init; } = [];

    /// <summary>No new run for an account within this period after its last run; null for none.</summary>
    /// <exception cref="ArgumentException">Set to a period that is not a positive period of days, weeks, months or years.</exception>
    public Period? Cooldown
    {
        get => _cooldown;
        init => _cooldown = value is null ? null : DatePeriods.Positive(value, nameof(Cooldown), $"Playbook '{Id}': the cooldown");
    }

    /// <summary>At most N runs per account every period; null for no cap.</summary>
    public EnrolmentCap? Cap { get; init; }

    /// <summary>
    /// A randomized experiment: a share of the accounts held out (their run recorded with no tasks) and, optionally,
    /// alternative steps compared with these; null for none. Every run then records its arm and stratum.
    /// </summary>
    /// <exception cref="ArgumentException">Set to an experiment stratified by segment without its <see cref="PlaybookExperiment.StrataSegments"/>.</exception>
    public PlaybookExperiment? Experiment
    {
        get => _experiment;
        init => _experiment = value is { Strata: ExperimentStrata.Segment, StrataSegments.Count: 0 }
            ? throw new ArgumentException($"Playbook '{Id}': an experiment stratified by segment needs its StrataSegments.", nameof(Experiment))
            : value;
    }

    /// <summary>The steps for an account: the first variant whose touch-model segment it is in, else <see cref="Steps"/>.</summary>
    /// <param name="account">The account.</param>
    /// <returns>The steps.</returns>
    public IReadOnlyList<PlaybookStep> StepsFor(AccountSnapshot account)
    {
        ArgumentNullException.ThrowIfNull(account);
        foreach (var (touchModel, steps) in Variants)
        {
            if (account.Segments.Contains(touchModel))
            {
                return steps;
            }
        }

        return Steps;
    }

    /// <summary>Whether the account meets the conditions.</summary>
    /// <param name="account">The account.</param>
    /// <returns>True when it does.</returns>
    public bool Applies(AccountSnapshot account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (Tiers.Count > 0 && (account.Account.Tier is not { } tier || !Tiers.Contains(tier, StringComparer.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (Segments.Count == 0)
        {
            return true;
        }

        foreach (var segment in Segments)
        {
            if (account.Segments.Contains(segment))
            {
                return true;
            }
        }

        return false;
    }
}
