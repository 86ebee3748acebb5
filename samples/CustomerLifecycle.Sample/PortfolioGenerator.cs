using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// Makes the sample portfolio: a few thousand accounts as of a date, with realistic, correlated signals (a hidden
/// propensity drives usage, NPS, tickets and churn), contracts in USD and EUR, and churned history for survival curves
/// and calibration. Seeded: the same seed and date always give the same file (a test checks the committed one).
/// </summary>
internal static class PortfolioGenerator
{
    public const int DefaultSeed = 20261122;
    public static readonly LocalDate DefaultAsOf = new(2026, 11, 22);

    public static readonly SignalKey ApiCalls = new("api_calls_7d");

    public static readonly IReadOnlyList<SignalKey> Signals =
    [
        WellKnownSignals.Logins30Days, WellKnownSignals.DaysSinceLastLogin, WellKnownSignals.ActiveSeats, WellKnownSignals.FeaturesUsed,
        WellKnownSignals.FeaturesAvailable, WellKnownSignals.Nps, WellKnownSignals.Csat, WellKnownSignals.OpenTickets, WellKnownSignals.UnresolvedTickets,
        WellKnownSignals.HighSeverityTickets, WellKnownSignals.DaysLateOnPayment, WellKnownSignals.EmailOpenRate, ApiCalls,
    ];

    private static readonly string[] Owners = ["dana@vendor.example", "lee@vendor.example", "sam@vendor.example", "ari@vendor.example", "kim@vendor.example", "noor@vendor.example"];
    private static readonly string[] Names = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Oscorp", "Aperture", "Gringotts", "Monarch"];
    private static readonly string[] Suffixes = ["Corp", "Labs", "Group", "Systems", "Health", "Logistics", "Retail", "Bank", "Media", "Energy"];

    public static List<PortfolioRow> Generate(int count = 3000, int seed = DefaultSeed, LocalDate? asOf = null)
    {
        var today = asOf ?? DefaultAsOf;
        var random = new Random(seed);
        var rows = new List<PortfolioRow>(count);
        for (var i = 0; i < count; i++)
        {
            var tierRoll = random.NextDouble();
            var (tier, arrLow, arrHigh, seatsLow, seatsHigh) = tierRoll switch
            {
                < 0.45 => ("SMB", 2_000, 12_000, 5, 40),
                < 0.80 => ("Mid-Market", 12_000, 60_000, 30, 200),
                < 0.97 => ("Enterprise", 60_000, 300_000, 150, 2_000),
                _ => ("Strategic", 300_000, 1_200_000, 1_000, 8_000),
            };
            var propensity = Math.Clamp(Normal(random, 0.62, 0.2), 0.01, 0.99); // a hidden health; only the signals show it
            var tenureDays = (int)Math.Min(2_000, -Math.Log(1 - random.NextDouble()) * 500);
            var since = today.PlusDays(-tenureDays);
            var seats = random.Next(seatsLow, seatsHigh + 1);
            var arr = Math.Round((decimal)(arrLow + (random.NextDouble() * (arrHigh - arrLow))), 0);
            var currency = random.NextDouble() < 0.3 ? "EUR" : "USD";

            // Churn: a monthly hazard that falls with propensity; churned accounts keep their last contract.
            LocalDate? churnedOn = null;
            for (var month = 1; month * 30 <= tenureDays; month++)
            {
                if (random.NextDouble() < 0.035 * Math.Pow(1 - propensity, 2) * 3)
                {
                    churnedOn = since.PlusDays(month * 30);
                    break;
                }
            }

            var reference = churnedOn ?? today;
            var termsServed = Math.Max(0, Period.DaysBetween(since, reference) / 365);
            var start = since.PlusYears(termsServed);
            if (start > reference)
            {
                start = since;
            }

            var renewal = start.PlusYears(1);
            var stage = churnedOn is not null ? DefaultLifecycleStages.Churned
                : tenureDays <= 90 ? DefaultLifecycleStages.Onboarding
                : propensity switch { < 0.45 => DefaultLifecycleStages.Adoption, < 0.7 => DefaultLifecycleStages.ValueRealization, < 0.85 => DefaultLifecycleStages.Expansion, _ => DefaultLifecycleStages.Advocacy };

            var signals = SignalSet.CreateBuilder();
            var activeShare = Math.Clamp(Normal(random, propensity, 0.15), 0, 1.1);
            signals.Add(WellKnownSignals.ActiveSeats, Math.Round(seats * activeShare));
            signals.Add(WellKnownSignals.Logins30Days, Math.Round(Math.Max(0, Normal(random, seats * activeShare * 8 * propensity, seats))));
            signals.Add(WellKnownSignals.DaysSinceLastLogin, Math.Round(Math.Max(0, -Math.Log(1 - random.NextDouble()) * 20 * (1 - propensity))));
            signals.Add(WellKnownSignals.FeaturesAvailable, 40);
            signals.Add(WellKnownSignals.FeaturesUsed, Math.Round(Math.Clamp(Normal(random, 40 * propensity, 5), 0, 40)));
            if (random.NextDouble() < 0.7)
            {
                signals.Add(WellKnownSignals.Nps, Math.Round(Math.Clamp(Normal(random, 10 * propensity + 1, 2), 0, 10)));
            }

            if (random.NextDouble() < 0.5)
            {
                signals.Add(WellKnownSignals.Csat, Math.Round(Math.Clamp(Normal(random, 5 * propensity + 0.5, 0.8), 1, 5)));
            }

            var tickets = Math.Round(Math.Max(0, Normal(random, 6 * (1 - propensity), 1.5)));
            signals.Add(WellKnownSignals.OpenTickets, tickets);
            signals.Add(WellKnownSignals.UnresolvedTickets, Math.Round(tickets * random.NextDouble()));
            signals.Add(WellKnownSignals.HighSeverityTickets, random.NextDouble() < 0.15 * (1 - propensity) ? 1 : 0);
            signals.Add(WellKnownSignals.DaysLateOnPayment, random.NextDouble() < 0.1 * (1 - propensity) ? random.Next(10, 90) : 0);
            signals.Add(WellKnownSignals.EmailOpenRate, Math.Round(Math.Clamp(Normal(random, 0.4 * propensity + 0.1, 0.1), 0, 1), 2));
            if (random.NextDouble() < 0.6)
            {
                signals.Add(ApiCalls, Math.Round(Math.Max(0, Normal(random, seats * 30 * propensity, seats * 5))));
            }

            var name = $"{Names[random.Next(Names.Length)]} {Suffixes[random.Next(Suffixes.Length)]} {i + 1}";
            var account = new Account
            {
                Id = new AccountId($"acct-{i + 1:D5}"),
                Name = name,
                Owner = tier == "SMB" && random.NextDouble() < 0.5 ? null : Owners[random.Next(Owners.Length)],
                Tier = tier,
                CustomerSince = since,
                Contract = new Contract(start, renewal, new Money(arr, currency), seats, tier == "SMB" ? "Starter" : tier == "Strategic" ? "Enterprise Plus" : "Business"),
                Stage = stage,
                Signals = signals.ToSignalSet(),
            };
            rows.Add(new PortfolioRow(account, churnedOn, i + 2));
        }

        return rows;
    }

    private static double Normal(Random random, double mean, double sd)
    {
        // Box–Muller; the seeded Random keeps the file reproducible.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + (sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
