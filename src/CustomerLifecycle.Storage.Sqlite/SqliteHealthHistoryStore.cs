using CustomerLifecycle.HealthScoring;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Health records on SQLite (table <c>health_record</c>, component <c>health</c>): a batch in one transaction,
/// replacing the records of the same account and date.
/// </summary>
public sealed class SqliteHealthHistoryStore : IHealthHistoryStore, IAsyncDisposable, IDisposable
{
    private const string Columns = "account, date, scored_at, score, color, calculated_color, confidence, scorecard_id, scorecard_version, factors";

    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteHealthHistoryStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "health", SqliteSchema.HealthMigrations));

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<HealthRecord> records, CancellationToken cancellationToken = default)
    {
        HealthRecords.Validate(records);
        if (records.Count == 0)
        {
            return;
        }

        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using var command = c.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT OR REPLACE INTO health_record ({Columns}) VALUES ($a, $d, $t, $s, $c, $cc, $f, $id, $v, $x)";
            var p = new[] { "$a", "$d", "$t", "$s", "$c", "$cc", "$f", "$id", "$v", "$x" }.Select(n =>
            {
                var parameter = command.CreateParameter(); // its type follows each value: no text conversion of numbers
                parameter.ParameterName = n;
                command.Parameters.Add(parameter);
                return parameter;
            }).ToArray();
            foreach (var r in records)
            {
                p[0].Value = r.Account.Value;
                p[1].Value = LocalDatePattern.Iso.Format(r.Date);
                p[2].Value = r.ScoredAt.ToUnixTimeTicks();
                p[3].Value = r.Score is { } score ? score : DBNull.Value;
                p[4].Value = r.Color is { } color ? (int)color : DBNull.Value;
                p[5].Value = r.CalculatedColor is { } calculated ? (int)calculated : DBNull.Value;
                p[6].Value = r.Confidence;
                p[7].Value = r.ScorecardId;
                p[8].Value = r.ScorecardVersion;
                p[9].Value = HealthRecord.EncodeFactors(r.Factors);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, CancellationToken cancellationToken = default) =>
        _session.UseAsync<IReadOnlyDictionary<AccountId, HealthRecord>>(c =>
        {
            // SQLite takes the bare columns of an aggregate query from the row that holds the MAX.
            using var command = c.CreateCommand();
            command.CommandText = "SELECT account, MAX(date), scored_at, score, color, calculated_color, confidence, scorecard_id, scorecard_version, factors FROM health_record WHERE date <= $d GROUP BY account";
            command.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            using var reader = command.ExecuteReader();
            var latest = new Dictionary<AccountId, HealthRecord>();
            while (reader.Read())
            {
                var record = Read(reader);
                latest[record.Account] = record;
            }

            return latest;
        }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Each account's latest row found by its key (the ids passed as one JSON array), so the read follows the accounts asked for.</remarks>
    public ValueTask<IReadOnlyDictionary<AccountId, HealthRecord>> LatestAsync(LocalDate date, IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var ids = System.Text.Json.JsonSerializer.Serialize(accounts.Select(a => a.Value).ToArray());
        return _session.UseAsync<IReadOnlyDictionary<AccountId, HealthRecord>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM health_record h WHERE h.account IN (SELECT value FROM json_each($a)) AND h.date = (SELECT MAX(date) FROM health_record l WHERE l.account = h.account AND l.date <= $d)";
            command.Parameters.AddWithValue("$a", ids);
            command.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            using var reader = command.ExecuteReader();
            var latest = new Dictionary<AccountId, HealthRecord>(accounts.Count);
            while (reader.Read())
            {
                var record = Read(reader);
                latest[record.Account] = record;
            }

            return latest;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HealthRecord>> HistoryAsync(AccountId account, LocalDate from, LocalDate to, CancellationToken cancellationToken = default) =>
        _session.UseAsync<IReadOnlyList<HealthRecord>>(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM health_record WHERE account = $a AND date >= $f AND date <= $t ORDER BY date";
            command.Parameters.AddWithValue("$a", account.Value);
            command.Parameters.AddWithValue("$f", LocalDatePattern.Iso.Format(from));
            command.Parameters.AddWithValue("$t", LocalDatePattern.Iso.Format(to));
            using var reader = command.ExecuteReader();
            var records = new List<HealthRecord>();
            while (reader.Read())
            {
                records.Add(Read(reader));
            }

            return records;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "DELETE FROM health_record WHERE date < $d";
            command.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            return (long)command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private static HealthRecord Read(SqliteDataReader r) => new()
    {
        Account = new AccountId(r.GetString(0)),
        Date = LocalDatePattern.Iso.Parse(r.GetString(1)).GetValueOrThrow(),
        ScoredAt = Instant.FromUnixTimeTicks(r.GetInt64(2)),
        Score = r.IsDBNull(3) ? null : r.GetDouble(3),
        Color = r.IsDBNull(4) ? null : (HealthColor)r.GetInt32(4),
        CalculatedColor = r.IsDBNull(5) ? null : (HealthColor)r.GetInt32(5),
        Confidence = r.GetDouble(6),
        ScorecardId = r.GetString(7),
        ScorecardVersion = r.GetInt32(8),
        Factors = HealthRecord.DecodeFactors(r.GetString(9)),
    };
}
