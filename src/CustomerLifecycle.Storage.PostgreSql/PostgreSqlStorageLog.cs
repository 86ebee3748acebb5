using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.Storage.PostgreSql;

/// <summary>The PostgreSQL stores' log events (docs/observability.md); none in a per-row loop.</summary>
internal static partial class PostgreSqlStorageLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "PostgreSQL aborted {Operation} ({SqlState}, safe to retry: the transaction was rolled back whole); attempt {Attempt} of {MaxAttempts}, trying again")]
    public static partial void Retrying(ILogger logger, Exception error, string operation, string sqlState, int attempt, int maxAttempts);
}
