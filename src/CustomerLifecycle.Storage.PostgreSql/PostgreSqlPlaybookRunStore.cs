using CustomerLifecycle.Playbooks;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>
/// The playbook run store on PostgreSQL, for several instances of a host sharing one database. A run is created with
/// its unique id (<c>INSERT … ON CONFLICT DO NOTHING</c>), so concurrent instances create it once; a batch holding
/// runs with a cooldown or a cap is decided under a transaction-scoped advisory lock, so that the runs of other
/// instances are seen before the insert; tasks are claimed with <c>FOR UPDATE SKIP LOCKED</c> under a lease, through
/// a partial index of the tasks not yet handed off; batches are written with one statement per table.
/// </summary>
/// <remarks>Thread-safe: every call takes a pooled connection from the data source. Dispose it to close the pool it created.</remarks>
public sealed class PostgreSqlPlaybookRunStore : IPlaybookRunStore, IAsyncDisposable, IDisposable
{
    private readonly PostgreSqlSchema _schema;
    private readonly string _run;
    private readonly string _task;
    private readonly string _state;
    private readonly long _assignmentKey;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public PostgreSqlPlaybookRunStore(PostgreSqlStorageOptions options)
    {
        _schema = new PostgreSqlSchema(options, "playbooks", PostgreSqlSchema.PlaybookMigrations);
        _run = $"{options.Schema}.playbook_run";
        _task = $"{options.Schema}.playbook_task";
        _state = $"{options.Schema}.trigger_state";

        // The advisory lock's key: one per schema's playbook store (FNV-1a of its name; advisory keys are one space per database).
        _assignmentKey = unchecked((long)AccountShard.Hash($"customerlifecycle:{options.Schema}:playbook-assignment"));
    }

    /// <summary>The schema version of the run store's tables (component <c>playbooks</c>) this package writes.</summary>
    public static int SchemaVersion => PostgreSqlSchema.PlaybookMigrations("s").Length;

    /// <summary>Applies the schema's pending migrations now, whatever <see cref="PostgreSqlStorageOptions.ApplyMigrations"/> says.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schema version.</returns>
    /// <exception cref="StoreSchemaException">The database's schema is newer than this package.</exception>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => _schema.MigrateAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
    {
        RunRequest.Validate(requests);
        cancellationToken.ThrowIfCancellationRequested();
        if (requests.Count == 0)
        {
            return [];
        }

        return await _schema.RetryAsync("creating runs", ct => TryCreateOnceAsync(requests, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<RunAdmission>> TryCreateOnceAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken)
    {
        var admissions = new RunAdmission[requests.Count];
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var limited = requests.Any(r => r.Cooldown is not null || r.Cap is not null);
        if (limited)
        {
            // One writer of limited runs at a time across instances: the history read below then includes every run
            // committed before the insert, and a cooldown or a cap cannot be passed by two instances at once.
            await using var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('customerlifecycle.limits'), hashtext(@s))", connection, transaction);
            lockCommand.Parameters.AddWithValue("s", _schema.Name);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var ids = requests.Select(r => r.Run.Id).Distinct(StringComparer.Ordinal).ToArray();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand($"SELECT id FROM {_run} WHERE id = ANY(@ids)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>("ids", ids));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing.Add(reader.GetString(0));
            }
        }

        // The accounts with an open run of a playbook, for the requests that allow only one.
        var open = new HashSet<(string, string)>();
        var single = requests.Where(r => r.SingleOpen).Select(r => (r.Run.PlaybookId, r.Run.Account.Value)).Distinct().ToArray();
        if (single.Length > 0)
        {
            await using var command = new NpgsqlCommand($"SELECT r.playbook, r.account FROM {_run} r JOIN unnest(@p, @a) AS k(playbook, account) ON r.playbook = k.playbook AND r.account = k.account WHERE r.status = 0", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]>("p", [.. single.Select(p => p.PlaybookId)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("a", [.. single.Select(p => p.Value)]));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                open.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var history = new Dictionary<(string, string), List<LocalDate>>();
        if (limited)
        {
            var pairs = requests.Where(r => r.Cooldown is not null || r.Cap is not null).Select(r => (r.Run.PlaybookId, r.Run.Account.Value)).Distinct().ToArray();
            await using var command = new NpgsqlCommand($"SELECT r.playbook, r.account, r.triggered_on FROM {_run} r JOIN unnest(@p, @a) AS k(playbook, account) ON r.playbook = k.playbook AND r.account = k.account", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]>("p", [.. pairs.Select(p => p.PlaybookId)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("a", [.. pairs.Select(p => p.Value)]));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1));
                (history.TryGetValue(key, out var list) ? list : history[key] = []).Add(LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(2)));
            }
        }

        // Decided in order, each run seeing the stored runs and the batch's runs before it.
        var admitted = new List<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            var (run, cooldown, cap) = requests[i];
            if (existing.Contains(run.Id) || !seen.Add(run.Id))
            {
                admissions[i] = RunAdmission.Duplicate;
                continue;
            }

            if (requests[i].SingleOpen && open.Contains((run.PlaybookId, run.Account.Value)))
            {
                admissions[i] = RunAdmission.AlreadyOpen;
                continue;
            }

            if (cooldown is not null || cap is not null)
            {
                var key = (run.PlaybookId, run.Account.Value);
                var earlier = history.TryGetValue(key, out var list) ? list : history[key] = [];
                admissions[i] = PlaybookLimits.Admit(earlier, run.TriggeredOn, cooldown, cap);
                if (admissions[i] != RunAdmission.Created)
                {
                    continue;
                }

                earlier.Add(run.TriggeredOn);
            }

            if (requests[i].SingleOpen)
            {
                open.Add((run.PlaybookId, run.Account.Value));
            }

            admitted.Add(i);
        }

