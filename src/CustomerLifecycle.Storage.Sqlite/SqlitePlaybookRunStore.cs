using CustomerLifecycle.Playbooks;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// The playbook run store on SQLite: runs, their tasks' hand-off state and the engine's trigger state in one file.
/// Each call is one transaction (<c>BEGIN IMMEDIATE</c>, so writers queue behind one another for up to
/// <see cref="SqliteStorageOptions.BusyTimeout"/>): several processes on one file never create a run twice or hand a
/// task to two of them. One connection per store, used by one call at a time.
/// </summary>
/// <remarks>
/// SQLite's driver does its work synchronously; the asynchronous methods complete when it is done. A store is meant to
/// live as long as the host (a singleton); dispose it to close its connection.
/// </remarks>
public sealed class SqlitePlaybookRunStore : IPlaybookRunStore, IAsyncDisposable, IDisposable
{
    private const string OpenTask = "0, 1, 2";
    private readonly SqliteSession _session;

    /// <summary>Creates a store.</summary>
    /// <param name="options">The database and its settings.</param>
    /// <exception cref="ArgumentException">The options are not valid (the message names the setting).</exception>
    public SqlitePlaybookRunStore(SqliteStorageOptions options) => _session = new(new SqliteSchema(options, "playbooks", SqliteSchema.PlaybookMigrations));

    /// <summary>The schema version of the run store's tables (component <c>playbooks</c>) this package writes.</summary>
    public static int SchemaVersion => SqliteSchema.PlaybookMigrations.Length;

