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
    /// In one transaction: the date's rows of the shard's accounts (found by their hash) are deleted, and the part's
    /// inserted. Shards of one date touch disjoint rows, so instances writing them at once do not wait on each other.
    /// </remarks>
    public async ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        var date = (part.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(part))).ToDateOnly();
        SegmentMembershipSnapshot.CheckShard(part, shard);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var stale = new List<string>();
        await using (var select = new NpgsqlCommand($"SELECT account FROM {_table} WHERE date = @d", connection, transaction))
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

    /// <summary>Inserts a snapshot's rows, one per account, by <c>unnest</c>, in the caller's transaction.</summary>
    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateOnly date, SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken)
    {
        var members = snapshot.Members.ToArray();
        await using var insert = new NpgsqlCommand($"INSERT INTO {_table} (date, account, segments) SELECT @d, * FROM unnest(@a, @s)", connection, transaction);
        insert.Parameters.AddWithValue("d", date);
        insert.Parameters.AddWithValue("a", members.Select(m => m.Key.Value).ToArray());
        insert.Parameters.AddWithValue("s", members.Select(m => SegmentMembershipSnapshot.EncodeSegments(m.Value)).ToArray());
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default) => LatestAsync(date, AccountShard.All, cancellationToken);

    /// <inheritdoc />
    /// <remarks>The rows of other shards are skipped as they are read: the memory follows the shard.</remarks>
    public async ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT date, account, segments FROM {_table} WHERE date = (SELECT MAX(date) FROM {_table} WHERE date <= @d)", connection);
        command.Parameters.AddWithValue("d", date.ToDateOnly());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        LocalDate? found = null;
        var members = new List<KeyValuePair<AccountId, string[]>>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found ??= LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(0));
            var account = new AccountId(reader.GetString(1));
            if (shard.Contains(account))
            {
                members.Add(KeyValuePair.Create(account, SegmentMembershipSnapshot.DecodeSegments(reader.GetString(2))));
            }
        }

        return found is { } day ? SegmentMembershipSnapshot.Create(day, members) : null;
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
