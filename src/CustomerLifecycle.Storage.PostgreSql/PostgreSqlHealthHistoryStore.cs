using CustomerLifecycle.HealthScoring;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// Health records on PostgreSQL (table <c>health_record</c>, component <c>health</c>): a batch in one statement
/// (<c>unnest</c> and <c>ON CONFLICT … DO UPDATE</c>), replacing the records of the same account and date; the latest
/// per account by <c>DISTINCT ON</c> over the primary key.
/// </summary>
public sealed class PostgreSqlHealthHistoryStore : IHealthHistoryStore, IAsyncDisposable, IDisposable
{
    private const string Columns = "account, date, scored_at, score, color, calculated_color, confidence, scorecard_id, scorecard_version, factors";

    private readonly PostgreSqlSchema _schema;
    private readonly string _table;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlHealthHistoryStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "health", PostgreSqlSchema.HealthMigrations);
        _table = $"{options.Schema}.health_record";
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<HealthRecord> records, CancellationToken cancellationToken = default)
    {
        HealthRecords.Validate(records);
        if (records.Count == 0)
        {
            return;
        }

        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {_table} ({Columns})
            SELECT * FROM unnest(@a, @d, @t, @s, @c, @cc, @f, @id, @v, @x)
            ON CONFLICT (account, date) DO UPDATE SET scored_at = excluded.scored_at, score = excluded.score, color = excluded.color,
                calculated_color = excluded.calculated_color, confidence = excluded.confidence, scorecard_id = excluded.scorecard_id,
                scorecard_version = excluded.scorecard_version, factors = excluded.factors
            """, connection);
        command.Parameters.AddWithValue("a", records.Select(r => r.Account.Value).ToArray());
        command.Parameters.AddWithValue("d", records.Select(r => r.Date.ToDateOnly()).ToArray());
        command.Parameters.AddWithValue("t", records.Select(r => r.ScoredAt.ToUnixTimeTicks()).ToArray());
        command.Parameters.AddWithValue("s", records.Select(r => r.Score).ToArray());
        command.Parameters.AddWithValue("c", records.Select(r => (short?)r.Color).ToArray());
        command.Parameters.AddWithValue("cc", records.Select(r => (short?)r.CalculatedColor).ToArray());
        command.Parameters.AddWithValue("f", records.Select(r => r.Confidence).ToArray());
        command.Parameters.AddWithValue("id", records.Select(r => r.ScorecardId).ToArray());
        command.Parameters.AddWithValue("v", records.Select(r => r.ScorecardVersion).ToArray());
        command.Parameters.AddWithValue("x", records.Select(r => HealthRecord.EncodeFactors(r.Factors)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        var latest = new Dictionary<AccountId, HealthRecord>();
        await foreach (var record in QueryAsync($"SELECT DISTINCT ON (account) {Columns} FROM {_table} WHERE date <= @d ORDER BY account, date DESC", [new("d", date.ToDateOnly())], cancellationToken).ConfigureAwait(false))
        {
            latest[record.Account] = record;
        }

        return latest;
    }

    /// <inheritdoc />
    /// <remarks>Each account's latest row found by its key (the ids passed as one array), so the read follows the accounts asked for.</remarks>
    public async ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var latest = new Dictionary<AccountId, HealthRecord>(accounts.Count);
        var ids = accounts.Select(a => a.Value).ToArray();
        await foreach (var record in QueryAsync($"SELECT DISTINCT ON (account) {Columns} FROM {_table} WHERE account = ANY(@a) AND date <= @d ORDER BY account, date DESC", [new("a", ids), new("d", date.ToDateOnly())], cancellationToken).ConfigureAwait(false))
        {
            latest[record.Account] = record;
        }

        return latest;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HealthRecord>> HistoryAsync(AccountId account, LocalDate from, LocalDate to, CancellationToken cancellationToken = default)
    {
        var records = new List<HealthRecord>();
        await foreach (var record in QueryAsync($"SELECT {Columns} FROM {_table} WHERE account = @a AND date >= @f AND date <= @t ORDER BY date", [new("a", account.Value), new("f", from.ToDateOnly()), new("t", to.ToDateOnly())], cancellationToken).ConfigureAwait(false))
        {
            records.Add(record);
        }

        return records;
    }

    /// <inheritdoc />
    public async ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE date < @d", connection);
        command.Parameters.AddWithValue("d", date.ToDateOnly());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private async IAsyncEnumerable<HealthRecord> QueryAsync(string sql, NpgsqlParameter[] parameters, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new HealthRecord
            {
                Account = new AccountId(reader.GetString(0)),
                Date = LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(1)),
                ScoredAt = Instant.FromUnixTimeTicks(reader.GetInt64(2)),
                Score = reader.IsDBNull(3) ? null : reader.GetDouble(3),
                Color = reader.IsDBNull(4) ? null : (HealthColor)reader.GetInt16(4),
                CalculatedColor = reader.IsDBNull(5) ? null : (HealthColor)reader.GetInt16(5),
                Confidence = reader.GetDouble(6),
                ScorecardId = reader.GetString(7),
                ScorecardVersion = reader.GetInt32(8),
                Factors = HealthRecord.DecodeFactors(reader.GetString(9)),
            };
        }
    }
}
