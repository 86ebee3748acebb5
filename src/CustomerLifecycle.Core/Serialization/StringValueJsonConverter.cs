using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomerLifecycle.Serialization;

/// <summary>
/// A value type written as a JSON string (an id, a key, a code): the type's own validation applies on reading, and a
/// refusal is a <see cref="JsonException"/> (whose <c>Path</c> names the property) instead of an empty value. The
/// type's <c>default</c> is written as <c>null</c> and read back from it. Also usable as a dictionary key.
/// </summary>
internal abstract class StringValueJsonConverter<T> : JsonConverter<T>
    where T : struct
{
    /// <summary>What the value is, for messages ("an account id").</summary>
    protected abstract string What { get; }

    public override bool HandleNull => true;

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => default,
        JsonTokenType.String => Parse(reader.GetString()!),
        _ => throw new JsonException($"Expected {What} as a JSON string, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (Format(value) is { } text)
        {
            writer.WriteStringValue(text);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Parse(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(Format(value) ?? throw new JsonException($"The default {What} names nothing and cannot be a property name."));
    }

    /// <summary>Creates the value, throwing <see cref="ArgumentException"/> when the text breaks its rule.</summary>
    protected abstract T Create(string text);

    /// <summary>The value's text, or null for the type's default.</summary>
    protected abstract string? Format(T value);

    private T Parse(string text)
    {
        try
        {
            return Create(text);
        }
        catch (ArgumentException e)
        {
            throw new JsonException($"'{text}' is not {What}: {e.Message}", e);
        }
    }
}

internal sealed class AccountIdJsonConverter : StringValueJsonConverter<AccountId>
{
    protected override string What => "an account id";

    protected override AccountId Create(string text) => new(text);

    protected override string? Format(AccountId value) => value.IsEmpty ? null : value.Value;
}

internal sealed class SignalKeyJsonConverter : StringValueJsonConverter<SignalKey>
{
    protected override string What => "a signal name";

    protected override SignalKey Create(string text) => new(text);

    protected override string? Format(SignalKey value) => value.IsEmpty ? null : value.Name;
}

internal sealed class CurrencyCodeJsonConverter : StringValueJsonConverter<CurrencyCode>
{
    protected override string What => "an ISO 4217 currency code";

    protected override CurrencyCode Create(string text) => new(text);

    protected override string? Format(CurrencyCode value) => value.IsEmpty ? null : value.Code;
}

internal sealed class StageIdJsonConverter : StringValueJsonConverter<Stages.StageId>
{
    protected override string What => "a stage id";

    protected override Stages.StageId Create(string text) => new(text);

    protected override string? Format(Stages.StageId value) => value.IsEmpty ? null : value.Value;
}
