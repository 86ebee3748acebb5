namespace CustomerLifecycle.Storage.Conformance;

/// <summary>A store broke the contract a conformance case checks; the message says what was expected and what happened.</summary>
public sealed class ConformanceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="caseName">The case.</param>
    /// <param name="message">What was expected and what happened.</param>
    public ConformanceException(string caseName, string message)
        : base($"{caseName}: {message}") => Case = caseName;

    /// <summary>The case that failed.</summary>
    public string Case { get; }
}
