using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Stages;

public sealed class LifecycleStageMachineTests
{
    private static readonly AccountId Acme = new("acme");
    private readonly FakeClock _clock = FakeClock.AtDefaultStart();

    private LifecycleStageMachine Machine() => new(LifecycleStageModel.Default, new BusinessClock(_clock, DateTimeZone.Utc));

    private static Account Account(params Signal[] signals) => new()
    {
        Id = Acme,
        Name = "Acme",
        CustomerSince = new LocalDate(2024, 1, 1),
        Contract = new Contract(new LocalDate(2025, 12, 1), new LocalDate(2026, 12, 1), new Money(50_000m, "USD"), licensedSeats: 100),
        Signals = SignalSet.Create(signals),
    };

    [Fact]
    public void Import_StartsAnExistingCustomerInItsStage_SinceItsDate_AuditedAsAnImport()
    {
        var machine = Machine();
        var since = Instant.FromUtc(2025, 3, 1, 0, 0);
        var history = machine.Import(Acme, DefaultLifecycleStages.ValueRealization, since, "crm-import", "migrated from the CRM");
        var entry = Assert.Single(history.Transitions);
        Assert.Equal((StageTransitionKind.Imported, (StageId?)null, DefaultLifecycleStages.ValueRealization, since, "crm-import", "migrated from the CRM"), (entry.Kind, entry.From, entry.To, entry.At, entry.Actor, entry.Reason));
        Assert.Equal(since, history.EnteredCurrentStageAt);
        Assert.Equal(DefaultLifecycleStages.ValueRealization, history.StageAt(Instant.FromUtc(2025, 6, 1, 0, 0)));

        // It moves on from there like any history, and restores from its transitions.
        var moved = machine.MoveForward(history, DefaultLifecycleStages.Expansion, "dana");
        Assert.Equal(DefaultLifecycleStages.Expansion, moved.CurrentStage);
        Assert.Equal(moved.Transitions, StageHistory.Restore(LifecycleStageModel.Default, Acme, moved.Transitions).Transitions);

        // Not in the future, not a stage outside the model, and never in the middle of a history.
        Assert.Contains("after now", Assert.Throws<ArgumentException>(() => machine.Import(Acme, DefaultLifecycleStages.Adoption, _clock.GetCurrentInstant() + Duration.FromDays(1), "crm-import")).Message, StringComparison.Ordinal);
        Assert.Throws<UnknownStageException>(() => machine.Import(Acme, new StageId("Renewal"), since, "crm-import"));
        Assert.Throws<ArgumentException>(() => machine.Import(Acme, DefaultLifecycleStages.Adoption, since, " "));
        Assert.Throws<ArgumentException>(() => StageHistory.Restore(LifecycleStageModel.Default, Acme, [moved.Transitions[0], moved.Transitions[0]]));
    }

