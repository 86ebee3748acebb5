using CustomerLifecycle.Feedback;
using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>A customer goal and its progress.</summary>
/// <param name="Name">The goal.</param>
/// <param name="Target">The target value.</param>
/// <param name="Actual">Where it stands.</param>
public sealed record QbrGoal(string Name, double Target, double Actual)
{
    /// <summary>Actual / target (1 = met); null when the target is zero.</summary>
    public double? Progress => Target == 0 ? null : Actual / Target;
}

/// <summary>A value or usage metric over the quarter.</summary>
/// <param name="Name">The signal.</param>
/// <param name="Start">At the start of the quarter, if known.</param>
/// <param name="End">At the end, if known.</param>
public sealed record MetricTrend(string Name, double? Start, double? End)
{
    /// <summary>End − start, when both are known.</summary>
    public double? Change => End - Start;
}

/// <summary>
/// The data of a quarterly business review: goals and progress, health and value and usage metrics with their trends,
/// open issues (support tickets, open feedback), and the next quarter's plan. A plain structure for the host to render.
/// </summary>
/// <param name="Account">The account.</param>
/// <param name="AccountName">Its name.</param>
/// <param name="Quarter">The quarter reviewed.</param>
/// <param name="Goals">Goals and progress.</param>
/// <param name="Health">The health score at the end, if scored.</param>
/// <param name="HealthTrend">Health at the end minus health at the start, when both are known.</param>
/// <param name="Metrics">Value and usage metrics with trends.</param>
/// <param name="OpenTickets">Open support tickets (the <c>open_tickets</c> signal), if known.</param>
/// <param name="OpenFeedback">Feedback items not yet resolved.</param>
/// <param name="NextQuarter">The next quarter's plan: cadence touchpoints and open playbook tasks, by date.</param>
public sealed record QbrPack(AccountId Account, string AccountName, DateInterval Quarter, IReadOnlyList<QbrGoal> Goals, HealthScore? Health, double? HealthTrend, IReadOnlyList<MetricTrend> Metrics, double? OpenTickets, IReadOnlyList<FeedbackItem> OpenFeedback, IReadOnlyList<string> NextQuarter)
{
    /// <summary>The signals reported by default: usage, seats, engagement and satisfaction.</summary>
    public static IReadOnlyList<SignalKey> DefaultMetrics { get; } = [WellKnownSignals.Logins30Days, WellKnownSignals.ActiveSeats, WellKnownSignals.FeaturesUsed, WellKnownSignals.Nps, WellKnownSignals.Csat];

    /// <summary>Builds the pack.</summary>
    /// <param name="atStart">The account at the start of the quarter (for trends), if known.</param>
    /// <param name="atEnd">The account at the end.</param>
    /// <param name="quarter">The quarter.</param>
    /// <param name="goals">The customer's goals.</param>
    /// <param name="healthAtStart">Health at the start, if scored.</param>
    /// <param name="healthAtEnd">Health at the end, if scored.</param>
    /// <param name="feedback">The account's feedback items; resolved ones are left out.</param>
    /// <param name="openTasks">Open playbook tasks of the account.</param>
    /// <param name="metrics">The signals to report; <see cref="DefaultMetrics"/> when null.</param>
    /// <param name="policy">The cadence policy for the next quarter's touchpoints.</param>
    /// <returns>The pack.</returns>
    /// <exception cref="ArgumentException">The accounts differ, or feedback or a task belongs to another account.</exception>
    public static QbrPack Build(Account? atStart, Account atEnd, DateInterval quarter, IEnumerable<QbrGoal> goals, HealthScore? healthAtStart, HealthScore? healthAtEnd, IEnumerable<FeedbackItem> feedback, IEnumerable<PlaybookTask> openTasks, IEnumerable<SignalKey>? metrics = null, CadencePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(atEnd);
        ArgumentNullException.ThrowIfNull(quarter);
        ArgumentNullException.ThrowIfNull(goals);
        ArgumentNullException.ThrowIfNull(feedback);
        ArgumentNullException.ThrowIfNull(openTasks);
        if (atStart is not null && atStart.Id != atEnd.Id)
        {
            throw new ArgumentException($"The start ('{atStart.Id}') and end ('{atEnd.Id}') accounts differ.", nameof(atStart));
        }

        var feedbackList = feedback.ToArray();
        var tasks = openTasks.ToArray();
        if (feedbackList.FirstOrDefault(f => f.Account != atEnd.Id) is { } foreign)
        {
            throw new ArgumentException($"Feedback '{foreign.Id}' belongs to '{foreign.Account}', not '{atEnd.Id}'.", nameof(feedback));
        }

        if (tasks.FirstOrDefault(t => t.Account != atEnd.Id) is { } other)
        {
            throw new ArgumentException($"Task '{other.Id}' belongs to '{other.Account}', not '{atEnd.Id}'.", nameof(openTasks));
        }

        var next = new DateInterval(quarter.End.PlusDays(1), quarter.End.PlusMonths(3));
        var plan = Cadences.Plan(atEnd, next, policy).Select(c => (c.Date, Text: $"{c.Date:uuuu-MM-dd} {c.Title}"))
            .Concat(tasks.Select(t => (Date: t.Due, Text: $"{t.Due:uuuu-MM-dd} {t.Title} ({t.Owner})")))
            .OrderBy(p => p.Date)
            .Select(p => p.Text)
            .ToArray();
        return new QbrPack(
            atEnd.Id,
            atEnd.Name,
            quarter,
            [.. goals],
            healthAtEnd,
            healthAtEnd?.Value - healthAtStart?.Value,
            [.. (metrics ?? DefaultMetrics).Select(m => new MetricTrend(m.Name, atStart?.Signals[m], atEnd.Signals[m]))],
            atEnd.Signals[WellKnownSignals.OpenTickets],
            [.. feedbackList.Where(f => !f.IsResolved)],
            plan);
    }
}
