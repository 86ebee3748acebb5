using System.Text.Json;
using System.Text.Json.Serialization;

namespace CustomerLifecycle.Serialization;

/// <summary>
/// <see cref="Money"/> as <c>{"amount": 120000.50, "currency": "USD"}</c>: the amount as an exact JSON number (decimal),
/// the currency as its ISO code. <c>default(Money)</c>, which has no currency, is <c>null</c>.
/// </summary>
internal sealed class MoneyJsonConverter : JsonConverter<Money>
{
    public override bool HandleNull => true;

    public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected money as an object {{\"amount\": ..., \"currency\": \"USD\"}}, found {reader.TokenType}.");
        }

        decimal? amount = null;
        string? currency = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (string.Equals(name, "amount", StringComparison.OrdinalIgnoreCase))
            {
                amount = reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value)
                    ? value
                    : throw new JsonException($"Money's amount must be a number within decimal's range, found {reader.TokenType}.");
            }
            else if (string.Equals(name, "currency", StringComparison.OrdinalIgnoreCase))
            {
                currency = reader.TokenType == JsonTokenType.String
                    ? reader.GetString()
                    : throw new JsonException($"Money's currency must be an ISO code as a string, found {reader.TokenType}.");
            }
            else
            {
                throw new JsonException($"Money has an amount and a currency; '{name}' is neither.");
            }
        }

        if (amount is null || currency is null)
        {
            throw new JsonException($"Money needs both an amount and a currency (had {(amount is null ? "no amount" : "no currency")}).");
        }

        try
        {
            return new Money(amount.Value, currency);
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Currency.IsEmpty)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteNumber("amount", value.Amount);
        writer.WriteString("currency", value.Currency.Code);
        writer.WriteEndObject();
    }
}
