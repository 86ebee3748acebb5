using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

internal static class Fixtures
{
    public static readonly LocalDate Day0 = new(2026, 11, 2); // a Monday

    /// <summary>A churn-save playbook: Red starts a call in two days and a save plan in two weeks.</summary>
    public static readonly Playbook Save = new("save", "Churn save", PlaybookTrigger.HealthTurned(HealthColor.Red), [Step("Call", 2), Step("Save plan", 14)]);

    public static BusinessClock Clock() => new(FakeClock.AtDefaultStart(), DateTimeZone.Utc);

    public static AccountSnapshot Snap(
        string id,
        HealthColor? color = null,
        string[]? segments = null,
        string? owner = "dana",
        double? seatsActive = null,
        LocalDate? renewal = null,
        LocalDate? since = null,
        LocalDate? churnedOn = null,
        string? tier = null,
        CustomerLifecycle.Stages.StageId? stage = null)
    {
        var signals = SignalSet.CreateBuilder().Add(WellKnownSignals.ActiveSeats, seatsActive).ToSignalSet();
        var renewalDate = renewal ?? Day0.PlusDays(200);
        var account = new Account
        {
            Id = new AccountId(id),
            Name = id,
            Owner = owner,
            Tier = tier,
            CustomerSince = since ?? Day0.PlusDays(-400),
            Contract = new Contract(renewalDate.PlusYears(-1), renewalDate, new Money(10_000m, "USD"), licensedSeats: 100),
            Stage = stage ?? CustomerLifecycle.Stages.DefaultLifecycleStages.Adoption,
            Signals = signals,
        };
        HealthScore? health = color is { } c ? new HealthScore { Value = c == HealthColor.Red ? 20 : 80, Color = c, Confidence = 1, ScorecardId = "x" } : null;
        return new AccountSnapshot(account, health, segments, churnedOn);
    }

    public static PortfolioSnapshot Portfolio(LocalDate date, params AccountSnapshot[] accounts) => new(date, accounts);

    public static PlaybookStep Step(string title, int dueDays = 0, string role = "CSM", TaskChannel channel = TaskChannel.Call) =>
        new(title, role, channel, Period.FromDays(dueDays));

    public sealed class RecordingHandler : IPlaybookTaskHandler
    {
        private readonly object _lock = new();
        private int _calls;

        public Func<int, bool> FailOnCall { get; init; } = _ => false;

        public List<PlaybookTask> Received { get; } = [];

        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                _calls++;
                if (FailOnCall(_calls))
                {
                    throw new InvalidOperationException($"handler failed on call {_calls}");
                }

                Received.Add(task);
            }

            return ValueTask.CompletedTask;
        }
    }
}
