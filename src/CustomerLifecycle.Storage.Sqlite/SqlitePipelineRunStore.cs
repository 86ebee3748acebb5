using System.Text.Json;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// The daily pipeline's ledger on SQLite (tables <c>pipeline_run</c> and <c>pipeline_step</c>, component
/// <c>pipeline</c>): each call one <c>BEGIN IMMEDIATE</c> transaction, so processes on one file claim a date once.
/// </summary>
public sealed class SqlitePipelineRunStore : IPipelineRunStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a ledger.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqlitePipelineRunStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "pipeline", SqliteSchema.PipelineMigrations));

    /// <inheritdoc />
    public ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default)
    {
        PipelineLedger.Check(pipeline, owner);
        return _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            var run = Read(c, transaction, pipeline, date);
            if (!PipelineLedger.MayClaim(run, owner, now, rerun))
            {
                return null;
            }

            var claimed = PipelineLedger.Claim(run, pipeline, date, owner, now, lease);
            Execute(c, transaction, """
                INSERT INTO pipeline_run (pipeline, date, status, owner, lease_until, started_at, finished_at, claims, error) VALUES ($p, $d, 0, $o, $u, $s, NULL, $n, $e)
                ON CONFLICT (pipeline, date) DO UPDATE SET status = 0, owner = excluded.owner, lease_until = excluded.lease_until, claims = excluded.claims
                """, ("$p", pipeline), ("$d", Iso(date)), ("$o", owner), ("$u", claimed.LeaseUntil.ToUnixTimeTicks()), ("$s", claimed.StartedAt.ToUnixTimeTicks()), ("$n", claimed.Claims), ("$e", DBNull.Value));
            transaction.Commit();
            return claimed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        return _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            var run = Read(c, transaction, pipeline, date);
            if (run is null || !PipelineLedger.Holds(run, owner, now))
            {
                return false;
            }

            Execute(c, transaction, "UPDATE pipeline_run SET lease_until = $u WHERE pipeline = $p AND date = $d", ("$u", (now + lease).ToUnixTimeTicks()), ("$p", pipeline), ("$d", Iso(date)));
            Execute(c, transaction, """
                INSERT INTO pipeline_step (pipeline, date, step, position, started_at, took, attempts, counts) VALUES ($p, $d, $s, $n, $a, $t, $k, $c)
                ON CONFLICT (pipeline, date, step) DO UPDATE SET started_at = excluded.started_at, took = excluded.took, attempts = excluded.attempts, counts = excluded.counts
                """, ("$p", pipeline), ("$d", Iso(date)), ("$s", step.Step), ("$n", run.Steps.Count), ("$a", step.StartedAt.ToUnixTimeTicks()), ("$t", step.Took.BclCompatibleTicks), ("$k", step.Attempts), ("$c", JsonSerializer.Serialize(step.Counts)));
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default)
    {
        PipelineLedger.CheckFinish(status);
        return _session.UseAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "UPDATE pipeline_run SET status = $st, finished_at = $at, lease_until = $at, error = $e WHERE pipeline = $p AND date = $d AND owner = $o AND status = 0";
            command.Parameters.AddWithValue("$st", (int)status);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeTicks());
            command.Parameters.AddWithValue("$e", status == PipelineRunStatus.Succeeded || error is null ? DBNull.Value : error);
            command.Parameters.AddWithValue("$p", pipeline);
            command.Parameters.AddWithValue("$d", Iso(date));
            command.Parameters.AddWithValue("$o", owner);
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c => Read(c, null, pipeline, date), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return _session.UseAsync<IReadOnlyList<PipelineRunRecord>>(c =>
        {
            var dates = new List<LocalDate>();
            using (var command = c.CreateCommand())
            {
                command.CommandText = $"SELECT date FROM pipeline_run WHERE pipeline = $p ORDER BY date DESC LIMIT {limit}";
                command.Parameters.AddWithValue("$p", pipeline);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    dates.Add(LocalDatePattern.Iso.Parse(reader.GetString(0)).GetValueOrThrow());
                }
            }

            return [.. dates.Select(d => Read(c, null, pipeline, d)!)];
        }, cancellationToken);
    }

    /// <summary>Closes the ledger's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the ledger's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private static PipelineRunRecord? Read(SqliteConnection connection, SqliteTransaction? transaction, string pipeline, LocalDate date)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT status, owner, lease_until, started_at, finished_at, claims, error FROM pipeline_run WHERE pipeline = $p AND date = $d";
        command.Parameters.AddWithValue("$p", pipeline);
        command.Parameters.AddWithValue("$d", Iso(date));
        PipelineRunRecord run;
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            run = new PipelineRunRecord(pipeline, date, (PipelineRunStatus)reader.GetInt32(0), reader.GetString(1), Instant.FromUnixTimeTicks(reader.GetInt64(2)), Instant.FromUnixTimeTicks(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : Instant.FromUnixTimeTicks(reader.GetInt64(4)), reader.GetInt32(5), [], reader.IsDBNull(6) ? null : reader.GetString(6));
        }

        command.CommandText = "SELECT step, started_at, took, attempts, counts FROM pipeline_step WHERE pipeline = $p AND date = $d ORDER BY position";
        var steps = new List<PipelineStepRecord>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                steps.Add(new PipelineStepRecord(reader.GetString(0), Instant.FromUnixTimeTicks(reader.GetInt64(1)), Duration.FromTicks(reader.GetInt64(2)), reader.GetInt32(3),
                    JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(4)) ?? []));
            }
        }

        return run with { Steps = steps };
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = SqliteSession.Command(connection, transaction, sql, parameters);
        command.ExecuteNonQuery();
    }

    private static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);
}
