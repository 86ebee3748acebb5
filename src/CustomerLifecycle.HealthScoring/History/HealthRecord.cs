using System.Globalization;
using System.Text;
using System.Text.Json;
using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>
/// One account's health on one business date, as a store keeps it: the score and color (what <c>health.change(n)</c>
/// and trends read), the computed color and the scorecard (what hysteresis needs), and each factor's raw
/// value, points and when it was observed (what the last-known policy needs). <see cref="ToPrevious"/> turns it back
/// into the previous explanation <see cref="HealthScorer.Score(Account, HealthScoreExplanation?)"/> takes, so both
/// survive a restart. Instants are kept to the tick (100 ns), as the stores write them. Immutable.
/// </summary>
public sealed record HealthRecord
{
    /// <summary>The account.</summary>
    public required AccountId Account { get; init; }

    /// <summary>The business date of the score; one record per account and date.</summary>
    public required LocalDate Date { get; init; }

    /// <summary>When it was scored.</summary>
    public required Instant ScoredAt { get; init; }

    /// <summary>The score, 0–100; null when not applicable.</summary>
    public double? Score { get; init; }

    /// <summary>The color shown (after hysteresis, rules and overrides).</summary>
    public HealthColor? Color { get; init; }

    /// <summary>The color the scorecard gave (bands, hysteresis, critical rules), before any manual override: what the next score's hysteresis starts from.</summary>
    public HealthColor? CalculatedColor { get; init; }

    /// <summary>The confidence, 0–1.</summary>
    public double Confidence { get; init; }

    /// <summary>The scorecard's id.</summary>
    public required string ScorecardId { get; init; }

    /// <summary>The scorecard's version.</summary>
    public int ScorecardVersion { get; init; }

    /// <summary>Each factor's reading; empty when the record was made from a score without its explanation.</summary>
    public IReadOnlyList<FactorReading> Factors { get; init; } = [];

    /// <summary>A record of a score, without factor readings (the last-known policy then has nothing to fall back on).</summary>
    /// <param name="account">The account.</param>
    /// <param name="date">The business date.</param>
    /// <param name="scoredAt">When it was scored.</param>
    /// <param name="score">The score.</param>
    /// <returns>The record.</returns>
    public static HealthRecord From(AccountId account, LocalDate date, Instant scoredAt, HealthScore score) => new()
    {
        Account = account,
        Date = date,
        ScoredAt = scoredAt,
        Score = score.Value,
        Color = score.Color,
        CalculatedColor = score.CalculatedColor,
        Confidence = score.Confidence,
        ScorecardId = score.ScorecardId,
        ScorecardVersion = score.ScorecardVersion,
    };