    [Fact]
    public void Evaluate_TakesEveryForwardMoveWhoseCriteriaHold_AndRecordsWhy()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Conversion, "import");
        var account = Account(new(WellKnownSignals.OnboardingCompletion, 1), new(WellKnownSignals.FirstValueReached, 0));

        history = machine.Evaluate(history, account);

        // Conversion is left only by contract start (Onboarding), then onboarding completion (Adoption);
        // first value is not reached, so it stops there.
        Assert.Equal(DefaultLifecycleStages.Adoption, history.CurrentStage);
        Assert.Equal([StageTransitionKind.Initial, StageTransitionKind.Automatic, StageTransitionKind.Automatic], history.Transitions.Select(t => t.Kind));
        Assert.All(history.Transitions.Skip(1), t => Assert.Equal(LifecycleStageMachine.SystemActor, t.Actor));
        Assert.Contains("signals.onboarding_completion >= 1", history.Transitions[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NothingQualifies_ReturnsTheSameHistory()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Adoption);
        Assert.Same(history, machine.Evaluate(history, Account()));
    }

    [Fact]
    public void Evaluate_NeverEntersAStageWithoutCriteria_SuchAsChurned()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Advocacy);
        Assert.Same(history, machine.Evaluate(history, Account(new Signal(WellKnownSignals.Nps, 0))));
    }

    [Fact]
    public void MoveForward_NotAllowedByModel_ThrowsAndLeavesHistoryUnchanged()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Onboarding);
        var ex = Assert.Throws<IllegalStageTransitionException>(() => machine.MoveForward(history, DefaultLifecycleStages.Advocacy, "dana"));
        Assert.Contains("'Onboarding' to 'Advocacy'", ex.Message, StringComparison.Ordinal);
        Assert.Single(history.Transitions);
        Assert.Equal(DefaultLifecycleStages.Onboarding, history.CurrentStage);
    }

    [Fact]
    public void ARefusedMove_IsLoggedForTheOperator_WithWhoTriedWhat()
    {
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger<LifecycleStageMachine>();
        var machine = new LifecycleStageMachine(LifecycleStageModel.Default, new BusinessClock(FakeClock.AtDefaultStart(), DateTimeZone.Utc), logger);
        var history = machine.Start(Acme, DefaultLifecycleStages.Onboarding);
        Assert.Throws<IllegalStageTransitionException>(() => machine.MoveForward(history, DefaultLifecycleStages.Advocacy, "dana"));
        var refused = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal((2001, Microsoft.Extensions.Logging.LogLevel.Warning), (refused.Id.Id, refused.Level));
        Assert.StartsWith("A stage move of account acme from Onboarding to Advocacy by dana was refused: ", refused.Message, StringComparison.Ordinal);
        machine.MoveForward(history, DefaultLifecycleStages.Adoption, "dana");
        Assert.Single(logger.Collector.GetSnapshot()); // an allowed move logs nothing
    }

    [Fact]
    public void MoveForward_OnABackwardTransition_IsRefused()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Churned);
        var ex = Assert.Throws<IllegalStageTransitionException>(() => machine.MoveForward(history, DefaultLifecycleStages.Conversion, "dana"));
        Assert.Contains("backward", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void MoveBackward_WithoutReason_IsRefused(string? reason)
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Churned);
        var ex = Assert.Throws<IllegalStageTransitionException>(() => machine.MoveBackward(history, DefaultLifecycleStages.Conversion, "dana", reason!));
        Assert.Contains("reason", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MoveBackward_WinBack_IsAuditedWithActorReasonAndInstant()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Churned);
        _clock.AdvanceDays(90);
        history = machine.MoveBackward(history, DefaultLifecycleStages.Conversion, "dana", "win-back campaign");
        var last = history.Transitions[^1];
        Assert.Equal(StageTransitionKind.ManualBackward, last.Kind);
        Assert.Equal("dana", last.Actor);
        Assert.Equal("win-back campaign", last.Reason);
        Assert.Equal(_clock.GetCurrentInstant(), last.At);
        Assert.Equal(DefaultLifecycleStages.Churned, last.From);
    }

    [Fact]
    public void Moves_WhenTheClockWentBack_AreRefused()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Onboarding);
        _clock.Advance(Duration.FromHours(-1));
        Assert.Throws<IllegalStageTransitionException>(() => machine.MoveForward(history, DefaultLifecycleStages.Adoption, "dana"));
    }

    [Fact]
    public void Start_UnknownStageOrBlankActor_IsRefused()
    {
        var machine = Machine();
        Assert.Throws<UnknownStageException>(() => machine.Start(Acme, new StageId("Trial")));
        Assert.Throws<ArgumentException>(() => machine.Start(Acme, actor: " "));
        Assert.Throws<ArgumentException>(() => machine.Start(default));
    }

    [Fact]
    public void Restore_RejectsAStoredIllegalMove_NamingTheEntry()
    {
        var t0 = Instant.FromUtc(2026, 1, 1, 0, 0);
        var stored = new[]
        {
            new StageTransition(null, DefaultLifecycleStages.Onboarding, t0, StageTransitionKind.Initial, "import", null),
            new StageTransition(DefaultLifecycleStages.Onboarding, DefaultLifecycleStages.Advocacy, t0, StageTransitionKind.ManualForward, "dana", null),
        };
        var ex = Assert.Throws<ArgumentException>(() => StageHistory.Restore(LifecycleStageModel.Default, Acme, stored));
        Assert.Contains("entry 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_RoundTripsALegalHistory()
    {
        var machine = Machine();
        var history = machine.Start(Acme, DefaultLifecycleStages.Onboarding);
        _clock.AdvanceDays(10);
        history = machine.MoveForward(history, DefaultLifecycleStages.Adoption, "dana");
        _clock.AdvanceDays(10);
        history = machine.MoveBackward(history, DefaultLifecycleStages.Onboarding, "dana", "re-implementation");
        var restored = StageHistory.Restore(LifecycleStageModel.Default, Acme, history.Transitions);
        Assert.Equal(history.Transitions, restored.Transitions);
    }

    /// <summary>
    /// Whatever sequence of requests is applied (legal or not, forward, backward, automatic, with or without a
    /// reason), every recorded transition is one the model allows, in the right direction, with a reason when
    /// backward; a refused request changes nothing.
    /// </summary>
    [Fact]
    public void AnySequenceOfRequests_NeverRecordsAnIllegalTransition()
    {
        var model = LifecycleStageModel.Default;
        var stageIds = model.Stages.Select(s => s.Id).ToArray();
        var request = from kind in Gen.Choose(0, 2)
                      from target in Gen.Elements(stageIds)
                      from reason in Gen.Elements<string?>(null, "", "because")
                      from account in DomainGenerators.Accounts()
                      from hours in Gen.Choose(0, 500)
                      select (kind, target, reason, account, hours);
        var scenario = from start in Gen.Elements(stageIds) from requests in Gen.ListOf(request) select (start, requests);

        Prop.ForAll(scenario.ToArbitrary(), s =>
        {
            var clock = FakeClock.AtDefaultStart();
            var machine = new LifecycleStageMachine(model, new BusinessClock(clock, DateTimeZone.Utc));
            var history = machine.Start(Acme, s.start);
            foreach (var (kind, target, reason, account, hours) in s.requests)
            {
                clock.Advance(Duration.FromHours(hours));
                var before = history;
                try
                {
                    history = kind switch
                    {
                        0 => machine.MoveForward(history, target, "dana", reason),
                        1 => machine.MoveBackward(history, target, "dana", reason!),
                        _ => machine.Evaluate(history, account with { Id = Acme }),
                    };
                }
                catch (IllegalStageTransitionException)
                {
                    Assert.Same(before, history);
                    Assert.Equal(before.Transitions.Count, history.Transitions.Count);
                }
            }

            return IsLegal(model, history);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    internal static bool IsLegal(LifecycleStageModel model, StageHistory history)
    {
        var t = history.Transitions;
        if (t.Count == 0 || t[0].Kind != StageTransitionKind.Initial || t[0].From is not null)
        {
            return false;
        }

        for (var i = 1; i < t.Count; i++)
        {
            var rule = t[i].From == t[i - 1].To ? model.FindTransition(t[i].From!.Value, t[i].To) : null;
            var ok = rule is not null && t[i].At >= t[i - 1].At && t[i].Kind switch
            {
                StageTransitionKind.Automatic => rule.Direction == TransitionDirection.Forward && model.GetStage(t[i].To).IsAutomatic,
                StageTransitionKind.ManualForward => rule.Direction == TransitionDirection.Forward,
                StageTransitionKind.ManualBackward => rule.Direction == TransitionDirection.Backward && !string.IsNullOrWhiteSpace(t[i].Reason),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
