namespace CustomerLifecycle;

/// <summary>
/// A database store found a schema it must not use: written by a newer version of the package (never written to by
/// this one), or older than the package with migrations turned off. Nothing was changed.
/// </summary>
public sealed class StoreSchemaException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="component">The part of the schema (for example <c>playbooks</c>).</param>
    /// <param name="found">The version in the database; 0 when it has none.</param>
    /// <param name="expected">The version this package writes.</param>
    /// <param name="message">What is wrong and what to do.</param>
    public StoreSchemaException(string component, int found, int expected, string message)
        : base(message)
    {
        Component = component;
        Found = found;
        Expected = expected;
    }

    /// <summary>The part of the schema.</summary>
    public string Component { get; }

    /// <summary>The version in the database; 0 when it has none.</summary>
    public int Found { get; }

    /// <summary>The version this package writes.</summary>
    public int Expected { get; }
}
