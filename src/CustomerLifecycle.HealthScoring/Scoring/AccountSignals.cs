namespace CustomerLifecycle.HealthScoring;

internal static class AccountSignals
{
    /// <summary>A signal's value, NaN when missing; <c>licensed_seats</c> follows Core's rule, <see cref="Account.LicensedSeats"/>.</summary>
    public static double Read(Account account, SignalKey key)
    {
        if (key == WellKnownSignals.LicensedSeats)
        {
            return account.LicensedSeats ?? double.NaN;
        }

        return account.Signals.TryGetValue(key, out var value) ? value : double.NaN;
    }
}
