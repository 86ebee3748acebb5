using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// One renewal to forecast: the account (with its contract), its health, its segment label, the CSM's call, and the
/// expected upsell and downsell at renewal, in the contract's currency.
/// </summary>
public sealed record RenewalCase
{
    /// <summary>Creates a renewal case.</summary>
    /// <param name="account">The account; it must have a contract.</param>
    /// <param name="health">Its health score, if scored.</param>
    /// <param name="segment">A segment label to break the forecast down by (a plain value; Forecasting does not reference Segmentation).</param>
    /// <param name="csmCall">The CSM's call, a confidence tier name such as <c>Commit</c> or <c>AtRisk</c>.</param>
    /// <param name="expectedUpsell">Expected expansion at renewal, zero or more, in the contract's currency.</param>
    /// <param name="expectedDownsell">Expected contraction at renewal, zero to the contract's ARR, in its currency.</param>
    /// <exception cref="ArgumentException">No contract, a negative or foreign-currency upsell or downsell, or a downsell above the ARR.</exception>
    public RenewalCase(Account account, HealthScore? health = null, string? segment = null, string? csmCall = null, Money? expectedUpsell = null, Money? expectedDownsell = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        var contract = account.Contract ?? throw new ArgumentException($"Account '{account.Id}' has no contract, so it has no renewal to forecast.", nameof(account));
        var arr = contract.AnnualRecurringRevenue;
        var upsell = expectedUpsell ?? new Money(0m, arr.Currency);
        var downsell = expectedDownsell ?? new Money(0m, arr.Currency);
        Check(upsell, arr, account.Id, "upsell", nameof(expectedUpsell));
        Check(downsell, arr, account.Id, "downsell", nameof(expectedDownsell));
        if (downsell.Amount > arr.Amount)
        {
            throw new ArgumentException($"Account '{account.Id}': the expected downsell {downsell} is more than the contract's ARR {arr}.", nameof(expectedDownsell));
        }

        Account = account;
        Health = health;
        Segment = segment;
        CsmCall = csmCall;
        ExpectedUpsell = upsell;
        ExpectedDownsell = downsell;
    }

    /// <summary>The account.</summary>
    public Account Account { get; }

    /// <summary>The contract renewing.</summary>
    public Contract Contract => Account.Contract!;

    /// <summary>The health score, if any.</summary>
    public HealthScore? Health { get; }

    /// <summary>The segment label, if any.</summary>
    public string? Segment { get; }

    /// <summary>The CSM's call (a confidence tier), if any.</summary>
    public string? CsmCall { get; }

    /// <summary>Expected expansion at renewal.</summary>
    public Money ExpectedUpsell { get; }

    /// <summary>Expected contraction at renewal.</summary>
    public Money ExpectedDownsell { get; }

    private static void Check(Money amount, Money arr, AccountId id, string what, string parameter)
    {
        if (amount.Currency != arr.Currency)
        {
            throw new ArgumentException($"Account '{id}': the expected {what} {amount} is not in the contract's currency {arr.Currency}; nothing is converted.", parameter);
        }

        if (amount.Amount < 0)
        {
            throw new ArgumentException($"Account '{id}': the expected {what} {amount} is negative; give its size (zero or more).", parameter);
        }
    }
}
