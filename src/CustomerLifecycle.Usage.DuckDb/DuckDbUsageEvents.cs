namespace CustomerLifecycle.Usage.DuckDb;

/// <summary>Usage events in files, as DuckDB reads them: the <see cref="UsageEventTable"/> for Parquet or CSV paths and globs.</summary>
public static class DuckDbUsageEvents
{
    /// <summary>Events in Parquet files.</summary>
    /// <param name="paths">Paths or globs (<c>events/*.parquet</c>, <c>events/**/*.parquet</c>); one at least.</param>
    /// <returns>The events relation with the default column names; change them with <c>with { User = "user_id" }</c>.</returns>
    /// <exception cref="ArgumentException">No path, or a blank one.</exception>
    public static UsageEventTable Parquet(params string[] paths) => new($"read_parquet({List(paths)})");

    /// <summary>Events in CSV files with a header row (types detected; the instant column with an offset or in UTC).</summary>
    /// <param name="paths">Paths or globs; one at least.</param>
    /// <returns>The events relation with the default column names.</returns>
    /// <exception cref="ArgumentException">No path, or a blank one.</exception>
    public static UsageEventTable Csv(params string[] paths) => new($"read_csv({List(paths)}, header = true)");

    private static string List(string[] paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Length == 0)
        {
            throw new ArgumentException("Give at least one path or glob.", nameof(paths));
        }

        for (var i = 0; i < paths.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(paths[i]))
            {
                throw new ArgumentException($"Path {i} is blank.", nameof(paths));
            }
        }

        return "[" + string.Join(", ", paths.Select(UsageSqlDialect.DuckDb.Literal)) + "]";
    }
}