        if (admitted.Count > 0)
        {
            // A run another instance inserted since the read above (its id, or an open run it must be the only one of)
            // is not inserted again, and not answered as created. Rows go in one order in every instance (playbook,
            // account, id, ordinal), so that two instances inserting overlapping batches wait for each other in the
            // same order instead of deadlocking.
            var inserted = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand($"""
                INSERT INTO {_run} (id, playbook, account, occurrence, triggered_on, created_at, status, single_open, arm, stratum)
                SELECT id, playbook, account, occurrence, triggered_on, created_at, 0, single_open, arm, stratum FROM unnest(@id, @p, @a, @o, @t, @c, @s, @arm, @stratum) WITH ORDINALITY AS x(id, playbook, account, occurrence, triggered_on, created_at, single_open, arm, stratum, n)
                ORDER BY n
                ON CONFLICT DO NOTHING RETURNING id
                """, connection, transaction))
            {
                var ordered = admitted.OrderBy(i => requests[i].Run.PlaybookId, StringComparer.Ordinal).ThenBy(i => requests[i].Run.Account.Value, StringComparer.Ordinal).ThenBy(i => requests[i].Run.Id, StringComparer.Ordinal).ToArray();
                var runs = ordered.Select(i => requests[i].Run).ToArray();
                command.Parameters.Add(new NpgsqlParameter<string[]>("id", [.. runs.Select(r => r.Id)]));
                command.Parameters.Add(new NpgsqlParameter<string[]>("p", [.. runs.Select(r => r.PlaybookId)]));
                command.Parameters.Add(new NpgsqlParameter<string[]>("a", [.. runs.Select(r => r.Account.Value)]));
                command.Parameters.Add(new NpgsqlParameter<string[]>("o", [.. runs.Select(r => r.OccurrenceKey)]));
                command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("t", [.. runs.Select(r => r.TriggeredOn.ToDateOnly())]));
                command.Parameters.Add(new NpgsqlParameter<long[]>("c", [.. runs.Select(r => r.CreatedAt.ToUnixTimeTicks())]));
                command.Parameters.Add(new NpgsqlParameter<bool[]>("s", [.. ordered.Select(i => requests[i].SingleOpen)]));
                command.Parameters.Add(new NpgsqlParameter<string?[]>("arm", [.. runs.Select(r => r.Arm)]));
                command.Parameters.Add(new NpgsqlParameter<string?[]>("stratum", [.. runs.Select(r => r.Stratum)]));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted.Add(reader.GetString(0));
                }
            }

            // Not inserted: a duplicate when its id is there now, else the open run of another instance came first.
            var lost = admitted.Where(i => !inserted.Contains(requests[i].Run.Id)).ToArray();
            var there = new HashSet<string>(StringComparer.Ordinal);
            if (lost.Length > 0)
            {
                await using var command = new NpgsqlCommand($"SELECT id FROM {_run} WHERE id = ANY(@ids)", connection, transaction);
                command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. lost.Select(i => requests[i].Run.Id)]));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    there.Add(reader.GetString(0));
                }
            }

            var tasks = new List<(PlaybookTask Task, int Position)>();
            foreach (var i in admitted)
            {
                var run = requests[i].Run;
                if (!inserted.Contains(run.Id))
                {
                    admissions[i] = there.Contains(run.Id) ? RunAdmission.Duplicate : RunAdmission.AlreadyOpen;
                    continue;
                }

                admissions[i] = RunAdmission.Created;
                for (var n = 0; n < run.Tasks.Count; n++)
                {
                    tasks.Add((run.Tasks[n], n));
                }
            }

            if (tasks.Count > 0)
            {
                await WriteTasksAsync(connection, tasks, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return admissions;
    }

    // Binary COPY: the fastest way PostgreSQL takes rows, and new runs' tasks cannot conflict.
    private async Task WriteTasksAsync(NpgsqlConnection connection, List<(PlaybookTask Task, int Position)> tasks, CancellationToken cancellationToken)
    {
        var importer = await connection.BeginBinaryImportAsync($"COPY {_task} (id, run_id, position, playbook, account, title, role, owner, channel, priority, due, state) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var (t, position) in tasks)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.Id, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.RunId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(position, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.PlaybookId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.Account.Value, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.Title, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.OwnerRole, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.Owner, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync((short)t.Channel, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync((short)t.Priority, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(t.Due.ToDateOnly(), NpgsqlDbType.Date, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync((short)0, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(CancellationToken cancellationToken = default) => ReadRunsAsync("r.status = 0", cancellationToken);

    /// <inheritdoc />
    /// <remarks>Looked up by the (playbook, triggered_on) index.</remarks>
    public async ValueTask<IReadOnlyList<PlaybookRun>> RunsAsync(string playbookId, LocalDate from, LocalDate through, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(playbookId);
        return await ReadRunsAsync("r.playbook = @p AND r.triggered_on >= @f AND r.triggered_on <= @t", cancellationToken, new NpgsqlParameter<string>("p", playbookId), new NpgsqlParameter<DateOnly>("f", from.ToDateOnly()), new NpgsqlParameter<DateOnly>("t", through.ToDateOnly())).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Looked up by the (playbook, account) index: every playbook with runs, times the accounts asked for (passed as one array).</remarks>
    public async ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return await ReadRunsAsync($"r.status = 0 AND r.playbook IN (SELECT DISTINCT playbook FROM {_run}) AND r.account = ANY(@a)", cancellationToken, new NpgsqlParameter("a", accounts.Select(a => a.Value).ToArray())).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return await ReadStatesAsync($"WHERE account = ANY(@a)", cancellationToken, new NpgsqlParameter("a", accounts.Select(a => a.Value).ToArray())).ConfigureAwait(false);
    }

    /// <summary>Every run, open or cancelled, with its tasks.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot, by id.</returns>
    public ValueTask<IReadOnlyList<PlaybookRun>> AllRunsAsync(CancellationToken cancellationToken = default) => ReadRunsAsync("TRUE", cancellationToken);

    /// <summary>The tasks of open runs (handed off or not) due on or before a date, by owner: a to-do overview.</summary>
    /// <param name="by">The last due date counted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of such tasks per owner.</returns>
    public async ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsDueAsync(LocalDate by, CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT t.owner, count(*)::int FROM {_task} t JOIN {_run} r ON r.id = t.run_id WHERE r.status = 0 AND t.state IN (0, 1, 2) AND t.due <= @d GROUP BY t.owner", connection);
        command.Parameters.AddWithValue("d", by.ToDateOnly());
        return await ReadCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tasks of open runs (handed off or not) due on or before a date, most urgent first (due date, then priority, then id).</summary>
    /// <param name="by">The last due date read.</param>
    /// <param name="limit">The most to read; 1 or more.</param>
    /// <param name="owner">Only this person's tasks, when given.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tasks.</returns>
    public async ValueTask<IReadOnlyList<PlaybookTask>> OpenTasksDueAsync(LocalDate by, int limit, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {string.Join(", ", TaskColumns.Split(", ").Select(c => "t." + c))} FROM {_task} t JOIN {_run} r ON r.id = t.run_id WHERE r.status = 0 AND t.state IN (0, 1, 2) AND t.due <= @d AND (@o::text IS NULL OR t.owner = @o) ORDER BY t.due, t.priority DESC, t.id COLLATE \"C\" LIMIT @n", connection);
        command.Parameters.AddWithValue("d", by.ToDateOnly());
        command.Parameters.Add(new NpgsqlParameter("o", NpgsqlDbType.Text) { Value = (object?)owner ?? DBNull.Value });
        command.Parameters.AddWithValue("n", limit);
        return await ReadTasksAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> CancelAsync(IReadOnlyList<string> runIds, Instant at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        var ids = runIds.Where(i => i is not null).Distinct(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            return [];
        }

        // One statement: the runs and their tasks not yet handed off (state 3) change together.
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            WITH c AS (UPDATE {_run} SET status = 1 WHERE id = ANY(@ids) AND status = 0 RETURNING id),
                 t AS (UPDATE {_task} SET state = 3 WHERE run_id IN (SELECT id FROM c) AND state IN (0, 1))
            SELECT id FROM c
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", ids));
        var cancelled = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cancelled.Add(reader.GetString(0));
        }

        return cancelled;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);

        // Rows another claimant is taking are skipped, not waited for: concurrent claims get disjoint batches.
        await using var command = new NpgsqlCommand($"""
            UPDATE {_task} SET state = 1, claimant = @c, until = @u
            WHERE id IN (SELECT id FROM {_task} WHERE state = 0 OR (state = 1 AND until <= @now) LIMIT @n FOR UPDATE SKIP LOCKED)
            RETURNING {TaskColumns}
            """, connection);
        command.Parameters.AddWithValue("c", claimant);
        command.Parameters.AddWithValue("u", (now + lease).ToUnixTimeTicks());
        command.Parameters.AddWithValue("now", now.ToUnixTimeTicks());
        command.Parameters.AddWithValue("n", limit);
        return await ReadTasksAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> CompleteHandOffAsync(string taskId, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(claimant);
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"UPDATE {_task} SET state = 2 WHERE id = @id AND claimant = @c AND state = 1", connection);
        command.Parameters.AddWithValue("id", taskId);
        command.Parameters.AddWithValue("c", claimant);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> CompleteHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(claimant);
        var ids = taskIds.Where(i => i is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (ids.Length == 0)
        {
            return [];
        }

        // One statement for the batch; the rows are this claimant's, so no other writer contends for them.
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"UPDATE {_task} SET state = 2 WHERE id = ANY(@ids) AND claimant = @c AND state = 1 RETURNING id", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", ids));
        command.Parameters.AddWithValue("c", claimant);
        var completed = new List<string>(ids.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            completed.Add(reader.GetString(0));
        }

        return completed;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(claimant);
        if (taskIds.Count == 0)
        {
            return;
        }

        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"UPDATE {_task} SET state = 0, claimant = NULL WHERE id = ANY(@ids) AND claimant = @c AND state = 1", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. taskIds.Where(i => i is not null)]));
        command.Parameters.AddWithValue("c", claimant);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <inheritdoc />
    /// <remarks>
    /// A transaction-level advisory lock (<c>pg_advisory_xact_lock</c>) of this schema's playbook store, taken in a
    /// transaction on a connection of its own and held until the handle is disposed: every store on the schema, on any
    /// instance, takes turns; a holder whose process dies releases it with its session.
    /// </remarks>
    public async ValueTask<IAsyncDisposable> LockAssignmentAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", connection, transaction);
            command.Parameters.AddWithValue("k", _assignmentKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new AdvisoryLock(connection, transaction);
        }
        catch
        {
            // Nothing held: the transaction (and any lock it took) ends with the connection.
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A held assignment lock: committing the transaction releases it.</summary>
    private sealed class AdvisoryLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            try
            {
                await transaction.CommitAsync().ConfigureAwait(false);
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT t.owner, count(*)::int FROM {_task} t JOIN {_run} r ON r.id = t.run_id WHERE r.status = 0 GROUP BY t.owner", connection);
        return await ReadCountsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, int>> ReadCountsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default) => ReadStatesAsync("", cancellationToken);

    private async ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> ReadStatesAsync(string where, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT playbook, account, holds, since FROM {_state} {where}", connection);
        command.Parameters.AddRange(parameters);
        var states = new Dictionary<TriggerStateKey, TriggerState>();
        var playbooks = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var playbook = reader.GetString(0);
            playbook = playbooks.TryGetValue(playbook, out var one) ? one : playbooks[playbook] = playbook;
            states[new TriggerStateKey(playbook, new AccountId(reader.GetString(1)))] = new TriggerState(reader.GetBoolean(2), LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(3)));
        }

        return states;
    }

    /// <inheritdoc />
    public async ValueTask SetTriggerStatesAsync(IReadOnlyList<TriggerStateChange> changes, CancellationToken cancellationToken = default)
    {
        TriggerStateChange.Validate(changes);
        cancellationToken.ThrowIfCancellationRequested();
        if (changes.Count == 0)
        {
            return;
        }

        // In one order in every instance (playbook, account, ordinal), so that concurrent writers of overlapping keys
        // queue instead of deadlocking; a change older than the recorded one leaves it as it is.
        var ordered = changes.OrderBy(c => c.Key.PlaybookId, StringComparer.Ordinal).ThenBy(c => c.Key.Account.Value, StringComparer.Ordinal).ToArray();
        await _schema.RetryAsync("recording trigger states", async ct =>
        {
            await using var connection = await _schema.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"""
                INSERT INTO {_state} AS s (playbook, account, holds, since)
                SELECT playbook, account, holds, since FROM unnest(@p, @a, @h, @s) WITH ORDINALITY AS x(playbook, account, holds, since, n) ORDER BY n
                ON CONFLICT (playbook, account) DO UPDATE SET holds = excluded.holds, since = excluded.since WHERE excluded.since >= s.since
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string[]>("p", [.. ordered.Select(c => c.Key.PlaybookId)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("a", [.. ordered.Select(c => c.Key.Account.Value)]));
            command.Parameters.Add(new NpgsqlParameter<bool[]>("h", [.. ordered.Select(c => c.State.Holds)]));
            command.Parameters.Add(new NpgsqlParameter<DateOnly[]>("s", [.. ordered.Select(c => c.State.Since.ToDateOnly())]));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection pool the store created (not a data source the host gave it).</summary>
    public void Dispose() => _schema.Dispose();

    /// <summary>Closes the connection pool the store created (not a data source the host gave it).</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private const string TaskColumns = "id, run_id, playbook, account, title, role, owner, channel, priority, due";

    private async ValueTask<IReadOnlyList<PlaybookRun>> ReadRunsAsync(string where, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var connection = await _schema.OpenAsync(cancellationToken).ConfigureAwait(false);

        // One snapshot for runs and tasks: a run cancelled between the two reads cannot lose its tasks.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        ILookup<string, PlaybookTask> tasks;
        await using (var command = new NpgsqlCommand($"SELECT {string.Join(", ", TaskColumns.Split(", ").Select(c => "t." + c))} FROM {_task} t JOIN {_run} r ON r.id = t.run_id WHERE {where} ORDER BY t.run_id, t.position", connection, transaction))
        {
            command.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            tasks = (await ReadTasksAsync(command, cancellationToken).ConfigureAwait(false)).ToLookup(t => t.RunId, StringComparer.Ordinal);
        }

        var runs = new List<PlaybookRun>();
        await using (var command = new NpgsqlCommand($"SELECT id, playbook, account, occurrence, triggered_on, created_at, status, arm, stratum FROM {_run} r WHERE {where} ORDER BY id", connection, transaction))
        {
            command.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var id = reader.GetString(0);
                runs.Add(new PlaybookRun(id, reader.GetString(1), new AccountId(reader.GetString(2)), reader.GetString(3), LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(4)), Instant.FromUnixTimeTicks(reader.GetInt64(5)), [.. tasks[id]])
                {
                    Status = (RunStatus)reader.GetInt16(6),
                    Arm = reader.IsDBNull(7) ? null : reader.GetString(7),
                    Stratum = reader.IsDBNull(8) ? null : reader.GetString(8),
                });
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return runs;
    }

    private static async Task<List<PlaybookTask>> ReadTasksAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var tasks = new List<PlaybookTask>();

        // Playbooks, titles, roles and owners repeat across a million tasks: one copy of each.
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        string Shared(int column)
        {
            var text = reader.GetString(column);
            return shared.TryGetValue(text, out var one) ? one : shared[text] = text;
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tasks.Add(new PlaybookTask(reader.GetString(0), reader.GetString(1), Shared(2), new AccountId(reader.GetString(3)), Shared(4), Shared(5), Shared(6), (TaskChannel)reader.GetInt16(7), (TaskPriority)reader.GetInt16(8), LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(9))));
        }

        return tasks;
    }
}