    /// <summary>A record of an explained score, with every factor's reading.</summary>
    /// <param name="date">The business date.</param>
    /// <param name="explanation">The explanation.</param>
    /// <returns>The record.</returns>
    public static HealthRecord From(LocalDate date, HealthScoreExplanation explanation)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        return From(explanation.Account, date, explanation.At, explanation.Score) with
        {
            Factors = [.. explanation.Factors.Select(f => new FactorReading(f.Factor, f.RawValue, f.Points, f.Contribution, f.ObservedAt))],
        };
    }

    /// <summary>The score as it was.</summary>
    /// <returns>The score.</returns>
    public HealthScore ToScore() => new()
    {
        Value = Score,
        Color = Color,
        CalculatedColor = CalculatedColor,
        Confidence = Confidence,
        ScorecardId = ScorecardId,
        ScorecardVersion = ScorecardVersion,
    };

    /// <summary>
    /// The record as the previous explanation the scorer takes: its color for hysteresis, its factors' raw values and
    /// observation times for the last-known policy, its contributions for the changes since.
    /// </summary>
    /// <returns>The explanation.</returns>
    public HealthScoreExplanation ToPrevious() => new(
        Account,
        ScoredAt,
        ToScore(),
        [.. Factors.Select(f => new FactorContribution(f.Factor, string.Empty, string.Empty, f.RawValue, f.Points, 0, f.Contribution, f.Points is null ? FactorStatus.NotApplicable : FactorStatus.Measured, null, f.ObservedAt))],
        [],
        null,
        [],
        null);

    /// <summary>Checks the record; a store refuses a batch with an invalid record before writing any of it.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names the account, the date, the field and the value.</exception>
    public void Validate()
    {
        var at = $"Health record of account '{Account}' on {Date.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture)}";
        if (Account.IsEmpty)
        {
            throw new ArgumentException("A health record needs an account; default(AccountId) names none.", nameof(Account));
        }

        if (Score is { } score && !(score is >= 0 and <= 100))
        {
            throw new ArgumentException($"{at}: Score {score.ToString(CultureInfo.InvariantCulture)} is outside 0–100.", nameof(Score));
        }

        if (!(Confidence is >= 0 and <= 1))
        {
            throw new ArgumentException($"{at}: Confidence {Confidence.ToString(CultureInfo.InvariantCulture)} is outside 0–1.", nameof(Confidence));
        }

        if (Color is { } color && !Enum.IsDefined(color) || CalculatedColor is { } calculated && !Enum.IsDefined(calculated))
        {
            throw new ArgumentException($"{at}: a color is not Red, Yellow or Green.", nameof(Color));
        }

        if (string.IsNullOrWhiteSpace(ScorecardId) || StoredText.Problem("ScorecardId", ScorecardId) is not null)
        {
            throw new ArgumentException($"{at}: {StoredText.Problem("ScorecardId", ScorecardId ?? string.Empty) ?? "ScorecardId is empty."}", nameof(ScorecardId));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var factor in Factors ?? throw new ArgumentException($"{at}: Factors is null.", nameof(Factors)))
        {
            if (string.IsNullOrWhiteSpace(factor.Factor) || !names.Add(factor.Factor))
            {
                throw new ArgumentException($"{at}: factor '{factor.Factor}' is empty or appears twice.", nameof(Factors));
            }

            if (factor.RawValue is { } raw && !double.IsFinite(raw) || factor.Points is { } points && !(points is >= 0 and <= 100) || !double.IsFinite(factor.Contribution))
            {
                throw new ArgumentException($"{at}: factor '{factor.Factor}' has a raw value that is not finite, points outside 0–100, or a contribution that is not finite.", nameof(Factors));
            }
        }
    }

    /// <summary>
    /// The factor readings as text, the form the SQL stores keep them in: a JSON array of
    /// <c>[factor, raw, points, contribution, observedAtUnixTicks]</c> (null where absent; numbers round-trip exactly,
    /// instants to the tick). <see cref="DecodeFactors"/> reads it back.
    /// </summary>
    /// <param name="factors">The readings.</param>
    /// <returns>The text.</returns>
    public static string EncodeFactors(IReadOnlyList<FactorReading> factors)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.Count == 0)
        {
            return "[]";
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var f in factors)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(f.Factor);
                WriteNumber(writer, f.RawValue);
                WriteNumber(writer, f.Points);
                writer.WriteNumberValue(f.Contribution);
                if (f.ObservedAt is { } observed)
                {
                    writer.WriteNumberValue(observed.ToUnixTimeTicks());
                }
                else
                {
                    writer.WriteNullValue();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads factor readings written by <see cref="EncodeFactors"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The readings.</returns>
    /// <exception cref="FormatException">The text is not that form.</exception>
    public static IReadOnlyList<FactorReading> DecodeFactors(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text == "[]")
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return [.. document.RootElement.EnumerateArray().Select(e => new FactorReading(
                e[0].GetString() ?? throw new FormatException("A factor has no name."),
                Number(e[1]),
                Number(e[2]),
                e[3].GetDouble(),
                e[4].ValueKind == JsonValueKind.Null ? null : Instant.FromUnixTimeTicks(e[4].GetInt64())))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException or KeyNotFoundException)
        {
            throw new FormatException($"The stored factor readings are not in the form EncodeFactors writes: {e.Message}", e);
        }

        static double? Number(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();
    }

    private static void WriteNumber(Utf8JsonWriter writer, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumberValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>One factor's reading in a <see cref="HealthRecord"/>.</summary>
/// <param name="Factor">The factor's name.</param>
/// <param name="RawValue">The measure before mapping; null when its data was missing.</param>
/// <param name="Points">The points, 0–100; null when the factor was left out.</param>
/// <param name="Contribution">Points times effective weight.</param>
/// <param name="ObservedAt">When the points were measured.</param>
public sealed record FactorReading(string Factor, double? RawValue, double? Points, double Contribution, Instant? ObservedAt);
