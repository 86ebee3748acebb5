using System.Text.Json;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Core.Tests.Serialization;

/// <summary>The value types round-trip through System.Text.Json with no options, and bad input is a JsonException naming the property.</summary>
public sealed class JsonConverterTests
{
    private sealed record Row(AccountId Id, SignalKey Key, CurrencyCode Currency, StageId Stage, Money Arr, SignalSet Signals, Dictionary<AccountId, int>? Counts = null);

    private static readonly Row Sample = new(
        new AccountId("acme"),
        new SignalKey("logins_30d"),
        CurrencyCode.Eur,
        DefaultLifecycleStages.Adoption,
        new Money(120_000.50m, "USD"),
        SignalSet.Create([new(new SignalKey("nps"), 9), new(new SignalKey("logins_30d"), 12.5)]),
        new() { [new AccountId("a")] = 1, [new AccountId("b")] = 2 });

    [Fact]
    public void ValueTypes_RoundTrip_AsPlainJson()
    {
        var json = JsonSerializer.Serialize(Sample);
        Assert.Equal(
            """{"Id":"acme","Key":"logins_30d","Currency":"EUR","Stage":"Adoption","Arr":{"amount":120000.50,"currency":"USD"},"Signals":{"logins_30d":12.5,"nps":9},"Counts":{"a":1,"b":2}}""",
            json);
        var back = JsonSerializer.Deserialize<Row>(json)!;
        Assert.Equal(Sample with { Counts = null }, back with { Counts = null });
        Assert.Equal(Sample.Counts, back.Counts);

        // Defaults (no id, no currency) are null, and come back as defaults.
        var empty = new Row(default, default, default, default, default, SignalSet.Empty);
        var emptyJson = JsonSerializer.Serialize(empty);
        Assert.Equal("""{"Id":null,"Key":null,"Currency":null,"Stage":null,"Arr":null,"Signals":{},"Counts":null}""", emptyJson);
        Assert.Equal(empty, JsonSerializer.Deserialize<Row>(emptyJson));

        // A currency as billing exports write it.
        Assert.Equal(CurrencyCode.Usd, JsonSerializer.Deserialize<CurrencyCode>("\"usd\""));
    }

    [Theory]
    [InlineData("""{"Id":""}""", "$.Id", "'' is not an account id")]
    [InlineData("""{"Id":42}""", "$.Id", "Expected an account id as a JSON string, found Number.")]
    [InlineData("""{"Key":"Bad-Signal"}""", "$.Key", "'Bad-Signal' is not a signal name")]
    [InlineData("""{"Currency":"EUD"}""", "$.Currency", "'EUD' is not an ISO 4217 currency code")]
    [InlineData("""{"Stage":"Ad option"}""", "$.Stage", "'Ad option' is not a stage id")]
    [InlineData("""{"Arr":{"amount":"lots","currency":"USD"}}""", "$.Arr", "Money's amount must be a number")]
    [InlineData("""{"Arr":{"amount":5}}""", "$.Arr", "Money needs both an amount and a currency (had no currency).")]
    [InlineData("""{"Arr":{"amount":5,"currency":"USD","tax":1}}""", "$.Arr", "'tax' is neither")]
    [InlineData("""{"Arr":{"amount":1e40,"currency":"USD"}}""", "$.Arr", "within decimal's range")]
    [InlineData("""{"Signals":{"nps":"nine"}}""", "$.Signals", "Signal 'nps' must be a finite number, found String")]
    [InlineData("""{"Signals":{"nps":9,"nps":10}}""", "$.Signals", "Signal 'nps': ")]
    [InlineData("""{"Signals":{"Bad Name":1}}""", "$.Signals", "Signal 'Bad Name': ")]
    [InlineData("""{"Signals":[1,2]}""", "$.Signals", "Expected signals as an object")]
    [InlineData("""{"Counts":{"":1}}""", "$.Counts", "'' is not an account id")]
    public void BadInput_IsAJsonException_NamingThePropertyAndTheRule(string json, string path, string message)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Row>(json));
        Assert.StartsWith(path, e.Path, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
