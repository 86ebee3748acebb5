namespace CustomerLifecycle.Stages;

/// <summary>Thrown when a lifecycle stage model is invalid; lists every problem found, not only the first.</summary>
public sealed class InvalidLifecycleModelException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">The problems; at least one.</param>
    public InvalidLifecycleModelException(IReadOnlyList<LifecycleModelError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<LifecycleModelError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<LifecycleModelError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return $"The lifecycle stage model is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):"
            + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
    }
}
