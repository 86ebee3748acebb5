using CustomerLifecycle.Segmentation;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Segment snapshots on SQLite (table <c>segment_snapshot</c>, component <c>segments</c>): a snapshot replaced whole in
/// one transaction.
/// </summary>
public sealed class SqliteSegmentSnapshotStore : ISegmentSnapshotStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteSegmentSnapshotStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "segments", SqliteSchema.SegmentMigrations));

    /// <inheritdoc />
    public async ValueTask WriteAsync(SegmentMembershipSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var date = LocalDatePattern.Iso.Format(snapshot.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(snapshot)));
        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using (var delete = c.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM segment_snapshot WHERE date = $d";
                delete.Parameters.AddWithValue("$d", date);
                delete.ExecuteNonQuery();
            }

            Insert(c, transaction, date, snapshot);
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>In one transaction: the date's rows of the shard's accounts (found by their hash) are deleted, and the part's inserted.</remarks>
    public async ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        var date = LocalDatePattern.Iso.Format(part.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(part)));
        SegmentMembershipSnapshot.CheckShard(part, shard);
        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            var stale = new List<string>();
            using (var select = c.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT account FROM segment_snapshot WHERE date = $d";
                select.Parameters.AddWithValue("$d", date);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var account = reader.GetString(0);
                    if (shard.Contains(new AccountId(account)))
                    {
                        stale.Add(account);
                    }
                }
            }

            using (var delete = c.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM segment_snapshot WHERE date = $d AND account = $a";
                delete.Parameters.AddWithValue("$d", date);
                var account = delete.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
                foreach (var id in stale)
                {
                    account.Value = id;
                    delete.ExecuteNonQuery();
                }
            }

            Insert(c, transaction, date, part);
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts a snapshot's rows, one per account, in the caller's transaction.</summary>
    private static void Insert(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string date, SegmentMembershipSnapshot snapshot)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO segment_snapshot (date, account, segments) VALUES ($d, $a, $s)";
        insert.Parameters.AddWithValue("$d", date);
        var account = insert.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
        var segments = insert.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var (id, names) in snapshot.Members)
        {
            account.Value = id.Value;
            segments.Value = SegmentMembershipSnapshot.EncodeSegments(names);
            insert.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default) => LatestAsync(date, AccountShard.All, cancellationToken);

    /// <inheritdoc />
    /// <remarks>The rows of other shards are skipped as they are read: the memory follows the shard.</remarks>
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT date, account, segments FROM segment_snapshot WHERE date = (SELECT MAX(date) FROM segment_snapshot WHERE date <= $d)";
            command.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            using var reader = command.ExecuteReader();
            LocalDate? found = null;
            var members = new List<KeyValuePair<AccountId, string[]>>();
            while (reader.Read())
            {
                found ??= LocalDatePattern.Iso.Parse(reader.GetString(0)).GetValueOrThrow();
                var account = new AccountId(reader.GetString(1));
                if (shard.Contains(account))
                {
                    members.Add(KeyValuePair.Create(account, SegmentMembershipSnapshot.DecodeSegments(reader.GetString(2))));
                }
            }

            return found is { } day ? SegmentMembershipSnapshot.Create(day, members) : null;
        }, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(LocalDate date, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using var count = c.CreateCommand();
            count.Transaction = transaction;
            count.CommandText = "SELECT COUNT(DISTINCT date) FROM segment_snapshot WHERE date < $d";
            count.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            var deleted = (long)count.ExecuteScalar()!;
            using var delete = c.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM segment_snapshot WHERE date < $d";
            delete.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            delete.ExecuteNonQuery();
            transaction.Commit();
            return deleted;
        }, cancellationToken);

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
