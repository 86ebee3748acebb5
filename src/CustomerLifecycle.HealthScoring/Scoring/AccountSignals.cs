namespace CustomerLifecycle.HealthScoring;

internal static class AccountSignals
{
    /// <summary>A signal's value, NaN when missing; <c>licensed_seats</c> falls back to the contract's seats.</summary>
    public static double Read(Account account, SignalKey key)
    {
        if (account.Signals.TryGetValue(key, out var value))
        {
            return value;
        }

        if (key == WellKnownSignals.LicensedSeats && account.Contract is { LicensedSeats: > 0 } contract)
        {
            return contract.LicensedSeats;
        }

        return double.NaN;
    }
}
