using CustomerLifecycle.Usage;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// The usage benchmarks' events, in columns, made by integer formulas of the event number that DuckDB evaluates the
/// same way (<see cref="SqlTable"/>), so that both read identical events. Instants are made on UTC days; the full
/// computation reads them in a business zone (<see cref="BenchmarkSizes.BusinessZone"/>), the other usage benchmarks in UTC.
/// </summary>
internal sealed class UsageEvents
{
    public static readonly LocalDate FirstDay = new(2026, 11, 1);

    public static readonly string[] Names =
    [
        "user.login", "report.exported", "report.viewed", "report.shared", "dashboard.viewed", "api.request", "admin.setting", "search.run",
        .. Enumerable.Range(0, 12).Select(i => $"feature.f{i:00}"),
    ];

    /// <summary>The ten definitions of the full computation: count and sum over names and prefixes, distinct users and days and features, recency, change.</summary>
    public static UsageOptions Definitions(bool countAndSumOnly = false)
    {
        var options = new UsageOptions { LatenessDays = 0, FeatureCatalog = ["feature.f00", "feature.f01", "feature.f02", "report.exported"] };
        options.Signals["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" };
        options.Signals["events_7d"] = new() { Kind = UsageSignalKind.Count, Window = 7 };
        options.Signals["report_quantity_30d"] = new() { Kind = UsageSignalKind.Sum, Window = 30, Events = "report.*" };
        options.Signals["exports_7d"] = new() { Kind = UsageSignalKind.Count, Window = 7, Events = "report.exported" };
        if (countAndSumOnly)
        {
            return options;
        }

        options.Signals["active_users_30d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 30 };
        options.Signals["active_users_7d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 7 };
        options.Signals["active_days_30d"] = new() { Kind = UsageSignalKind.ActiveDays, Window = 30 };
        options.Signals["features_30d"] = new() { Kind = UsageSignalKind.DistinctFeatures, Window = 30, Events = "feature.*" };
        options.Signals["days_since_login"] = new() { Kind = UsageSignalKind.DaysSinceLast, Events = "user.login" };
        options.Signals["events_trend"] = new() { Kind = UsageSignalKind.Change, Of = "events_7d" };
        return options;
    }

    public UsageEvents(int accounts, long count, int days, long first = 0)
    {
        Accounts = accounts;
        UsersPerAccount = UsersPer(accounts);
        AccountIds = [.. Enumerable.Range(0, accounts).Select(a => new AccountId("acct-" + a))];
        Users = [.. Enumerable.Range(0, accounts * UsersPerAccount).Select(u => "user-" + u)];
        Account = new int[count];
        User = new int[count];
        Name = new int[count];
        At = new Instant[count];
        Quantity = new double[count];
        var start = FirstDay.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        for (long k = 0; k < count; k++)
        {
            var i = first + k;
            var a = (int)((i * 2654435761L) % accounts);
            Account[k] = a;
            User[k] = (a * UsersPerAccount) + (int)((i * 40503L / 7) % UsersPerAccount);
            Name[k] = (int)((i * 7919L / 3) % Names.Length);
            At[k] = start + Duration.FromDays((int)(i % days)) + Duration.FromSeconds(i * 1237L % 86400);
            Quantity[k] = 1 + (i % 5);
        }
    }

    private UsageEvents(UsageEvents source, List<int> rows)
    {
        Accounts = source.Accounts;
        UsersPerAccount = source.UsersPerAccount;
        AccountIds = source.AccountIds;
        Users = source.Users;
        Account = [.. rows.Select(r => source.Account[r])];
        User = [.. rows.Select(r => source.User[r])];
        Name = [.. rows.Select(r => source.Name[r])];
        At = [.. rows.Select(r => source.At[r])];
        Quantity = [.. rows.Select(r => source.Quantity[r])];
    }

    /// <summary>The events whose instant passes <paramref name="keep"/>, in order.</summary>
    public UsageEvents Where(Func<Instant, bool> keep)
    {
        var rows = new List<int>();
        for (var i = 0; i < At.Length; i++)
        {
            if (keep(At[i]))
            {
                rows.Add(i);
            }
        }

        return new UsageEvents(this, rows);
    }

    public static int UsersPer(int accounts) => Math.Clamp(5_000_000 / accounts, 10, 5_000);

    public int Accounts { get; }

    public int UsersPerAccount { get; }

    public AccountId[] AccountIds { get; }

    public string[] Users { get; }

    public int[] Account { get; }

    public int[] User { get; }

    public int[] Name { get; }

    public Instant[] At { get; }

    public double[] Quantity { get; }

    public UsageEventColumns Columns => new(AccountIds, Users, Names, Account, User, Name, At, Quantity);

    /// <summary>The same events as a DuckDB table, made by the same formulas in SQL.</summary>
    public static string SqlTable(int accounts, long count, int days) => $"""
        CREATE OR REPLACE TABLE events AS
        SELECT ((i * 2654435761) % {accounts})::INTEGER AS account,
               (((i * 2654435761) % {accounts}) * {UsersPer(accounts)} + (i * 40503 // 7) % {UsersPer(accounts)})::INTEGER AS user_id,
               ([{string.Join(", ", Names.Select(n => $"'{n}'"))}])[((i * 7919 // 3) % {Names.Length}) + 1] AS name,
               TIMESTAMP '{FirstDay:yyyy-MM-dd} 00:00:00' + to_days((i % {days})::INTEGER) + to_seconds(i * 1237 % 86400) AS ts,
               (1 + i % 5)::DOUBLE AS quantity
        FROM range({count}) t(i)
        """;

    /// <summary>The ten definitions as the SQL a data team would write, as of <paramref name="asOf"/>, with each event's local date given by <paramref name="localDate"/>.</summary>
    public static string SqlSignals(LocalDate asOf, string localDate)
    {
        var d = $"DATE '{asOf:yyyy-MM-dd}'";
        return $"""
            WITH e AS (SELECT account, user_id, name, {localDate} AS d, quantity FROM events WHERE {localDate} <= {d})
            SELECT account,
                   count(*) FILTER (WHERE name = 'user.login' AND d > {d} - 30) AS logins_30d,
                   count(*) FILTER (WHERE d > {d} - 7) AS events_7d,
                   coalesce(sum(quantity) FILTER (WHERE name LIKE 'report.%' AND d > {d} - 30), 0) AS report_quantity_30d,
                   count(*) FILTER (WHERE name = 'report.exported' AND d > {d} - 7) AS exports_7d,
                   count(DISTINCT user_id) FILTER (WHERE d > {d} - 30) AS active_users_30d,
                   count(DISTINCT user_id) FILTER (WHERE d > {d} - 7) AS active_users_7d,
                   count(DISTINCT d) FILTER (WHERE d > {d} - 30) AS active_days_30d,
                   count(DISTINCT name) FILTER (WHERE name LIKE 'feature.%' AND d > {d} - 30) AS features_30d,
                   {d} - max(d) FILTER (WHERE name = 'user.login') AS days_since_login,
                   (count(*) FILTER (WHERE d > {d} - 7) - count(*) FILTER (WHERE d > {d} - 14 AND d <= {d} - 7))
                     / nullif(count(*) FILTER (WHERE d > {d} - 14 AND d <= {d} - 7), 0) AS events_trend
            FROM e GROUP BY account
            """;
    }
}
