using CustomerLifecycle.Usage;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// A seeded stream of product-usage events for the sample's portfolio, day by day: logins, feature use and API calls
/// whose 30-day totals follow each row's usage columns, so that the usage signals the sample computes from the
/// events tell the same story as the file. The events of an account and a day are the same on every run (their ids
/// too), so a rerun sends duplicates, which the aggregator ignores.
/// </summary>
internal sealed class UsageSimulation
{
    public static readonly SignalKey Logins = new("logins_30d");
    public static readonly SignalKey DaysSinceLogin = new("days_since_last_login");
    public static readonly SignalKey ActiveSeats = new("active_seats");
    public static readonly SignalKey FeaturesUsed = new("features_used");

    /// <summary>The feature events: the six in the feature catalog (appsettings.json) first, then 34 more.</summary>
    public static readonly string[] Features =
    [
        "feature.reports", "feature.dashboards", "feature.integrations", "feature.automation", "feature.sso", "feature.alerts",
        .. Enumerable.Range(7, 34).Select(i => $"feature.f{i:00}"),
    ];

    private static readonly string[] Names = ["user.login", "api.request", .. Features];

    private readonly IReadOnlyList<Account> _accounts;
    private readonly ulong _seed;
    private readonly DateTimeZone _zone;
    private readonly LocalDate _today;
    private readonly Instant _now;
    private readonly string[] _users;
    private readonly int[] _userStart;

    public UsageSimulation(IReadOnlyList<Account> accounts, ulong seed, BusinessClock clock)
    {
        _accounts = accounts;
        _seed = seed;
        _zone = clock.Zone;
        _today = clock.Today;
        _now = clock.Now;

        // One user table for the portfolio: each account's users, as many as its active seats (at least one).
        _userStart = new int[accounts.Count + 1];
        for (var a = 0; a < accounts.Count; a++)
        {
            _userStart[a + 1] = _userStart[a] + Math.Max(1, (int)Target(accounts[a], ActiveSeats));
        }

        _users = new string[_userStart[^1]];
        for (var a = 0; a < accounts.Count; a++)
        {
            for (var u = _userStart[a]; u < _userStart[a + 1]; u++)
            {
                _users[u] = $"{accounts[a].Id}/u{u - _userStart[a] + 1}";
            }
        }
    }

    /// <summary>Whether an account's plan has the API: the file gives its <c>api_calls_7d</c> (a plan without it leaves the column empty).</summary>
    public static bool HasApi(Account account) => account.Signals.TryGetValue(PortfolioGenerator.ApiCalls, out _);

    /// <summary>Days of history (today included) a first run loads: the 30-day windows and the 30 days before them, which the trend compares with, and 30 more.</summary>
    public const int HistoryDays = 90;

    /// <summary>A day's events, in columns (a bulk load: the first run's history, not de-duplicated).</summary>
    public void IngestColumns(UsageAggregator usage, LocalDate day, List<RefusedUsageEvent> refused, ref long accepted)
    {
        var account = new List<int>();
        var user = new List<int>();
        var name = new List<int>();
        var at = new List<Instant>();
        var quantity = new List<double>();
        for (var a = 0; a < _accounts.Count; a++)
        {
            foreach (var e in Day(a, day))
            {
                account.Add(a);
                user.Add(e.User);
                name.Add(e.Name);
                at.Add(e.At);
                quantity.Add(e.Quantity);
            }
        }

        var report = usage.Ingest(new UsageEventColumns(
            [.. _accounts.Select(x => x.Id)], _users, Names,
            account.ToArray(), user.ToArray(), name.ToArray(), at.ToArray(), quantity.ToArray()));
        accepted += report.Accepted;
        refused.AddRange(report.Refused);
    }

    /// <summary>A day's events with their ids (a daily delivery: a day sent twice is ignored the second time).</summary>
    public IEnumerable<UsageEvent> Events(LocalDate day)
    {
        for (var a = 0; a < _accounts.Count; a++)
        {
            var k = 0;
            foreach (var e in Day(a, day))
            {
                yield return new UsageEvent($"{_accounts[a].Id}:{day:uuuuMMdd}:{k++}", _accounts[a].Id, _users[e.User], Names[e.Name], e.At, e.Quantity);
            }
        }
    }

    private IEnumerable<(int User, int Name, Instant At, double Quantity)> Day(int a, LocalDate day)
    {
        var account = _accounts[a];
        var back = Period.Between(day, _today, PeriodUnits.Days).Days;
        var random = new SplitMix(_seed ^ ((ulong)a * 0x9E3779B97F4A7C15UL) ^ ((ulong)day.ToDateOnly().DayNumber * 0xC2B2AE3D27D4EB4FUL));
        var start = _zone.AtStartOfDay(day).ToInstant();
        var length = day == _today ? _now - start : _zone.AtStartOfDay(day.PlusDays(1)).ToInstant() - start;
        Instant When() => start + Duration.FromTicks((long)(random.NextDouble() * length.BclCompatibleTicks));

        var users = _userStart[a + 1] - _userStart[a];
        var perDay = Math.Max(1, (users + 19) / 20); // every user active at least once in any 20 days

        // One account in ten (chosen by the seed) used the product two and a half times as much a month ago.
        var declining = (Mix(_seed ^ (ulong)a) % 10) == 0;
        var scale = declining && back >= 30 ? 2.5 : 1;

        // Logins: none in the last days_since_last_login days, and the 30-day total spread over the other days of the
        // window; the same daily rate before it.
        var since = (int)Target(account, DaysSinceLogin);
        if (back >= since)
        {
            var daily = since < 30 ? Math.Max(1, Target(account, Logins) / (30 - since)) : 1;
            for (var i = 0; i < perDay; i++)
            {
                yield return (_userStart[a] + (((back * perDay) + i) % users), 0, When(), Math.Max(1, Math.Round(daily * scale / perDay * (0.5 + random.NextDouble()))));
            }
        }

        // Features: the account's features_used features, each used at least once in any 10 days.
        var features = (int)Math.Min(Target(account, FeaturesUsed), Features.Length);
        var featuresPerDay = (features + 9) / 10;
        for (var j = 0; j < featuresPerDay; j++)
        {
            yield return (_userStart[a] + (int)(random.Next() % (ulong)users), 2 + (((back * featuresPerDay) + j) % features), When(), 1);
        }

        if (HasApi(account) && account.Signals.TryGetValue(PortfolioGenerator.ApiCalls, out var calls) && calls > 0)
        {
            yield return (_userStart[a], 1, When(), Math.Round(calls / 7 * scale * (0.8 + (0.4 * random.NextDouble()))));
        }
    }

    private static double Target(Account account, SignalKey key) => account.Signals.TryGetValue(key, out var v) && v > 0 ? v : 0;

    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private struct SplitMix(ulong state)
    {
        private ulong _state = state;

        public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
    }
}
