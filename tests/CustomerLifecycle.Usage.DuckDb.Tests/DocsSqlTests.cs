using CustomerLifecycle.Testing;
using NodaTime;

namespace CustomerLifecycle.Usage.DuckDb.Tests;

/// <summary>docs/usage.md shows the SQL the definitions compile to; it is the SQL they compile to today.</summary>
public sealed class DocsSqlTests
{
    /// <summary>The definitions of docs/usage.md's "In your warehouse" example.</summary>
    public static UsageOptions Example() => new()
    {
        Signals =
        {
            ["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" },
            ["reports_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "report.*" },
            ["stickiness_30d"] = new() { Kind = UsageSignalKind.Stickiness, Window = 30 },
            ["days_since_login"] = new() { Kind = UsageSignalKind.DaysSinceLast, Events = "user.login" },
            ["logins_trend"] = new() { Kind = UsageSignalKind.Change, Of = "logins_30d" },
        },
    };

    [Theory]
    [InlineData("DuckDB")]
    [InlineData("PostgreSQL")]
    public void TheDocsShowTheCompiledSql(string engine)
    {
        var docs = File.ReadAllText(Path.Combine(PublicApi.RepositoryRoot(), "docs", "usage.md")).ReplaceLineEndings("\n");
        var sql = engine == "DuckDB"
            ? UsageSql.Compile(Example(), UsageSqlDialect.DuckDb, DuckDbUsageEvents.Parquet("events/*.parquet") with { Id = null }, "America/New_York", new LocalDate(2026, 12, 7))
            : UsageSql.Compile(Example(), UsageSqlDialect.PostgreSql, new UsageEventTable("analytics.usage_events"), "America/New_York", new LocalDate(2026, 12, 7));
        Assert.True(docs.Contains("```sql\n" + sql + "```", StringComparison.Ordinal), $"docs/usage.md does not show the {engine} SQL as compiled:\n{sql}");
    }
}
