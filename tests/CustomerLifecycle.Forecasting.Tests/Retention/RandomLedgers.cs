using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests.Retention;

/// <summary>Random steps made into a consistent revenue ledger, for the property tests.</summary>
internal static class RandomLedgers
{
    /// <summary>
    /// One random step for <see cref="Valid"/>: an account up to <paramref name="accounts"/>, a day up to
    /// <paramref name="days"/>, any kind, and an amount from a cent to a trillion.
    /// </summary>
    public static Gen<(int Account, int Day, RevenueMovementKind Kind, decimal Amount)> Step(int accounts, int days) =>
        from account in Gen.Choose(0, accounts)
        from day in Gen.Choose(0, days)
        from kind in Gen.Elements(Enum.GetValues<RevenueMovementKind>())
        from amount in Gen.Frequency((3, Gen.Choose(1, 100_000).Select(i => (decimal)i)), (1, Gen.Elements(0.01m, 1_000_000_000_000m)))
        select (account, day, kind, amount);

    /// <summary>
    /// Each step becomes the movement that fits the account's state: its first is New, a former customer's
    /// Reactivation, a churn takes the whole revenue, a contraction only what leaves some; the rest are expansions.
    /// </summary>
    /// <param name="steps">Account number, day from <paramref name="start"/>, the kind wanted, an amount.</param>
    /// <param name="start">Day 0.</param>
    /// <param name="currencyOf">Each account's currency, by its number.</param>
    /// <returns>The ledger, in date order.</returns>
    public static List<RevenueMovement> Valid(IEnumerable<(int Account, int Day, RevenueMovementKind Kind, decimal Amount)> steps, LocalDate start, Func<int, string> currencyOf)
    {
        var revenue = new Dictionary<int, decimal>();
        var ledger = new List<RevenueMovement>();
        foreach (var (account, day, kind, amount) in steps.OrderBy(s => s.Day))
        {
            var current = revenue.GetValueOrDefault(account, -1);
            var fitted = current switch
            {
                < 0 => RevenueMovementKind.New,
                0 => RevenueMovementKind.Reactivation,
                _ when kind == RevenueMovementKind.Churn => RevenueMovementKind.Churn,
                _ when kind == RevenueMovementKind.Contraction && amount < current => RevenueMovementKind.Contraction,
                _ => RevenueMovementKind.Expansion,
            };
            var size = fitted == RevenueMovementKind.Churn ? current : amount;
            revenue[account] = fitted switch
            {
                RevenueMovementKind.Churn => 0,
                RevenueMovementKind.Contraction => current - amount,
                RevenueMovementKind.Expansion => current + amount,
                _ => amount,
            };
            ledger.Add(new RevenueMovement(new AccountId("a" + account), start.PlusDays(day), fitted, new Money(size, currencyOf(account))));
        }

        return ledger;
    }
}
