namespace CustomerLifecycle.Segmentation;

/// <summary>One problem in a set of segments: the key it concerns (a segment name, or a configuration key) and what is wrong.</summary>
/// <param name="Key">The segment, or the configuration key such as <c>CustomerLifecycle:Segmentation:Segments:Growth:Rule</c>.</param>
/// <param name="Message">What is wrong and what is expected.</param>
public sealed record SegmentError(string Key, string Message)
{
    /// <summary>Returns <c>Key: Message</c>.</summary>
    /// <returns>The error as text.</returns>
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>A set of segments that cannot be compiled; <see cref="Errors"/> lists every problem, each with its key.</summary>
public sealed class InvalidSegmentCatalogException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidSegmentCatalogException()
        : this([])
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public InvalidSegmentCatalogException(string message)
        : base(message) => Errors = [];

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidSegmentCatalogException(string message, Exception? innerException)
        : base(message, innerException) => Errors = [];

    /// <summary>Creates the exception from the errors found.</summary>
    /// <param name="errors">Every problem.</param>
    public InvalidSegmentCatalogException(IReadOnlyList<SegmentError> errors)
        : base("The segments are not valid:" + string.Concat((errors ?? []).Select(e => Environment.NewLine + "  " + e)))
        => Errors = errors ?? [];

    /// <summary>Every problem found, each with its key.</summary>
    public IReadOnlyList<SegmentError> Errors { get; }
}
