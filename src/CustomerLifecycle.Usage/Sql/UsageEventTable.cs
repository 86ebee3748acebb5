namespace CustomerLifecycle.Usage;

/// <summary>
/// Where the usage events are for the SQL definitions: a relation (a table, a view, or a table function such as
/// DuckDB's <c>read_parquet('events/*.parquet')</c>) and its column names. The columns hold what a
/// <see cref="UsageEvent"/> holds: an id (optional), the account, the user, the event name, the instant and the quantity
/// (optional: 1 each without it).
/// </summary>
/// <remarks>
/// <see cref="From"/> is written into the query as it is: it is the host's configuration, not user input. The rows are
/// taken as they are: the SQL does not refuse what <see cref="UsageAggregator"/> refuses (invalid names, blank users,
/// quantities out of range), so keep those out upstream.
/// </remarks>
public sealed record UsageEventTable
{
    /// <summary>Creates a description of an events relation with the default column names.</summary>
    /// <param name="from">The relation, as SQL: <c>usage_events</c>, <c>analytics.usage_events</c>, <c>read_parquet('events/*.parquet')</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="from"/> is blank.</exception>
    public UsageEventTable(string from)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        From = from;
    }

    /// <summary>The relation, as SQL.</summary>
    public string From { get; }

    /// <summary>The event id column; <c>id</c> by default. Rows with the same id are one event (the one with the earliest instant is kept). Null when the rows are unique already: no de-duplication, which is cheaper.</summary>
    public string? Id { get; init; } = "id";

    /// <summary>The account id column (text); <c>account</c> by default.</summary>
    public string Account { get; init; } = "account";

    /// <summary>The user column (text, or any type with equality); <c>user</c> by default.</summary>
    public string User { get; init; } = "user";

    /// <summary>The event name column (text); <c>name</c> by default.</summary>
    public string Name { get; init; } = "name";

    /// <summary>The instant column; <c>at</c> by default.</summary>
    public string At { get; init; } = "at";

    /// <summary>The quantity column (numeric); <c>quantity</c> by default, or null for 1 each.</summary>
    public string? Quantity { get; init; } = "quantity";
}
