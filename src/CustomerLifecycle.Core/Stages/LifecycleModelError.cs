namespace CustomerLifecycle.Stages;

/// <summary>One problem found while validating a lifecycle stage model.</summary>
/// <param name="Key">
/// Where the problem is, as a configuration key relative to the model, for example <c>Stages:2:Id</c> or
/// <c>Transitions:0:To</c>.
/// </param>
/// <param name="Message">What is wrong, naming the value and the rule.</param>
public sealed record LifecycleModelError(string Key, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}: {Message}";
}
