using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

/// <summary>The custom trigger of docs/playbooks/custom-trigger.md, as a user writes it.</summary>
public sealed class CustomTriggerTests
{
    /// <summary>API calls fell by half or more since the last snapshot.</summary>
    public sealed record ApiUsageDropped(SignalKey Signal) : CustomPlaybookTrigger
    {
        public override IEnumerable<TriggerOccurrence> FindOccurrences(TriggerContext context)
        {
            if (context.Before?.Account.Signals[Signal] is { } before && context.After.Account.Signals[Signal] is { } now && before > 0 && now <= before / 2)
            {
                yield return new TriggerOccurrence($"api-drop:{context.AfterDate:uuuu-MM-dd}", context.AfterDate);
            }
        }

        public override bool ReasonStillHolds(AccountSnapshot now) => now.Account.Signals[Signal] is not > 1000;
    }

    private static AccountSnapshot WithCalls(string id, double calls)
    {
        var s = Snap(id);
        return new AccountSnapshot(s.Account with { Signals = s.Account.Signals.With(new SignalKey("api_calls_7d"), calls) });
    }

    [Fact]
    public async Task ACustomTrigger_StartsRunsOnce_AndCancelsThemWhenItsReasonGoes()
    {
        var playbook = new Playbook("api-drop", "API usage dropped", new ApiUsageDropped(new SignalKey("api_calls_7d")), [Step("Ask the integration owner what changed", 2)]);
        var engine = new PlaybookEngine([playbook], new InMemoryPlaybookRunStore(), Clock());
        var before = Portfolio(Day0, WithCalls("a", 1000), WithCalls("b", 1000));
        var after = Portfolio(Day0.PlusDays(7), WithCalls("a", 400), WithCalls("b", 900));
        var first = await engine.EvaluateAsync(before, after);
        Assert.Equal(["a"], first.Created.Select(r => r.Account.Value));
        Assert.Empty((await engine.EvaluateAsync(before, after)).Created);
        var recovered = await engine.EvaluateAsync(after, Portfolio(Day0.PlusDays(14), WithCalls("a", 1500), WithCalls("b", 900)));
        Assert.Equal(["a"], recovered.Cancelled.Select(r => r.Account.Value));
    }
}
