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
    /// <remarks>
    /// In one transaction: the date's rows of the shard's accounts (found in SQL by their stored hash) are deleted, and
    /// the part's inserted.
    /// </remarks>
    public async ValueTask WriteAsync(SegmentMembershipSnapshot part, AccountShard shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        var date = LocalDatePattern.Iso.Format(part.Date ?? throw new ArgumentException("A snapshot to store needs its date (SegmentEvaluation.ToSnapshot gives it).", nameof(part)));
        SegmentMembershipSnapshot.CheckShard(part, shard);
        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using (var delete = c.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = $"DELETE FROM segment_snapshot WHERE date = $d AND hash IS NOT NULL AND {InShard}";
                delete.Parameters.AddWithValue("$d", date);
                AddShard(delete, shard);
                delete.ExecuteNonQuery();
            }

            // Rows written before the hash was stored: the shard's are found by hashing their ids here.
            var stale = new List<string>();
            using (var select = c.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT account FROM segment_snapshot WHERE date = $d AND hash IS NULL";
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

    /// <summary>
    /// Whether a row is in the shard <c>$i</c> of <c>$n</c>, or has no stored hash (written before it was stored; the
    /// caller hashes its id). The hash <c>h</c> is <see cref="AccountShard.Hash"/> stored as a signed 64-bit integer and
    /// SQLite's <c>%</c> truncates toward zero, so the unsigned hash modulo <c>n</c> is <c>h % n</c> when h ≥ 0 and
    /// <c>(h % n + n + r) % n</c> when h &lt; 0, where <c>$r</c> is 2^64 modulo n.
    /// </summary>
    private const string InShard = "(hash IS NULL OR (CASE WHEN hash >= 0 THEN hash % $n ELSE (hash % $n + $n + $r) % $n END) = $i)";

    /// <summary>Adds the parameters of <see cref="InShard"/>.</summary>
    private static void AddShard(Microsoft.Data.Sqlite.SqliteCommand command, AccountShard shard)
    {
        var count = (ulong)shard.Count;
        command.Parameters.AddWithValue("$n", shard.Count);
        command.Parameters.AddWithValue("$r", (long)((ulong.MaxValue % count + 1) % count));
        command.Parameters.AddWithValue("$i", shard.Index);
    }

    /// <summary>Inserts a snapshot's rows, one per account with its hash, in the caller's transaction.</summary>
    private static void Insert(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, string date, SegmentMembershipSnapshot snapshot)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO segment_snapshot (date, account, segments, hash) VALUES ($d, $a, $s, $h)";
        insert.Parameters.AddWithValue("$d", date);
        var account = insert.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
        var segments = insert.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
        var hash = insert.Parameters.Add("$h", Microsoft.Data.Sqlite.SqliteType.Integer);
        foreach (var (id, names) in snapshot.Members)
        {
            account.Value = id.Value;
            segments.Value = SegmentMembershipSnapshot.EncodeSegments(names);
            hash.Value = unchecked((long)AccountShard.Hash(id.Value));
            insert.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, CancellationToken cancellationToken = default) => LatestAsync(date, AccountShard.All, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Only the shard's rows are read (found in SQL by their stored hash): the time and the memory follow the shard.</remarks>
    public ValueTask<SegmentMembershipSnapshot?> LatestAsync(LocalDate date, AccountShard shard, CancellationToken cancellationToken = default) =>
        _session.UseAsync(c =>
        {
            using var latest = c.CreateCommand();
            latest.CommandText = "SELECT MAX(date) FROM segment_snapshot WHERE date <= $d";
            latest.Parameters.AddWithValue("$d", LocalDatePattern.Iso.Format(date));
            if (latest.ExecuteScalar() is not string found)
            {
                return null;
            }

            using var command = c.CreateCommand();
            command.CommandText = shard.IsAll
                ? "SELECT account, segments, hash FROM segment_snapshot WHERE date = $d"
                : $"SELECT account, segments, hash FROM segment_snapshot WHERE date = $d AND {InShard}";
            command.Parameters.AddWithValue("$d", found);
            if (!shard.IsAll)
            {
                AddShard(command, shard);
            }

            using var reader = command.ExecuteReader();
            var members = new List<KeyValuePair<AccountId, string[]>>();
            while (reader.Read())
            {
                var account = new AccountId(reader.GetString(0));
                if (!reader.IsDBNull(2) || shard.Contains(account))
                {
                    members.Add(KeyValuePair.Create(account, SegmentMembershipSnapshot.DecodeSegments(reader.GetString(1))));
                }
            }

            return (SegmentMembershipSnapshot?)SegmentMembershipSnapshot.Create(LocalDatePattern.Iso.Parse(found).GetValueOrThrow(), members);
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
