using CustomerLifecycle.Onboarding;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Onboarding;

public sealed class OnboardingProgressTests
{
    private static readonly AccountId Acme = new("acme");
    private static readonly LocalDate Start = new(2026, 1, 5);

    [Fact]
    public void Complete_RequiredSteps_DrivesCompletionAndTimeToOnboard()
    {
        var template = new OnboardingChecklistTemplate("Short", [
            new OnboardingStep("kickoff", "Kickoff", Period.FromDays(7)),
            new OnboardingStep("go_live", "Go live", Period.FromDays(30)),
            new OnboardingStep("survey", "Survey", Period.FromDays(10), isRequired: false)]);
        var progress = template.Begin(Acme, Start);
        Assert.Equal(0, progress.Completion);

        progress = progress.Complete("kickoff", Start.PlusDays(3)).Complete("survey", Start.PlusDays(4));
        Assert.Equal(0.5, progress.Completion);
        Assert.False(progress.IsComplete);
        Assert.Null(progress.DaysToOnboard);

        progress = progress.Complete("go_live", Start.PlusDays(28));
        Assert.Equal(1, progress.Completion);
        Assert.True(progress.IsComplete);
        Assert.Equal(Start.PlusDays(28), progress.CompletedOn);
        Assert.Equal(28, progress.DaysToOnboard);
    }

    [Fact]
    public void OverdueSteps_AreUndoneStepsPastTheirDueDay()
    {
        var progress = OnboardingChecklistTemplate.Standard.Begin(Acme, Start).Complete("kickoff", Start.PlusDays(2));
        var overdue = progress.OverdueSteps(Start.PlusDays(22));
        Assert.Equal(["technical_setup"], overdue.Select(s => s.Id));
        Assert.Empty(progress.OverdueSteps(Start.PlusDays(21)));
    }

    [Fact]
    public void Complete_BadRequests_AreRefusedNamingTheStep()
    {
        var progress = OnboardingChecklistTemplate.Standard.Begin(Acme, Start).Complete("kickoff", Start);
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => progress.Complete("nope", Start)).Message, StringComparison.Ordinal);
        Assert.Contains("'kickoff'", Assert.Throws<InvalidOperationException>(() => progress.Complete("kickoff", Start)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => progress.Complete("go_live", Start.PlusDays(-1)));
        Assert.Equal(Start, progress.CompletedOnFor("kickoff"));
    }

    [Fact]
    public void Template_DuplicateStepIdsOrNegativeOffsets_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new OnboardingChecklistTemplate("x", [
            new OnboardingStep("a", "A", Period.FromDays(1)), new OnboardingStep("a", "A again", Period.FromDays(2))]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnboardingStep("a", "A", Period.FromDays(-1)));
        Assert.Throws<ArgumentException>(() => new OnboardingStep("a", "A", Period.FromHours(5)));
        Assert.Throws<ArgumentException>(() => new OnboardingChecklistTemplate("x", []));
    }

    /// <summary>For any checklist and any order of completions, progress stays within 0..1 and reaches 1 exactly when every required step is done.</summary>
    [Fact]
    public void Completion_IsWithinZeroAndOne_AndIsOneExactlyWhenAllRequiredStepsAreDone()
    {
        var gen = from required in Gen.ListOf(Gen.Elements(true, false))
                  where required.Count > 0
                  from order in Gen.Shuffle(Enumerable.Range(0, required.Count).ToArray())
                  from take in Gen.Choose(0, required.Count)
                  select (required, order, take);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var steps = t.required.Select((r, i) => new OnboardingStep("s" + i, "Step " + i, Period.FromDays(i), r)).ToArray();
            var progress = new OnboardingChecklistTemplate("generated", steps).Begin(Acme, Start);
            var done = new HashSet<int>();
            foreach (var index in t.order.Take(t.take))
            {
                progress = progress.Complete("s" + index, Start.PlusDays(index));
                done.Add(index);
                var allRequiredDone = steps.Select((s, i) => !s.IsRequired || done.Contains(i)).All(x => x);
                if (progress.Completion is < 0 or > 1 || (progress.Completion == 1) != allRequiredDone || progress.IsComplete != allRequiredDone)
                {
                    return false;
                }
            }

            return progress.Completion is >= 0 and <= 1;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
