using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>How a role's tasks are spread over its team.</summary>
public enum AssignmentStrategy
{
    /// <summary>In turn.</summary>
    RoundRobin = 0,

    /// <summary>To the member with the fewest open tasks (ties: the first listed).</summary>
    LeastLoaded = 1,
}

/// <summary>Chooses the person who owns a task.</summary>
public interface IOwnerAssigner
{
    /// <summary>Chooses an owner for a task of <paramref name="role"/> on <paramref name="account"/>.</summary>
    /// <param name="role">The step's owner role.</param>
    /// <param name="account">The account.</param>
    /// <param name="load">Open tasks per person, counting the tasks assigned earlier in the same evaluation.</param>
    /// <returns>The owner.</returns>
    string Assign(string role, AccountSnapshot account, IOwnerLoad load);
}

/// <summary>How many open tasks each person owns, as an <see cref="IOwnerAssigner"/> sees it during an evaluation.</summary>
public interface IOwnerLoad
{
    /// <summary>The open tasks a person owns: those of open runs in the store, and those assigned so far in this evaluation.</summary>
    /// <param name="owner">The person.</param>
    /// <returns>The count.</returns>
    int OpenTaskCount(string owner);
}

/// <summary>
/// The default assigner: the <c>CSM</c> role goes to the account's owner; other roles (and CSM tasks of unowned
/// accounts) go to the role's team, round-robin or least-loaded; a role without a team is assigned to the role name
/// itself (a queue). Thread-safe.
/// </summary>
public sealed class OwnerAssigner : IOwnerAssigner
{
    /// <summary>The role that means the account's owner.</summary>
    public const string CsmRole = "CSM";

    private readonly Dictionary<string, (string[] Members, AssignmentStrategy Strategy)> _teams;
    private readonly Dictionary<string, int> _turns = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _lock = new();

    /// <summary>Creates the assigner.</summary>
    /// <param name="teams">Teams by role (compared without case): members in order, and the strategy.</param>
    /// <exception cref="ArgumentException">A team has no members.</exception>
    public OwnerAssigner(IReadOnlyDictionary<string, (IReadOnlyList<string> Members, AssignmentStrategy Strategy)>? teams = null)
    {
        _teams = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, team) in teams ?? new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)>())
        {
            if (team.Members is null || team.Members.Count == 0 || team.Members.Any(string.IsNullOrWhiteSpace))
            {
                throw new ArgumentException($"The team of role '{role}' needs one or more named members.", nameof(teams));
            }

            _teams[role] = ([.. team.Members], team.Strategy);
        }
    }

    /// <summary>Whether a team assigns least-loaded, so the engine must read the open-task counts.</summary>
    internal bool UsesLoad => _teams.Values.Any(t => t.Strategy == AssignmentStrategy.LeastLoaded);

    /// <inheritdoc />
    public string Assign(string role, AccountSnapshot account, IOwnerLoad load)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(load);
        if (string.Equals(role, CsmRole, StringComparison.OrdinalIgnoreCase) && account.Account.Owner is { } owner)
        {
            return owner;
        }

        if (!_teams.TryGetValue(role, out var team))
        {
            return role;
        }

        if (team.Strategy == AssignmentStrategy.LeastLoaded)
        {
            return team.Members.MinBy(load.OpenTaskCount)!;
        }

        lock (_lock)
        {
            var turn = _turns.GetValueOrDefault(role);
            _turns[role] = turn + 1;
            return team.Members[turn % team.Members.Length];
        }
    }
}

/// <summary>Working days: weekends and holidays are skipped when a task falls due on them.</summary>
public sealed class BusinessCalendar
{
    private readonly HashSet<IsoDayOfWeek> _weekend;
    private readonly HashSet<LocalDate> _holidays;

    /// <summary>Creates a calendar.</summary>
    /// <param name="holidays">Non-working dates.</param>
    /// <param name="weekend">Non-working days of the week; Saturday and Sunday when null.</param>
    /// <exception cref="ArgumentException">Every day of the week is a weekend day.</exception>
    public BusinessCalendar(IEnumerable<LocalDate>? holidays = null, IEnumerable<IsoDayOfWeek>? weekend = null)
    {
        _weekend = [.. weekend ?? [IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday]];
        if (_weekend.Count >= 7)
        {
            throw new ArgumentException("A business calendar needs at least one working day a week.", nameof(weekend));
        }

        _holidays = [.. holidays ?? []];
    }

    /// <summary>Whether a date is a working day.</summary>
    /// <param name="date">The date.</param>
    /// <returns>True when it is.</returns>
    public bool IsBusinessDay(LocalDate date) => !_weekend.Contains(date.DayOfWeek) && !_holidays.Contains(date);

    /// <summary>The date itself when it is a working day, else the next working day.</summary>
    /// <param name="date">The date.</param>
    /// <returns>A working day.</returns>
    public LocalDate OnOrAfter(LocalDate date)
    {
        // Bounded: a year of holidays at most, since at least one weekday works.
        for (var i = 0; i < 3660 && !IsBusinessDay(date); i++)
        {
            date = date.PlusDays(1);
        }

        return IsBusinessDay(date) ? date : throw new InvalidOperationException($"No working day within ten years after {date:uuuu-MM-dd}; the holidays cover everything.");
    }
}
