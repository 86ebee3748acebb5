using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>A seeded portfolio with everything the default segments read: tenure, contracts, stages, engagement signals, health.</summary>
internal static class SegmentationPortfolio
{
    public static readonly LocalDate Today = new(2026, 11, 22);

    public static SegmentSubject[] Subjects(int count, int seed = 7)
    {
        var random = new Random(seed);
        var stages = LifecycleStageModel.Default.Stages.Select(s => s.Id).ToArray();
        var subjects = new SegmentSubject[count];
        for (var i = 0; i < count; i++)
        {
            var signals = SignalSet.CreateBuilder()
                .Add(WellKnownSignals.Logins30Days, random.Next(0, 60))
                .Add(WellKnownSignals.DaysSinceLastLogin, random.Next(0, 30))
                .Add(WellKnownSignals.ActiveSeats, random.Next(0, 120));
            if (random.NextDouble() < 0.6)
            {
                signals.Add(WellKnownSignals.Nps, random.Next(0, 11));
            }

            if (random.NextDouble() < 0.5)
            {
                signals.Add(WellKnownSignals.UnresolvedTickets, random.Next(0, 6));
            }

            var renewal = Today.PlusDays(random.Next(1, 365));
            var account = new Account
            {
                Id = new AccountId("acct-" + i),
                Name = "Account " + i,
                Owner = "csm-" + (i % 40),
                CustomerSince = Today.PlusDays(-random.Next(0, 1500)),
                Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(random.Next(1_000, 150_000), i % 5 == 0 ? "EUR" : "USD"), random.Next(1, 100)),
                Stage = stages[random.Next(stages.Length)],
                Signals = signals.ToSignalSet(),
            };
            var score = random.Next(0, 101);
            var health = new HealthScore { Value = score, Color = score < 40 ? HealthColor.Red : score < 70 ? HealthColor.Yellow : HealthColor.Green, Confidence = 1, ScorecardId = "bench" };
            subjects[i] = new SegmentSubject(account, health);
        }

        return subjects;
    }
}
