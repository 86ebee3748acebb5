using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.Stages;

/// <summary>The stage machine's log events (docs/observability.md lists them).</summary>
internal static partial class StagesTelemetry
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "A stage move of account {Account} from {From} to {To} by {Actor} was refused: {Why}")]
    public static partial void MoveRefused(ILogger logger, string account, string from, string to, string actor, string why);
}
