using CustomerLifecycle.Segmentation;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// Segment snapshots on PostgreSQL (table <c>segment_snapshot</c>, component <c>segments</c>): a snapshot replaced
/// whole in one transaction, its rows by <c>unnest</c>.
/// </summary>
public sealed class PostgreSqlSegmentSnapshotStore : ISegmentSnapshotStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _table;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlSegmentSnapshotStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "segments", PostgreSqlSchema.SegmentMigrations);
        _table = $"{options.Schema}.segment_snapshot";
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var date = (snapshot.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(snapshot))).ToDateOnly();
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE date = @d", connection, transaction))
        {
            delete.Parameters.AddWithValue("d", date);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertAsync(connection, transaction, date, snapshot, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// In one transaction: the date's rows of the shard's accounts (found in SQL by their stored hash) are deleted, and
    /// the part's inserted. Shards of one date touch disjoint rows, so instances writing them at once do not wait on
    /// each other.
    /// </remarks>
    public async ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        var date = (part.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(part))).ToDateOnly();
        SegmentMembershipSnapshot.CheckShard(part, shard);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE date = @d AND hash IS NOT NULL AND {InShard}", connection, transaction))
        {
            delete.Parameters.AddWithValue("d", date);
            AddShard(delete, shard);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Rows written before the hash was stored: the shard's are found by hashing their ids here.
        var stale = new List<string>();
        await using (var select = new NpgsqlCommand($"SELECT account FROM {_table} WHERE date = @d AND hash IS NULL", connection, transaction))
        {
            select.Parameters.AddWithValue("d", date);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var account = reader.GetString(0);
                if (shard.Contains(new AccountId(account)))
                {
                    stale.Add(account);
                }
            }
        }

        await using (var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE date = @d AND account = ANY(@a)", connection, transaction))
        {
            delete.Parameters.AddWithValue("d", date);
            delete.Parameters.AddWithValue("a", stale.ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertAsync(connection, transaction, date, part, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether a row is in the shard <c>@i</c> of <c>@n</c>, or has no stored hash (written before it was stored; the
    /// caller hashes its id). The hash <c>h</c> is <see cref="AccountShard.Hash"/> stored as a signed 64-bit integer and
    /// PostgreSQL's <c>%</c> truncates toward zero, so the unsigned hash modulo <c>n</c> is <c>h % n</c> when h ≥ 0 and
    /// <c>(h % n + n + r) % n</c> when h &lt; 0, where <c>@r</c> is 2^64 modulo n.
    /// </summary>
    private const string InShard = "(hash IS NULL OR (CASE WHEN hash >= 0 THEN hash % @n ELSE (hash % @n + @n + @r) % @n END) = @i)";

    /// <summary>Adds the parameters of <see cref="InShard"/>.</summary>
    private static void AddShard(NpgsqlCommand command, AccountShard shard)
    {
        var count = (ulong)shard.Count;
        command.Parameters.AddWithValue("n", (long)shard.Count);
        command.Parameters.AddWithValue("r", (long)((ulong.MaxValue % count + 1) % count));
        command.Parameters.AddWithValue("i", (long)shard.Index);
    }

    /// <summary>Inserts a snapshot's rows, one per account with its hash, by <c>unnest</c>, in the caller's transaction.</summary>
    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateOnly date, SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        var members = snapshot.Members.ToArray();
        await using var insert = new NpgsqlCommand($"INSERT INTO {_table} (date, account, segments, hash) SELECT @d, * FROM unnest(@a, @s, @h)", connection, transaction);
        insert.Parameters.AddWithValue("d", date);
        insert.Parameters.AddWithValue("a", members.Select(m => m.Key.Value).ToArray());
        insert.Parameters.AddWithValue("s", members.Select(m => SegmentMembershipSnapshot.EncodeSegments(m.Value)).ToArray());
        insert.Parameters.AddWithValue("h", members.Select(m => unchecked((long)AccountShard.Hash(m.Key.Value))).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default) => LatestAsync(date, AccountShard.All, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Only the shard's rows are read (found in SQL by their stored hash): the time and the memory follow the shard.</remarks>
    public async ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        DateOnly found;
        await using (var latest = new NpgsqlCommand($"SELECT MAX(date) FROM {_table} WHERE date <= @d", connection))
        {
            latest.Parameters.AddWithValue("d", date.ToDateOnly());
            await using var row = await latest.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await row.ReadAsync(cancellationToken).ConfigureAwait(false) || row.IsDBNull(0))
            {
                return null;
            }

            found = row.GetFieldValue<DateOnly>(0);
        }

        await using var command = new NpgsqlCommand(
            shard.IsAll ? $"SELECT account, segments, hash FROM {_table} WHERE date = @d" : $"SELECT account, segments, hash FROM {_table} WHERE date = @d AND {InShard}",
            connection);
        command.Parameters.AddWithValue("d", found);
        if (!shard.IsAll)
        {
            AddShard(command, shard);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var members = new List<KeyValuePair<AccountId, string[]>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var account = new AccountId(reader.GetString(0));
            if (!reader.IsDBNull(2) || shard.Contains(account))
            {
                members.Add(KeyValuePair.Create(account, SegmentMembershipSnapshot.DecodeSegments(reader.GetString(1))));
            }
        }

        return SegmentMembershipSnapshot.Create(LocalDate.FromDateOnly(found), members);
    }

    /// <inheritdoc />
    public async ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"WITH gone AS (DELETE FROM {_table} WHERE date < @d RETURNING date) SELECT COUNT(DISTINCT date) FROM gone", connection);
        command.Parameters.AddWithValue("d", date.ToDateOnly());
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}
