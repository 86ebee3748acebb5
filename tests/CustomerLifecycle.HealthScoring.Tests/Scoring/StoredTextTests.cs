using NodaTime;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

/// <summary>Issue 30: an override's author and reason, and a record's scorecard id, that a store could not keep exactly are refused.</summary>
public sealed class StoredTextTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 12, 2, 9, 0);

    [Fact]
    public void AnOverrideOrARecord_WithANulOrALoneSurrogate_IsRefusedNamingTheField()
    {
        var lone = "dana\uD800";
        var e = Assert.Throws<ArgumentException>(() => HealthOverride.Validate(new HealthOverride(new AccountId("acme"), HealthColor.Red, lone, "why", At, At + Duration.FromDays(1))));
        Assert.Contains("Author has a lone surrogate U+D800 at position 4", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => HealthOverride.Validate(new HealthOverride(new AccountId("acme"), HealthColor.Red, "dana", "why\0", At, At + Duration.FromDays(1))));
        Assert.Contains("Reason has a NUL character at position 3", e.Message, StringComparison.Ordinal);
        HealthOverride.Validate(new HealthOverride(new AccountId("acme"), HealthColor.Red, "dana \uD83D\uDE00", "e\u0301", At, At + Duration.FromDays(1)));

        var record = new HealthRecord { Account = new AccountId("acme"), Date = new LocalDate(2026, 12, 2), ScoredAt = At, ScorecardId = "default\uDFFF" };
        Assert.Contains("ScorecardId has a lone surrogate U+DFFF at position 7", Assert.Throws<ArgumentException>(record.Validate).Message, StringComparison.Ordinal);
        (record with { ScorecardId = "défaut" }).Validate();
    }
}
