namespace CustomerLifecycle;

/// <summary>Thrown when amounts in two different currencies are combined or compared.</summary>
/// <remarks>CustomerLifecycle never converts currencies silently: convert first, with a rate you choose.</remarks>
public sealed class CurrencyMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception for the two currencies involved.</summary>
    /// <param name="left">The currency of the left operand.</param>
    /// <param name="right">The currency of the right operand.</param>
    public CurrencyMismatchException(CurrencyCode left, CurrencyCode right)
        : base($"Cannot combine an amount in {Describe(left)} with an amount in {Describe(right)}: money in different currencies is never added, subtracted or compared without an explicit conversion.")
    {
        Left = left;
        Right = right;
    }

    /// <summary>The currency of the left operand.</summary>
    public CurrencyCode Left { get; }

    /// <summary>The currency of the right operand.</summary>
    public CurrencyCode Right { get; }

    private static string Describe(CurrencyCode code) => code.IsEmpty ? "no currency (default Money)" : code.Code;
}
