namespace CustomerLifecycle;

/// <summary>
/// The rule for text that the packages persist as an identity (account ids, usage event ids and users): well-formed
/// UTF-16 (every surrogate in a pair) and no NUL character. Text outside it cannot be kept exactly by every store: a
/// UTF-8 writer (SQLite, the usage state) replaces a lone surrogate with U+FFFD, which merges distinct ids or moves an
/// account's data to another id, and PostgreSQL's <c>text</c> cannot hold NUL. Such text is refused where it enters,
/// with its position, so that what a store gives back is always what it was given.
/// </summary>
/// <remarks>Thread-safe: stateless.</remarks>
public static class StoredText
{
    /// <summary>The position of the first character that breaks the rule (a NUL, or a surrogate not in a pair), or -1.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The position, or -1 when the text can be stored exactly.</returns>
    public static int IndexOfProblem(ReadOnlySpan<char> text)
    {
        // Vectorised searches first: most identities have neither NUL nor any surrogate.
        var nul = text.IndexOf('\0');
        var surrogate = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (surrogate < 0)
        {
            return nul;
        }

        var end = nul < 0 ? text.Length : nul;
        for (var i = surrogate; i < end; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return nul;
    }

    /// <summary>Why text breaks the rule, naming the field, the position and the character; null when it does not.</summary>
    /// <param name="field">The field's name, for the message.</param>
    /// <param name="text">The text.</param>
    /// <returns>The reason, or null.</returns>
    public static string? Problem(string field, ReadOnlySpan<char> text)
    {
        var at = IndexOfProblem(text);
        return at < 0
            ? null
            : $"{field} has {(text[at] == '\0' ? "a NUL character" : $"a lone surrogate U+{(int)text[at]:X4}")} at position {at}: identities must be well-formed UTF-16 without NUL, so that every store keeps them exactly.";
    }
}
