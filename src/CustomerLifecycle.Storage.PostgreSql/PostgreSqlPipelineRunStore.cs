using System.Text.Json;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// The daily pipeline's ledger on PostgreSQL (tables <c>pipeline_run</c> and <c>pipeline_step</c>, component
/// <c>pipeline</c>): a claim locks the date's row (<c>SELECT … FOR UPDATE</c>, after inserting it when new), so
/// instances racing for a date decide one after the other and one wins.
/// </summary>
public sealed class PostgreSqlPipelineRunStore : IPipelineRunStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _run;
    private readonly string _step;

    /// <summary>Creates a ledger.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlPipelineRunStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "pipeline", PostgreSqlSchema.PipelineMigrations);
        _run = $"{options.Schema}.pipeline_run";
        _step = $"{options.Schema}.pipeline_step";
    }

    /// <inheritdoc />
    public async ValueTask<PipelineRunRecord?> TryClaimAsync(string pipeline, LocalDate date, string owner, Instant now, Duration lease, bool rerun = false, CancellationToken cancellationToken = default)
    {
        PipelineLedger.Check(pipeline, owner);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // The row exists (a new run is inserted as already expired, then claimed below), and is locked until commit.
        await using (var insert = new NpgsqlCommand($"INSERT INTO {_run} (pipeline, date, status, owner, lease_until, started_at, claims) VALUES (@p, @d, 0, '', @now, @now, 0) ON CONFLICT (pipeline, date) DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue("p", pipeline);
            insert.Parameters.AddWithValue("d", date.ToDateOnly());
            insert.Parameters.AddWithValue("now", now.ToUnixTimeTicks());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A row inserted just now (claim 0) is a new run.
        var stored = (await ReadAsync(connection, transaction, pipeline, date, forUpdate: true, cancellationToken).ConfigureAwait(false))!;
        var run = stored.Claims == 0 ? null : stored;
        if (!PipelineLedger.MayClaim(run, owner, now, rerun))
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        var claimed = PipelineLedger.Claim(run, pipeline, date, owner, now, lease);
        await using (var update = new NpgsqlCommand($"UPDATE {_run} SET status = 0, owner = @o, lease_until = @u, started_at = @s, claims = @n WHERE pipeline = @p AND date = @d", connection, transaction))
        {
            update.Parameters.AddWithValue("o", owner);
            update.Parameters.AddWithValue("u", claimed.LeaseUntil.ToUnixTimeTicks());
            update.Parameters.AddWithValue("s", claimed.StartedAt.ToUnixTimeTicks());
            update.Parameters.AddWithValue("n", claimed.Claims);
            update.Parameters.AddWithValue("p", pipeline);
            update.Parameters.AddWithValue("d", date.ToDateOnly());
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return claimed;
    }

    /// <inheritdoc />
    public async ValueTask<bool> CompleteStepAsync(string pipeline, LocalDate date, string owner, PipelineStepRecord step, Instant now, Duration lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var run = await ReadAsync(connection, transaction, pipeline, date, forUpdate: true, cancellationToken).ConfigureAwait(false);
        if (run is null || !PipelineLedger.Holds(run, owner, now))
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        await using (var command = new NpgsqlCommand($"""
            UPDATE {_run} SET lease_until = @u WHERE pipeline = @p AND date = @d;
            INSERT INTO {_step} (pipeline, date, step, position, started_at, took, attempts, counts) VALUES (@p, @d, @s, @n, @a, @t, @k, @c)
            ON CONFLICT (pipeline, date, step) DO UPDATE SET started_at = excluded.started_at, took = excluded.took, attempts = excluded.attempts, counts = excluded.counts
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("u", (now + lease).ToUnixTimeTicks());
            command.Parameters.AddWithValue("p", pipeline);
            command.Parameters.AddWithValue("d", date.ToDateOnly());
            command.Parameters.AddWithValue("s", step.Step);
            command.Parameters.AddWithValue("n", run.Steps.Count);
            command.Parameters.AddWithValue("a", step.StartedAt.ToUnixTimeTicks());
            command.Parameters.AddWithValue("t", step.Took.BclCompatibleTicks);
            command.Parameters.AddWithValue("k", step.Attempts);
            command.Parameters.Add(new NpgsqlParameter("c", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(step.Counts) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> FinishAsync(string pipeline, LocalDate date, string owner, PipelineRunStatus status, string? error, Instant at, CancellationToken cancellationToken = default)
    {
        PipelineLedger.CheckFinish(status);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"UPDATE {_run} SET status = @st, finished_at = @at, lease_until = @at, error = @e WHERE pipeline = @p AND date = @d AND owner = @o AND status = 0", connection);
        command.Parameters.AddWithValue("st", (short)status);
        command.Parameters.AddWithValue("at", at.ToUnixTimeTicks());
        command.Parameters.Add(new NpgsqlParameter("e", NpgsqlDbType.Text) { Value = status == PipelineRunStatus.Succeeded || error is null ? DBNull.Value : error });
        command.Parameters.AddWithValue("p", pipeline);
        command.Parameters.AddWithValue("d", date.ToDateOnly());
        command.Parameters.AddWithValue("o", owner);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<PipelineRunRecord?> FindAsync(string pipeline, LocalDate date, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        var run = await ReadAsync(connection, null, pipeline, date, forUpdate: false, cancellationToken).ConfigureAwait(false);
        return run is { Claims: > 0 } ? run : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(string pipeline, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        var dates = new List<LocalDate>();
        await using (var command = new NpgsqlCommand($"SELECT date FROM {_run} WHERE pipeline = @p AND claims > 0 ORDER BY date DESC LIMIT @n", connection))
        {
            command.Parameters.AddWithValue("p", pipeline);
            command.Parameters.AddWithValue("n", limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                dates.Add(LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(0)));
            }
        }

        var runs = new List<PipelineRunRecord>();
        foreach (var date in dates)
        {
            runs.Add((await ReadAsync(connection, null, pipeline, date, forUpdate: false, cancellationToken).ConfigureAwait(false))!);
        }

        return runs;
    }

    /// <summary>Closes the connection pool the ledger created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the ledger created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private async Task<PipelineRunRecord?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string pipeline, LocalDate date, bool forUpdate, CancellationToken cancellationToken)
    {
        PipelineRunRecord run;
        await using (var command = new NpgsqlCommand($"SELECT status, owner, lease_until, started_at, finished_at, claims, error FROM {_run} WHERE pipeline = @p AND date = @d{(forUpdate ? " FOR UPDATE" : "")}", connection, transaction))
        {
            command.Parameters.AddWithValue("p", pipeline);
            command.Parameters.AddWithValue("d", date.ToDateOnly());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            run = new PipelineRunRecord(pipeline, date, (PipelineRunStatus)reader.GetInt16(0), reader.GetString(1), Instant.FromUnixTimeTicks(reader.GetInt64(2)), Instant.FromUnixTimeTicks(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : Instant.FromUnixTimeTicks(reader.GetInt64(4)), reader.GetInt32(5), [], reader.IsDBNull(6) ? null : reader.GetString(6));
        }

        var steps = new List<PipelineStepRecord>();
        await using (var command = new NpgsqlCommand($"SELECT step, started_at, took, attempts, counts::text FROM {_step} WHERE pipeline = @p AND date = @d ORDER BY position", connection, transaction))
        {
            command.Parameters.AddWithValue("p", pipeline);
            command.Parameters.AddWithValue("d", date.ToDateOnly());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                steps.Add(new PipelineStepRecord(reader.GetString(0), Instant.FromUnixTimeTicks(reader.GetInt64(1)), Duration.FromTicks(reader.GetInt64(2)), reader.GetInt32(3),
                    JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(4)) ?? []));
            }
        }

        return run with { Steps = steps };
    }
}
