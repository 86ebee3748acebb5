namespace CustomerLifecycle;

/// <summary>One signal value of an account: a key and a finite number.</summary>
/// <param name="Key">The signal's name.</param>
/// <param name="Value">The value; always finite.</param>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
public readonly record struct Signal(SignalKey Key, double Value);