    /// <summary>Applies the schema's pending migrations now, whatever <see cref="SqliteStorageOptions.ApplyMigrations"/> says.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schema version.</returns>
    /// <exception cref="StoreSchemaException">The database's schema is newer than this package.</exception>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => _session.Schema.MigrateAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<RunAdmission>> TryCreateAsync(IReadOnlyList<RunRequest> requests, CancellationToken cancellationToken = default)
    {
        RunRequest.Validate(requests);
        return UseAsync<IReadOnlyList<RunAdmission>>(c => TryCreate(c, requests), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<PlaybookRun>>(c => ReadRuns(c, "r.status = 0"), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookRun>> RunsAsync(string playbookId, LocalDate from, LocalDate through, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(playbookId);
        return UseAsync<IReadOnlyList<PlaybookRun>>(c => ReadRuns(c, "r.playbook = $p AND r.triggered_on >= $f AND r.triggered_on <= $t", ("$p", playbookId), ("$f", Iso(from)), ("$t", Iso(through))), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Looked up by the (playbook, account) index: every playbook with runs, times the accounts asked for (passed as one JSON array).</remarks>
    public ValueTask<IReadOnlyList<PlaybookRun>> OpenRunsAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var ids = System.Text.Json.JsonSerializer.Serialize(accounts.Select(a => a.Value).ToArray());
        return UseAsync<IReadOnlyList<PlaybookRun>>(c =>
        {
            var playbooks = System.Text.Json.JsonSerializer.Serialize(Playbooks(c, "playbook_run"));
            return ReadRuns(c, "r.status = 0 AND r.playbook IN (SELECT value FROM json_each($p)) AND r.account IN (SELECT value FROM json_each($a))", ("$p", playbooks), ("$a", ids));
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Looked up by the key (playbook, account): every playbook with states, times the accounts asked for.</remarks>
    public ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(IReadOnlyCollection<AccountId> accounts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var ids = System.Text.Json.JsonSerializer.Serialize(accounts.Select(a => a.Value).ToArray());
        return UseAsync<IReadOnlyDictionary<TriggerStateKey, TriggerState>>(c =>
        {
            var playbooks = System.Text.Json.JsonSerializer.Serialize(Playbooks(c, "trigger_state"));
            return ReadStates(c, "WHERE playbook IN (SELECT value FROM json_each($p)) AND account IN (SELECT value FROM json_each($a))", ("$p", playbooks), ("$a", ids));
        }, cancellationToken);
    }

    private static string[] Playbooks(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT DISTINCT playbook FROM {table}";
        using var reader = command.ExecuteReader();
        var playbooks = new List<string>();
        while (reader.Read())
        {
            playbooks.Add(reader.GetString(0));
        }

        return [.. playbooks];
    }

    /// <summary>Every run, open or cancelled, with its tasks.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A snapshot, by id.</returns>
    public ValueTask<IReadOnlyList<PlaybookRun>> AllRunsAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<PlaybookRun>>(c => ReadRuns(c, "1 = 1"), cancellationToken);

    /// <summary>The tasks of open runs (handed off or not) due on or before a date, by owner: a to-do overview.</summary>
    /// <param name="by">The last due date counted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of such tasks per owner.</returns>
    public ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsDueAsync(LocalDate by, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyDictionary<string, int>>(c => CountByOwner(c, "AND t.due <= $d", Iso(by)), cancellationToken);

    /// <summary>The tasks of open runs (handed off or not) due on or before a date, most urgent first (due date, then priority, then id).</summary>
    /// <param name="by">The last due date read.</param>
    /// <param name="limit">The most to read; 1 or more.</param>
    /// <param name="owner">Only this person's tasks, when given.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tasks.</returns>
    public ValueTask<IReadOnlyList<PlaybookTask>> OpenTasksDueAsync(LocalDate by, int limit, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return UseAsync<IReadOnlyList<PlaybookTask>>(c => ReadTasks(c, null,
            $"r.status = 0 AND t.state IN ({OpenTask}) AND t.due <= $d {(owner is null ? "" : "AND t.owner = $o")} ORDER BY t.due, t.priority DESC, t.id LIMIT {limit}",
            [("$d", Iso(by)), .. owner is null ? Array.Empty<(string, object)>() : [("$o", owner)]]), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> CancelAsync(IReadOnlyList<string> runIds, Instant at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        return UseAsync<IReadOnlyList<string>>(c =>
        {
            // The run's tasks leave the claimable state with it (state 3): a claim needs no join.
            using var transaction = c.BeginTransaction(deferred: false);
            using var run = Command(c, transaction, "UPDATE playbook_run SET status = 1 WHERE id = $id AND status = 0", "$id");
            using var tasks = Command(c, transaction, "UPDATE playbook_task SET state = 3 WHERE run_id = $id AND state IN (0, 1)", "$id");
            var cancelled = new List<string>();
            foreach (var id in runIds.Distinct(StringComparer.Ordinal))
            {
                if (id is null)
                {
                    continue;
                }

                run.Parameters[0].Value = id;
                if (run.ExecuteNonQuery() == 1)
                {
                    tasks.Parameters[0].Value = id;
                    tasks.ExecuteNonQuery();
                    cancelled.Add(id);
                }
            }

            transaction.Commit();
            return cancelled;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PlaybookTask>> ClaimHandOffsAsync(string claimant, Instant now, Duration lease, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return UseAsync<IReadOnlyList<PlaybookTask>>(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);

            // Through the state index, stopping at the limit: sorting every pending task for each batch would make a
            // large hand-off quadratic.
            var tasks = ReadTasks(c, transaction, $"t.state = 0 LIMIT {limit}");
            if (tasks.Count < limit)
            {
                tasks.AddRange(ReadTasks(c, transaction, $"t.state = 1 AND t.until <= $now LIMIT {limit - tasks.Count}", ("$now", now.ToUnixTimeTicks())));
            }

            using var claim = Command(c, transaction, "UPDATE playbook_task SET state = 1, claimant = $c, until = $u WHERE id = $id", "$c", "$u", "$id");
            claim.Parameters[0].Value = claimant;
            claim.Parameters[1].Value = (now + lease).ToUnixTimeTicks();
            foreach (var task in tasks)
            {
                claim.Parameters[2].Value = task.Id;
                claim.ExecuteNonQuery();
            }

            transaction.Commit();
            return tasks;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteHandOffAsync(string taskId, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(claimant);
        return UseAsync(c =>
        {
            using var command = Command(c, null, "UPDATE playbook_task SET state = 2 WHERE id = $id AND claimant = $c AND state = 1", "$id", "$c");
            command.Parameters[0].Value = taskId;
            command.Parameters[1].Value = claimant;
            return command.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> CompleteHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(claimant);
        return UseAsync<IReadOnlyList<string>>(c =>
        {
            // One transaction: one commit (one fsync of the WAL) for the batch, not one per task.
            using var transaction = c.BeginTransaction(deferred: false);
            using var command = Command(c, transaction, "UPDATE playbook_task SET state = 2 WHERE id = $id AND claimant = $c AND state = 1", "$id", "$c");
            command.Parameters[1].Value = claimant;
            var completed = new List<string>(taskIds.Count);
            foreach (var id in taskIds)
            {
                if (id is null)
                {
                    continue;
                }

                command.Parameters[0].Value = id;
                if (command.ExecuteNonQuery() == 1)
                {
                    completed.Add(id);
                }
            }

            transaction.Commit();
            return completed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseHandOffsAsync(IReadOnlyList<string> taskIds, string claimant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        ArgumentNullException.ThrowIfNull(claimant);
        await UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using var command = Command(c, transaction, "UPDATE playbook_task SET state = 0, claimant = NULL WHERE id = $id AND claimant = $c AND state = 1", "$id", "$c");
            command.Parameters[1].Value = claimant;
            foreach (var id in taskIds)
            {
                command.Parameters[0].Value = (object?)id ?? DBNull.Value;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, int>> OpenTaskCountsAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyDictionary<string, int>>(c => CountByOwner(c, "", null), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<TriggerStateKey, TriggerState>> TriggerStatesAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyDictionary<TriggerStateKey, TriggerState>>(c => ReadStates(c, ""), cancellationToken);

    private static Dictionary<TriggerStateKey, TriggerState> ReadStates(SqliteConnection c, string where, params (string Name, object Value)[] parameters)
    {
            using var command = c.CreateCommand();
            command.CommandText = $"SELECT playbook, account, holds, since FROM trigger_state {where}";
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            var states = new Dictionary<TriggerStateKey, TriggerState>();
            var playbooks = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read())
            {
                var playbook = reader.GetString(0);
                playbook = playbooks.TryGetValue(playbook, out var one) ? one : playbooks[playbook] = playbook;
                states[new TriggerStateKey(playbook, new AccountId(reader.GetString(1)))] = new TriggerState(reader.GetInt32(2) == 1, ParseDate(reader.GetString(3)));
            }

            return states;
    }

    /// <inheritdoc />
    public async ValueTask SetTriggerStatesAsync(IReadOnlyList<TriggerStateChange> changes, CancellationToken cancellationToken = default)
    {
        TriggerStateChange.Validate(changes);
        await UseAsync(c =>
        {
            using var transaction = c.BeginTransaction(deferred: false);
            using var set = Command(c, transaction, "INSERT INTO trigger_state (playbook, account, holds, since) VALUES ($p, $a, $h, $s) ON CONFLICT (playbook, account) DO UPDATE SET holds = excluded.holds, since = excluded.since WHERE excluded.since >= trigger_state.since", "$p", "$a", "$h", "$s");
            foreach (var (key, state) in changes)
            {
                set.Parameters[0].Value = key.PlaybookId;
                set.Parameters[1].Value = key.Account.Value;
                set.Parameters[2].Value = state.Holds ? 1 : 0;
                set.Parameters[3].Value = Iso(state.Since);
                set.ExecuteNonQuery();
            }

            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// An exclusive open of the file <c>{database}-assignment.lock</c> beside the database, tried every 20 ms: every
    /// store on the file, in this process or another, takes turns; the operating system releases it when its holder's
    /// process ends. An in-memory database's is a lock of this process.
    /// </remarks>
    public ValueTask<IAsyncDisposable> LockAssignmentAsync(CancellationToken cancellationToken = default) => SqliteAssignmentLock.TakeAsync(_session.Schema, cancellationToken);

    /// <summary>Closes the store's connection.</summary>
    public void Dispose() => _session.Dispose();

    /// <summary>Closes the store's connection.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private ValueTask<T> UseAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) => _session.UseAsync(work, cancellationToken);

    // Tasks of open runs per owner, optionally due by a date ($d).
    private static Dictionary<string, int> CountByOwner(SqliteConnection connection, string andWhere, string? due)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT t.owner, COUNT(*) FROM playbook_task t JOIN playbook_run r ON r.id = t.run_id WHERE r.status = 0 AND t.state IN ({OpenTask}) {andWhere} GROUP BY t.owner";
        if (due is not null)
        {
            command.Parameters.AddWithValue("$d", due);
        }

        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    private static RunAdmission[] TryCreate(SqliteConnection connection, IReadOnlyList<RunRequest> requests)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var exists = Command(connection, transaction, "SELECT 1 FROM playbook_run WHERE id = $id", "$id");
        using var history = Command(connection, transaction, "SELECT triggered_on FROM playbook_run WHERE playbook = $p AND account = $a", "$p", "$a");
        using var open = Command(connection, transaction, "SELECT 1 FROM playbook_run WHERE playbook = $p AND account = $a AND status = 0 LIMIT 1", "$p", "$a");
        using var insertRun = Command(connection, transaction, "INSERT INTO playbook_run (id, playbook, account, occurrence, triggered_on, created_at, status, arm, stratum) VALUES ($id, $p, $a, $o, $t, $c, 0, $arm, $stratum)", "$id", "$p", "$a", "$o", "$t", "$c", "$arm", "$stratum");
        using var insertTask = Command(connection, transaction, "INSERT INTO playbook_task (id, run_id, position, title, role, owner, channel, priority, due, state) VALUES ($id, $r, $n, $title, $role, $owner, $ch, $pr, $due, 0)", "$id", "$r", "$n", "$title", "$role", "$owner", "$ch", "$pr", "$due");
        var admissions = new RunAdmission[requests.Count];
        var earlier = new List<LocalDate>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (run, cooldown, cap) = requests[i];
            exists.Parameters[0].Value = run.Id;
            if (exists.ExecuteScalar() is not null)
            {
                admissions[i] = RunAdmission.Duplicate;
                continue;
            }

            // Decided in the writer's transaction (BEGIN IMMEDIATE): no other process inserts in between.
            if (requests[i].SingleOpen)
            {
                open.Parameters[0].Value = run.PlaybookId;
                open.Parameters[1].Value = run.Account.Value;
                if (open.ExecuteScalar() is not null)
                {
                    admissions[i] = RunAdmission.AlreadyOpen;
                    continue;
                }
            }

            // The account's earlier runs of the playbook matter only to a cooldown or a cap.
            if (cooldown is not null || cap is not null)
            {
                earlier.Clear();
                history.Parameters[0].Value = run.PlaybookId;
                history.Parameters[1].Value = run.Account.Value;
                using (var reader = history.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        earlier.Add(ParseDate(reader.GetString(0)));
                    }
                }

                admissions[i] = PlaybookLimits.Admit(earlier, run.TriggeredOn, cooldown, cap);
                if (admissions[i] != RunAdmission.Created)
                {
                    continue;
                }
            }

            Run(insertRun, run.Id, run.PlaybookId, run.Account.Value, run.OccurrenceKey, Iso(run.TriggeredOn), run.CreatedAt.ToUnixTimeTicks(), (object?)run.Arm ?? DBNull.Value, (object?)run.Stratum ?? DBNull.Value);
            for (var n = 0; n < run.Tasks.Count; n++)
            {
                var t = run.Tasks[n];
                Run(insertTask, t.Id, run.Id, n, t.Title, t.OwnerRole, t.Owner, (int)t.Channel, (int)t.Priority, Iso(t.Due));
            }

            admissions[i] = RunAdmission.Created;
        }

        transaction.Commit();
        return admissions;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        command.ExecuteNonQuery();
    }

    private static List<PlaybookRun> ReadRuns(SqliteConnection connection, string where, params (string Name, object Value)[] parameters)
    {
        var tasks = ReadTasks(connection, null, $"{where} ORDER BY t.run_id, t.position", parameters).ToLookup(t => t.RunId);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, playbook, account, occurrence, triggered_on, created_at, status, arm, stratum FROM playbook_run r WHERE {where} ORDER BY id";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var runs = new List<PlaybookRun>();
        while (reader.Read())
        {
            runs.Add(new PlaybookRun(reader.GetString(0), reader.GetString(1), new AccountId(reader.GetString(2)), reader.GetString(3), ParseDate(reader.GetString(4)), Instant.FromUnixTimeTicks(reader.GetInt64(5)), [.. tasks[reader.GetString(0)]])
            {
                Status = (RunStatus)reader.GetInt32(6),
                Arm = reader.IsDBNull(7) ? null : reader.GetString(7),
                Stratum = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }

        return runs;
    }

    private static List<PlaybookTask> ReadTasks(SqliteConnection connection, SqliteTransaction? transaction, string whereAndAfter, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT t.id, t.run_id, r.playbook, r.account, t.title, t.role, t.owner, t.channel, t.priority, t.due FROM playbook_task t JOIN playbook_run r ON r.id = t.run_id WHERE {whereAndAfter}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var tasks = new List<PlaybookTask>();

        // Playbooks, titles, roles and owners repeat across a million tasks: one copy of each.
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(int column)
        {
            var text = reader.GetString(column);
            return shared.TryGetValue(text, out var one) ? one : shared[text] = text;
        }

        while (reader.Read())
        {
            tasks.Add(new PlaybookTask(reader.GetString(0), reader.GetString(1), Shared(2), new AccountId(reader.GetString(3)), Shared(4), Shared(5), Shared(6), (TaskChannel)reader.GetInt32(7), (TaskPriority)reader.GetInt32(8), ParseDate(reader.GetString(9))));
        }

        return tasks;
    }

    private static string Iso(LocalDate date) => LocalDatePattern.Iso.Format(date);

    private static LocalDate ParseDate(string text) => LocalDatePattern.Iso.Parse(text).GetValueOrThrow();

}
