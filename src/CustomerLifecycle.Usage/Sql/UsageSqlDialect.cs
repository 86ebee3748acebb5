using System.Globalization;

namespace CustomerLifecycle.Usage;

/// <summary>
/// What differs between the SQL engines the usage definitions compile to: quoting, the local date of an instant in a
/// time zone, and the floating-point type. <see cref="DuckDb"/> and <see cref="PostgreSql"/> are tested on real
/// engines; derive from this class for another engine.
/// </summary>
public abstract class UsageSqlDialect
{
    /// <summary>DuckDB (with its ICU extension, which <c>DuckDB.NET.Data.Full</c> ships). The instant column is a <c>TIMESTAMPTZ</c>, or a <c>TIMESTAMP</c> in UTC when the session's <c>TimeZone</c> is <c>UTC</c>.</summary>
    public static UsageSqlDialect DuckDb { get; } = new DuckDbDialect();

    /// <summary>PostgreSQL 12 or later. The instant column is a <c>timestamptz</c>.</summary>
    public static UsageSqlDialect PostgreSql { get; } = new PostgreSqlDialect();

    /// <summary>The dialect's name, for messages.</summary>
    public abstract string Name { get; }

    /// <summary>The double-precision floating-point type.</summary>
    public virtual string DoubleType => "double precision";

    /// <summary>Statements to run on a connection before the query (for example a session time zone); none by default.</summary>
    public virtual IReadOnlyList<string> SessionStatements => [];

    /// <summary>A quoted identifier: <c>"name"</c>, with embedded quotes doubled.</summary>
    /// <param name="identifier">The identifier.</param>
    /// <returns>The quoted identifier.</returns>
    public virtual string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A string literal: <c>'text'</c>, with embedded quotes doubled.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The literal.</returns>
    public virtual string Literal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A date literal.</summary>
    /// <param name="date">The date.</param>
    /// <returns>The literal, <c>DATE '2026-12-07'</c>.</returns>
    public virtual string DateLiteral(NodaTime.LocalDate date) =>
        "DATE '" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'";

    /// <summary>The local calendar date, in a time zone, of an instant expression.</summary>
    /// <param name="instant">The instant expression (a quoted column).</param>
    /// <param name="timeZone">The IANA time zone id, for example <c>America/New_York</c>.</param>
    /// <returns>An expression of type date.</returns>
    public abstract string LocalDate(string instant, string timeZone);

    /// <summary>An instant expression as whole microseconds since 1970-01-01T00:00Z (a 64-bit integer).</summary>
    /// <param name="instant">The instant expression.</param>
    /// <returns>The expression.</returns>
    public abstract string EpochMicroseconds(string instant);

    /// <summary>The first <paramref name="length"/> characters of a text expression.</summary>
    /// <param name="text">The text expression.</param>
    /// <param name="length">How many characters.</param>
    /// <returns>The expression.</returns>
    public virtual string Left(string text, int length) => $"left({text}, {length.ToString(CultureInfo.InvariantCulture)})";

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class DuckDbDialect : UsageSqlDialect
    {
        public override string Name => "DuckDB";

        public override string DoubleType => "DOUBLE";

        public override IReadOnlyList<string> SessionStatements { get; } = ["SET TimeZone = 'UTC'"];

        public override string LocalDate(string instant, string timeZone) =>
            $"CAST(timezone({Literal(timeZone)}, CAST({instant} AS TIMESTAMPTZ)) AS DATE)";

        public override string EpochMicroseconds(string instant) => $"epoch_us(CAST({instant} AS TIMESTAMPTZ))";
    }

    private sealed class PostgreSqlDialect : UsageSqlDialect
    {
        public override string Name => "PostgreSQL";

        public override string LocalDate(string instant, string timeZone) =>
            $"CAST(({instant} AT TIME ZONE {Literal(timeZone)}) AS date)";

        public override string EpochMicroseconds(string instant) => $"CAST(floor(extract(epoch FROM {instant}) * 1000000) AS bigint)";
    }
}
