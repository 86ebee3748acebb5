using CustomerLifecycle.Feedback;
using NodaTime;
using Npgsql;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// Feedback items on PostgreSQL (tables <c>feedback_item</c> and <c>feedback_change</c>, component <c>feedback</c>):
/// an item and its changes replaced in one transaction, the item row locked while it is checked and written; read back
/// through <see cref="FeedbackItem.Restore"/>.
/// </summary>
public sealed class PostgreSqlFeedbackStore : IFeedbackStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _items;
    private readonly string _changes;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlFeedbackStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "feedback", PostgreSqlSchema.FeedbackMigrations);
        _items = $"{options.Schema}.feedback_item";
        _changes = $"{options.Schema}.feedback_change";
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(FeedbackItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var read = new NpgsqlCommand($"SELECT account FROM {_items} WHERE id = @id FOR UPDATE", connection, transaction))
        {
            read.Parameters.AddWithValue("id", item.Id);
            FeedbackItems.CheckSameAccount(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string account ? new AccountId(account) : null, item);
        }

        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO {_items} (id, account, text, feature, submitted_at, followed_up_at) VALUES (@id, @a, @t, @f, @s, @u)
            ON CONFLICT (id) DO UPDATE SET text = excluded.text, feature = excluded.feature, submitted_at = excluded.submitted_at, followed_up_at = excluded.followed_up_at
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("id", item.Id);
            upsert.Parameters.AddWithValue("a", item.Account.Value);
            upsert.Parameters.AddWithValue("t", item.Text);
            upsert.Parameters.AddWithValue("f", (object?)item.Feature ?? DBNull.Value);
            upsert.Parameters.AddWithValue("s", item.SubmittedAt.ToUnixTimeTicks());
            upsert.Parameters.AddWithValue("u", item.FollowedUpAt is { } u ? u.ToUnixTimeTicks() : DBNull.Value);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var replace = new NpgsqlCommand($"""
            DELETE FROM {_changes} WHERE id = @id;
            INSERT INTO {_changes} (id, position, from_status, to_status, at, note) SELECT @id, * FROM unnest(@p, @f, @t, @at, @n);
            """, connection, transaction))
        {
            var changes = item.Changes;
            replace.Parameters.AddWithValue("id", item.Id);
            replace.Parameters.AddWithValue("p", Enumerable.Range(0, changes.Count).ToArray());
            replace.Parameters.AddWithValue("f", changes.Select(c => (short)c.From).ToArray());
            replace.Parameters.AddWithValue("t", changes.Select(c => (short)c.To).ToArray());
            replace.Parameters.AddWithValue("at", changes.Select(c => c.At.ToUnixTimeTicks()).ToArray());
            replace.Parameters.AddWithValue("n", changes.Select(c => c.Note).ToArray());
            await replace.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<FeedbackItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return (await ReadAsync(id, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<FeedbackItem>> AllAsync(CancellationToken cancellationToken = default) => ReadAsync(null, cancellationToken);

    /// <summary>Closes the connection pool the store created.</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private async ValueTask<IReadOnlyList<FeedbackItem>> ReadAsync(string? id, CancellationToken cancellationToken)
    {
        var filter = id is null ? string.Empty : " WHERE id = @id";
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var changes = new Dictionary<string, List<FeedbackStatusChange>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand($"SELECT id, from_status, to_status, at, note FROM {_changes}{filter} ORDER BY id, position", connection, transaction))
        {
            if (id is not null)
            {
                command.Parameters.AddWithValue("id", id);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = reader.GetString(0);
                (changes.TryGetValue(key, out var list) ? list : changes[key] = []).Add(new FeedbackStatusChange((FeedbackStatus)reader.GetInt16(1), (FeedbackStatus)reader.GetInt16(2), Instant.FromUnixTimeTicks(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        var items = new List<FeedbackItem>();
        await using (var command = new NpgsqlCommand($"SELECT id, account, text, feature, submitted_at, followed_up_at FROM {_items}{filter} ORDER BY id COLLATE \"C\"", connection, transaction))
        {
            if (id is not null)
            {
                command.Parameters.AddWithValue("id", id);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = reader.GetString(0);
                items.Add(FeedbackItem.Restore(key, new AccountId(reader.GetString(1)), reader.GetString(2), Instant.FromUnixTimeTicks(reader.GetInt64(4)), reader.IsDBNull(3) ? null : reader.GetString(3),
                    changes.GetValueOrDefault(key) ?? [], reader.IsDBNull(5) ? null : Instant.FromUnixTimeTicks(reader.GetInt64(5))));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return items;
    }
}
