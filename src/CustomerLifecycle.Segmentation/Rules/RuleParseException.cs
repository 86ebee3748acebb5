namespace CustomerLifecycle.Segmentation;

/// <summary>Rule text that is not a valid rule. <see cref="Line"/> and <see cref="Column"/> point at the mistake.</summary>
public sealed class RuleParseException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RuleParseException()
        : this("The rule text is not valid.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public RuleParseException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RuleParseException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Expected = string.Empty;
        Found = string.Empty;
    }

    /// <summary>Creates the exception for a position in the text.</summary>
    /// <param name="line">The 1-based line.</param>
    /// <param name="column">The 1-based column.</param>
    /// <param name="expected">What the parser expected there.</param>
    /// <param name="found">What it found.</param>
    public RuleParseException(int line, int column, string expected, string found)
        : base($"Line {line}, column {column}: expected {expected}, found {found}.")
    {
        Line = line;
        Column = column;
        Expected = expected;
        Found = found;
    }

    /// <summary>The 1-based line of the mistake; 0 when the exception has no position.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the mistake; 0 when the exception has no position.</summary>
    public int Column { get; }

    /// <summary>What the parser expected at the position, for example <c>a comparison operator (==, !=, &lt;, &lt;=, &gt;, &gt;=, in, is)</c>.</summary>
    public string Expected { get; }

    /// <summary>What it found there, for example <c>'foo'</c> or <c>the end of the rule</c>.</summary>
    public string Found { get; }
}
