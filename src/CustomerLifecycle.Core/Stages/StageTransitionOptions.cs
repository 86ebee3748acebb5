namespace CustomerLifecycle.Stages;

/// <summary>One allowed transition of a configured lifecycle model.</summary>
public sealed class StageTransitionOptions
{
    /// <summary>The stage moved from.</summary>
    /// <value>The default value is null; required, a declared stage.</value>
    public string? From { get; set; }

    /// <summary>The stage moved to.</summary>
    /// <value>The default value is null; required, a declared stage.</value>
    public string? To { get; set; }
}
