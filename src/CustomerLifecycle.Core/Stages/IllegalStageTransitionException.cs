namespace CustomerLifecycle.Stages;

/// <summary>Thrown when a stage move is not allowed: no such transition, wrong direction, or a missing reason.</summary>
/// <remarks>The history the move was asked on is left unchanged.</remarks>
public sealed class IllegalStageTransitionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="account">The account whose move was refused.</param>
    /// <param name="from">The account's current stage.</param>
    /// <param name="to">The stage asked for.</param>
    /// <param name="message">Which rule the move breaks.</param>
    public IllegalStageTransitionException(AccountId account, StageId from, StageId to, string message)
        : base($"Account '{account}' cannot move from stage '{from}' to '{to}': {message}")
    {
        Account = account;
        From = from;
        To = to;
    }

    /// <summary>The account whose move was refused.</summary>
    public AccountId Account { get; }

    /// <summary>The account's current stage.</summary>
    public StageId From { get; }

    /// <summary>The stage asked for.</summary>
    public StageId To { get; }
}
