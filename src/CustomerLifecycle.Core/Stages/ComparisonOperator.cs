namespace CustomerLifecycle.Stages;

/// <summary>A comparison of a signal with a threshold.</summary>
public enum ComparisonOperator
{
    /// <summary><c>==</c></summary>
    Equal = 0,

    /// <summary><c>!=</c></summary>
    NotEqual = 1,

    /// <summary><c>&lt;</c></summary>
    LessThan = 2,

    /// <summary><c>&lt;=</c></summary>
    LessThanOrEqual = 3,

    /// <summary><c>&gt;</c></summary>
    GreaterThan = 4,

    /// <summary><c>&gt;=</c></summary>
    GreaterThanOrEqual = 5,
}
