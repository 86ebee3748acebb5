using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomerLifecycle.Serialization;

/// <summary>
/// A <see cref="SignalSet"/> as a JSON object of signal names and finite numbers, <c>{"logins_30d": 12, "nps": 9}</c>;
/// a missing signal is absent (never <c>null</c> or 0). A bad name, a repeated name or a value that is not a finite
/// number is a <see cref="JsonException"/> naming it.
/// </summary>
internal sealed class SignalSetJsonConverter : JsonConverter<SignalSet>
{
    public override SignalSet? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected signals as an object of names and numbers, found {reader.TokenType}.");
        }

        var builder = SignalSet.CreateBuilder();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var value))
            {
                throw new JsonException($"Signal '{name}' must be a finite number, found {reader.TokenType}; leave a missing signal out.");
            }

            try
            {
                builder.Add(new SignalKey(name), value);
            }
            catch (ArgumentException e)
            {
                throw new JsonException($"Signal '{name}': {e.Message}", e);
            }
        }

        return builder.ToSignalSet();
    }

    public override void Write(Utf8JsonWriter writer, SignalSet value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var signal in value)
        {
            writer.WriteNumber(signal.Key.Name, signal.Value);
        }

        writer.WriteEndObject();
    }
}
