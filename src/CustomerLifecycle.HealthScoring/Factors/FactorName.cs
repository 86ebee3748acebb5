namespace CustomerLifecycle.HealthScoring;

internal static class FactorName
{
    public static void Validate(string name)
    {
        if (!SignalKey.IsValidName(name))
        {
            throw new ArgumentException($"Factor name '{name}' is invalid: use 1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter.", nameof(name));
        }
    }
}
