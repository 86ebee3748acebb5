using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>Met when the account has a contract whose start date is on or before today.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed class ContractStartedCriterion : IStageEntryCriterion
{
    /// <summary>The shared instance.</summary>
    public static ContractStartedCriterion Instance { get; } = new();

    private ContractStartedCriterion()
    {
    }

    /// <inheritdoc />
    public string Description => "contract started";

    /// <inheritdoc />
    public bool IsMet(Account account, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.Contract is { } contract && contract.Start <= today;
    }
}
