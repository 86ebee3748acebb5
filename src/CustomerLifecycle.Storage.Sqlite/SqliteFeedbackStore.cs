using CustomerLifecycle.Feedback;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Feedback items on SQLite (tables <c>feedback_item</c> and <c>feedback_change</c>, component <c>feedback</c>): an
/// item and its changes replaced in one transaction; read back through <see cref="FeedbackItem.Restore"/>.
/// </summary>
public sealed class SqliteFeedbackStore : IFeedbackStore, IAsyncDisposable, IDisposable
{
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqliteFeedbackStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "feedback", SqliteSchema.FeedbackMigrations));

    /// <inheritdoc />
    public async ValueTask SaveAsync(FeedbackItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        await _session.UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using (var read = SqliteSession.Command(c, transaction, "SELECT account FROM feedback_item WHERE id = $id", ("$id", item.Id)))
            {
                FeedbackItems.CheckSameAccount(read.ExecuteScalar() is string account ? new AccountId(account) : null, item);
            }

            using (var upsert = SqliteSession.Command(c, transaction, "INSERT OR REPLACE INTO feedback_item (id, account, text, feature, submitted_at, followed_up_at) VALUES ($id, $a, $t, $f, $s, $u)",
                ("$id", item.Id), ("$a", item.Account.Value), ("$t", item.Text), ("$f", (object?)item.Feature ?? DBNull.Value), ("$s", item.SubmittedAt.ToUnixTimeTicks()), ("$u", item.FollowedUpAt is { } u ? u.ToUnixTimeTicks() : DBNull.Value)))
            {
                upsert.ExecuteNonQuery();
            }

            using (var delete = SqliteSession.Command(c, transaction, "DELETE FROM feedback_change WHERE id = $id", ("$id", item.Id)))
            {
                delete.ExecuteNonQuery();
            }

            for (var i = 0; i < item.Changes.Count; i++)
            {
                var change = item.Changes[i];
                using var insert = SqliteSession.Command(c, transaction, "INSERT INTO feedback_change (id, position, from_status, to_status, at, note) VALUES ($id, $p, $f, $t, $at, $n)",
                    ("$id", item.Id), ("$p", i), ("$f", (int)change.From), ("$t", (int)change.To), ("$at", change.At.ToUnixTimeTicks()), ("$n", (object?)change.Note ?? DBNull.Value));
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return (await _session.UseAsync(c => Read(c, id), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FeedbackItem>> AllAsync(CancellationToken cancellationToken = default) =>
        _session.UseAsync(c => Read(c, null), cancellationToken);

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private static IReadOnlyList<FeedbackItem> Read(SqliteConnection c, string? id)
    {
        var filter = id is null ? string.Empty : " WHERE id = $id";
        var changes = new Dictionary<string, List<FeedbackStatusChange>>(StringComparer.Ordinal);
        using (var command = SqliteSession.Command(c, null, $"SELECT id, from_status, to_status, at, note FROM feedback_change{filter} ORDER BY id, position", id is null ? [] : [("$id", id)]))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = reader.GetString(0);
                (changes.TryGetValue(key, out var list) ? list : changes[key] = []).Add(new FeedbackStatusChange((FeedbackStatus)reader.GetInt32(1), (FeedbackStatus)reader.GetInt32(2), Instant.FromUnixTimeTicks(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        var items = new List<FeedbackItem>();
        using (var command = SqliteSession.Command(c, null, $"SELECT id, account, text, feature, submitted_at, followed_up_at FROM feedback_item{filter} ORDER BY id", id is null ? [] : [("$id", id)]))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = reader.GetString(0);
                items.Add(FeedbackItem.Restore(key, new AccountId(reader.GetString(1)), reader.GetString(2), Instant.FromUnixTimeTicks(reader.GetInt64(4)), reader.IsDBNull(3) ? null : reader.GetString(3),
                    changes.GetValueOrDefault(key) ?? [], reader.IsDBNull(5) ? null : Instant.FromUnixTimeTicks(reader.GetInt64(5))));
            }
        }

        return items;
    }
}
