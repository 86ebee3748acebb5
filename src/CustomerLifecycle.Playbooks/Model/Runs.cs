using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>The state of a run or a task.</summary>
public enum RunStatus
{
    /// <summary>Open: work to do.</summary>
    Open = 0,

    /// <summary>Cancelled: its reason went away.</summary>
    Cancelled = 1,
}

/// <summary>A task created by a playbook run, handed to the host's handlers. Its id is stable, so a handler can recognise a retry.</summary>
/// <param name="Id">The stable id: the run's id and the step's position.</param>
/// <param name="RunId">The run.</param>
/// <param name="PlaybookId">The playbook.</param>
/// <param name="Account">The account.</param>
/// <param name="Title">What to do.</param>
/// <param name="OwnerRole">The role.</param>
/// <param name="Owner">The person assigned.</param>
/// <param name="Channel">How.</param>
/// <param name="Priority">How urgent.</param>
/// <param name="Due">The due date.</param>
public sealed record PlaybookTask(string Id, string RunId, string PlaybookId, AccountId Account, string Title, string OwnerRole, string Owner, TaskChannel Channel, TaskPriority Priority, LocalDate Due);

/// <summary>One run of a playbook for one trigger occurrence on one account.</summary>
/// <param name="Id">The stable id: playbook, account and occurrence key.</param>
/// <param name="PlaybookId">The playbook.</param>
/// <param name="Account">The account.</param>
/// <param name="OccurrenceKey">The trigger occurrence it answers.</param>
/// <param name="TriggeredOn">The date of the occurrence.</param>
/// <param name="CreatedAt">When the engine created it.</param>
/// <param name="Tasks">Its tasks.</param>
public sealed record PlaybookRun(string Id, string PlaybookId, AccountId Account, string OccurrenceKey, LocalDate TriggeredOn, Instant CreatedAt, IReadOnlyList<PlaybookTask> Tasks)
{
    /// <summary>Open, or cancelled.</summary>
    public RunStatus Status { get; init; }

    /// <summary>
    /// Its arm when its playbook runs an experiment (<see cref="PlaybookExperiment"/>): <see cref="PlaybookExperiment.HeldOut"/>
    /// (a run with no tasks), <see cref="PlaybookExperiment.Treated"/>, or an alternative's name; null otherwise.
    /// </summary>
    public string? Arm { get; init; }

    /// <summary>Its stratum when its playbook's experiment records one (<see cref="PlaybookExperiment.Strata"/>); null otherwise.</summary>
    public string? Stratum { get; init; }

    /// <summary>
    /// The id of the run for a playbook, account and occurrence: <c>playbook|account|occurrence</c>, with any <c>%</c>
    /// or <c>|</c> inside a part percent-encoded (<c>%25</c>, <c>%7C</c>), so that distinct triples never share an id
    /// whatever text the host's account and event ids hold.
    /// </summary>
    /// <param name="playbookId">The playbook.</param>
    /// <param name="account">The account.</param>
    /// <param name="occurrenceKey">The occurrence.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="playbookId"/> or <paramref name="occurrenceKey"/> is null.</exception>
    public static string IdFor(string playbookId, AccountId account, string occurrenceKey)
    {
        ArgumentNullException.ThrowIfNull(playbookId);
        ArgumentNullException.ThrowIfNull(occurrenceKey);
        return $"{Escape(playbookId)}|{Escape(account.Value)}|{Escape(occurrenceKey)}";
    }

    // '%' and '|' inside a part are percent-encoded, so the separators are unambiguous and distinct triples never share
    // an id; parts without them (every id the library makes itself) are unchanged.
    private static string Escape(string part) =>
        part.AsSpan().IndexOfAny('%', '|') < 0 ? part : part.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);
}

/// <summary>What the store did with a new run.</summary>
public enum RunAdmission
{
    /// <summary>Created.</summary>
    Created = 0,

    /// <summary>A run for the same occurrence exists: nothing created.</summary>
    Duplicate = 1,

    /// <summary>The playbook's cooldown for the account has not passed.</summary>
    CoolingDown = 2,

    /// <summary>The playbook's enrolment cap for the account is reached.</summary>
    Capped = 3,

    /// <summary>
    /// The request asked for at most one open run of its playbook per account (<see cref="RunRequest.SingleOpen"/>), and
    /// one is open: nothing created. The engine asks this of every state-triggered run, so that two evaluations racing
    /// on one episode of a state (two dates evaluated at once) start it once.
    /// </summary>
    AlreadyOpen = 4,
}
