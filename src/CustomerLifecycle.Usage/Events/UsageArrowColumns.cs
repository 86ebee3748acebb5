namespace CustomerLifecycle.Usage;

/// <summary>The names of the columns of an Arrow record batch of usage events (<see cref="UsageAggregator.Ingest(Apache.Arrow.RecordBatch, UsageArrowColumns?, CancellationToken)"/>).</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record UsageArrowColumns
{
    /// <summary>The names used when none are given: <c>account</c>, <c>user</c>, <c>name</c>, <c>at</c>, <c>quantity</c>.</summary>
    public static UsageArrowColumns Default { get; } = new();

    /// <summary>The account's id (UTF-8 strings, plain or dictionary-encoded).</summary>
    /// <value>The default value is <c>account</c>.</value>
    public string Account { get; init; } = "account";

    /// <summary>The user (UTF-8 strings, plain or dictionary-encoded).</summary>
    /// <value>The default value is <c>user</c>.</value>
    public string User { get; init; } = "user";

    /// <summary>The event's name (UTF-8 strings, plain or dictionary-encoded).</summary>
    /// <value>The default value is <c>name</c>.</value>
    public string Name { get; init; } = "name";

    /// <summary>When it happened (a timestamp of any unit; one without a time zone is read as UTC).</summary>
    /// <value>The default value is <c>at</c>.</value>
    public string At { get; init; } = "at";

    /// <summary>How many (a floating-point or integer number); when null, or when the batch has no such column, 1 each.</summary>
    /// <value>The default value is <c>quantity</c>.</value>
    public string? Quantity { get; init; } = "quantity";
}
