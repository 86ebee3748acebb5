using CustomerLifecycle.Usage;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace CustomerLifecycle.Sample;

/// <summary>
/// Writes the simulated usage events of the portfolio to a Parquet or CSV file (--generate-events), as a warehouse
/// would export them: the days the usage windows and the lateness keep, up to the run's date, with their ids. A run
/// with --events FILE then computes the same signals with DuckDB over the file.
/// </summary>
internal static class UsageEventsFile
{
    public static async Task<(long Count, LocalDate First)> WriteAsync(string path, IReadOnlyList<PortfolioRow> rows, ulong seed, IServiceProvider services)
    {
        var clock = services.GetRequiredService<BusinessClock>();
        var simulation = new UsageSimulation([.. rows.Select(r => r.Account)], seed, clock);
        var today = clock.Today;
        var first = today.PlusDays(-(services.GetRequiredService<UsageAggregator>().KeptDays - 1));
        long count = 0;
        using var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync().ConfigureAwait(false);
        await ExecuteAsync(connection, "SET TimeZone = 'UTC'; CREATE TABLE events (id VARCHAR, account VARCHAR, \"user\" VARCHAR, name VARCHAR, \"at\" TIMESTAMP, quantity DOUBLE)").ConfigureAwait(false);
        using (var appender = connection.CreateAppender("events"))
        {
            for (var day = first; day <= today; day = day.PlusDays(1))
            {
                foreach (var e in simulation.Events(day))
                {
                    appender.CreateRow()
                        .AppendValue(e.Id).AppendValue(e.Account.Value).AppendValue(e.User).AppendValue(e.Name)
                        .AppendValue(e.At.ToDateTimeUtc()).AppendValue(e.Quantity)
                        .EndRow();
                    count++;
                }
            }
        }

        var format = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? "FORMAT csv, HEADER" : "FORMAT parquet";
        await ExecuteAsync(connection, $"COPY (SELECT id, account, \"user\", name, CAST(\"at\" AS TIMESTAMPTZ) AS \"at\", quantity FROM events ORDER BY \"at\") TO {UsageSqlDialect.DuckDb.Literal(path)} ({format})").ConfigureAwait(false);
        return (count, first);
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
