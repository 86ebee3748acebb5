using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks.Tests.Engine;
using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests;

public sealed class AddPlaybooksTests
{
    private const string Section = "CustomerLifecycle:Playbooks";

    private static ServiceProvider Provider(Dictionary<string, string?> values, Action<PlaybooksBuilder>? configure = null) =>
        new ServiceCollection().AddCustomerLifecycle().UseClock(FakeClock.AtDefaultStart())
            .AddPlaybooks(new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(Section), configure)
            .Services.BuildServiceProvider();

    [Fact]
    public async Task PlaybooksTeamsAndCalendar_BindFromConfiguration()
    {
        var handler = new Fixtures.RecordingHandler();
        using var provider = Provider(new()
        {
            [$"{Section}:Playbooks:churn-save:Steps:0:Title"] = "Call now",
            [$"{Section}:Playbooks:churn-save:Steps:0:Role"] = "Executive",
            [$"{Section}:Playbooks:churn-save:Steps:0:DueDays"] = "1",
            [$"{Section}:Playbooks:churn-save:Variants:TechTouch:0:Title"] = "Email",
            [$"{Section}:Playbooks:churn-save:Variants:TechTouch:0:Channel"] = "Email",
            [$"{Section}:Playbooks:vip:Trigger:Kind"] = "SegmentEntered",
            [$"{Section}:Playbooks:vip:Trigger:Segment"] = "VIP",
            [$"{Section}:Playbooks:vip:Steps:0:Title"] = "Welcome to VIP",
            [$"{Section}:Playbooks:expansion:Enabled"] = "false",
            [$"{Section}:Teams:Executive:Members:0"] = "vp1",
            [$"{Section}:Teams:Executive:Members:1"] = "vp2",
            [$"{Section}:Weekend:0"] = "Saturday",
            [$"{Section}:Weekend:1"] = "Sunday",
            [$"{Section}:Holidays:0"] = "2026-11-03",
        }, p => p.Add(new Playbook("custom", "Custom", PlaybookTrigger.HealthTurned(HealthColor.Yellow), [Step("Look")])).AddHandler<Fixtures.RecordingHandler>());

        var engine = provider.GetRequiredService<PlaybookEngine>();
        Assert.Contains(engine.Playbooks, p => p.Id == "vip");
        Assert.Contains(engine.Playbooks, p => p.Id == "custom");
        Assert.DoesNotContain(engine.Playbooks, p => p.Id == "expansion");
        var result = await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red, segments: ["VIP"]), Snap("b", HealthColor.Red)));
        var tasks = result.Created.SelectMany(r => r.Tasks).Select(t => $"{t.PlaybookId}:{t.Title}:{t.Owner}:{t.Due:MM-dd}").Order();
        Assert.Equal(["churn-save:Call now:vp1:11-04", "churn-save:Call now:vp2:11-04", "vip:Welcome to VIP:dana:11-02"], tasks); // 11-03 is a holiday
        Assert.Equal(3, result.HandedOff.Count);
    }

    [Fact]
    public async Task AnExperiment_BindsFromConfiguration_AndABadOneStopsStartUpNamingItsKeys()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:Playbooks:churn-save:Experiment:Salt"] = "2026-q4",
            [$"{Section}:Playbooks:churn-save:Experiment:HoldoutShare"] = "0.2",
            [$"{Section}:Playbooks:churn-save:Experiment:Strata"] = "Tier",
            [$"{Section}:Playbooks:churn-save:Experiment:Arms:digital:0:Title"] = "Email",
            [$"{Section}:Playbooks:churn-save:Experiment:Arms:digital:0:Channel"] = "Email",
        });
        var save = provider.GetRequiredService<PlaybookEngine>().Playbooks.Single(p => p.Id == "churn-save");
        Assert.Equal(("2026-q4", 0.2, ExperimentStrata.Tier), (save.Experiment!.Salt, save.Experiment.HoldoutShare, save.Experiment.Strata));
        Assert.Equal(["Email"], save.Experiment.Arms["digital"].Select(s => s.Title));
        var result = await provider.GetRequiredService<PlaybookEngine>().EvaluateAsync(null, Portfolio(Day0, [.. Enumerable.Range(0, 20).Select(i => Snap($"acct-{i}", HealthColor.Red))]));
        Assert.All(result.Created.Where(r => r.PlaybookId == "churn-save"), r => Assert.Equal(save.Experiment.ArmFor("churn-save", r.Account), r.Arm));

        using var bad = Provider(new()
        {
            [$"{Section}:Playbooks:churn-save:Experiment:HoldoutShare"] = "1.5",
            [$"{Section}:Playbooks:churn-save:Experiment:Arms:held out:0:Title"] = "x",
        });
        var e = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<PlaybooksOptions>>().Value);
        Assert.Equal(
        [
            $"{Section}:Playbooks:churn-save:Experiment:Salt: an experiment needs a salt of 1 to 64 characters (was '').",
            $"{Section}:Playbooks:churn-save:Experiment:HoldoutShare: must be strictly between 0 and 1 (was 1.5).",
            $"{Section}:Playbooks:churn-save:Experiment:Arms:held out: an arm needs a name other than 'treated' and 'held out'.",
        ], e.Failures);
    }

    [Fact]
    public void InvalidConfiguration_StopsStartUp_WithEveryKey()
    {
        using var provider = Provider(new()
        {
            [$"{Section}:Playbooks:new:Steps:0:Title"] = "x",
            [$"{Section}:Playbooks:bad:Trigger:Kind"] = "HealthTurned",
            [$"{Section}:Playbooks:bad:Trigger:Color"] = "Blue",
            [$"{Section}:Playbooks:bad:Steps:0:Title"] = "x",
            [$"{Section}:Playbooks:ev:Trigger:Kind"] = "Event",
            [$"{Section}:Playbooks:ev:Trigger:Event"] = "nps_answer",
            [$"{Section}:Playbooks:ev:Steps:0:Title"] = "x",
            [$"{Section}:Playbooks:ev:Steps:1:DueDays"] = "-2",
            [$"{Section}:Playbooks:ev:CapRuns"] = "2",
            [$"{Section}:Holidays:0"] = "25/12/2026",
            [$"{Section}:HandOffLeaseMinutes"] = "0",
        });
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlaybooksOptions>>().Value);
        Assert.Equal(
        [
            $"{Section}:Playbooks:bad:Trigger:Color: must be Red, Yellow or Green (was 'Blue').",
            $"{Section}:Playbooks:ev:Trigger:Event: 'nps_answer' is not a well-known event type (kickoff, training_completed, go_live, onboarding_step_completed, first_value, usage_milestone, feature_adopted, usage_dropped, upsell, cross_sell, seats_added, testimonial, review, referral, case_study, qbr_held, ebr_held, renewal_signed, renewal_lost, support_ticket_opened, feedback_submitted, feature_released, one_on_one, nps_response, champion_left).",
            $"{Section}:Playbooks:ev:Steps:1:Title: a step needs a title.",
            $"{Section}:Playbooks:ev:Steps:1:DueDays: must be 0 to 36600 days after the trigger (was -2).",
            $"{Section}:Playbooks:ev:CapRuns/CapDays: give both, each 1 or more (was 2 runs every  days).",
            $"{Section}:Playbooks:new:Trigger: a new playbook needs a trigger.",
            $"{Section}:Holidays:0: '25/12/2026' is not an ISO date such as 2026-12-25.",
            $"{Section}:HandOffLeaseMinutes: must be 1 to 1440 (was 0).",
        ], e.Failures);
    }

    [Fact]
    public void APlaybookNamingAnUnknownSegmentOrStage_StopsStartUp_NamingItsKey()
    {
        // "Segment": "NoSuchSegment" used to start cleanly and never fire.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{Section}:Playbooks:vip:Trigger:Kind"] = "SegmentEntered",
            [$"{Section}:Playbooks:vip:Trigger:Segment"] = "NoSuchSegment",
            [$"{Section}:Playbooks:vip:Steps:0:Title"] = "Welcome",
            [$"{Section}:Playbooks:renewal:Trigger:Kind"] = "StageEntered",
            [$"{Section}:Playbooks:renewal:Trigger:Stage"] = "Renewal",
            [$"{Section}:Playbooks:renewal:Steps:0:Title"] = "Prepare",
            [$"{Section}:Playbooks:churn-save:Segments:0"] = "Strategic",
            [$"{Section}:Playbooks:churn-save:Variants:PigeonTouch:0:Title"] = "Coo",
            [$"{Section}:Playbooks:growth:Trigger:Kind"] = "SegmentEntered",
            [$"{Section}:Playbooks:growth:Trigger:Segment"] = "growth",
            [$"{Section}:Playbooks:growth:Steps:0:Title"] = "Offer seats",
        }).Build();
        using var provider = new ServiceCollection().AddCustomerLifecycle().UseClock(FakeClock.AtDefaultStart())
            .AddSegmentation()
            .AddPlaybooks(configuration.GetSection(Section))
            .Services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlaybooksOptions>>().Value);
        Assert.Equal(
        [
            $"{Section}:Playbooks:churn-save:Segments:0: 'Strategic' is not a defined segment",
            $"{Section}:Playbooks:churn-save:Variants:PigeonTouch: 'PigeonTouch' is not a defined segment",
            $"{Section}:Playbooks:renewal:Trigger:Stage: 'Renewal' is not a stage of the model (Outreach, Connection, Conversion, Onboarding, Adoption, ValueRealization, Expansion, Advocacy, Churned).",
            $"{Section}:Playbooks:vip:Trigger:Segment: 'NoSuchSegment' is not a defined segment",
        ], e.Failures.Order(StringComparer.Ordinal).Select(f => f.Contains("segment (", StringComparison.Ordinal) ? f[..f.IndexOf(" (", StringComparison.Ordinal)] : f));

        // Without AddSegmentation the host names its own segments: any name goes.
        using var hostSegments = Provider(new()
        {
            [$"{Section}:Playbooks:vip:Trigger:Kind"] = "SegmentEntered",
            [$"{Section}:Playbooks:vip:Trigger:Segment"] = "HostDefined",
            [$"{Section}:Playbooks:vip:Steps:0:Title"] = "Welcome",
        });
        Assert.Contains(hostSegments.GetRequiredService<PlaybookEngine>().Playbooks, p => p.Id == "vip");
    }

    [Fact]
    public async Task Handlers_AreResolvedInAScopePerTask_SoTheyCanUseScopedServices()
    {
        var services = new ServiceCollection();
        services.AddScoped<UnitOfWork>();
        services.AddSingleton<Seen>();
        services.AddCustomerLifecycle().UseClock(FakeClock.AtDefaultStart())
            .AddPlaybooks(p => p.Add(Save).AddHandler<SavingHandler>());
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        var engine = provider.GetRequiredService<PlaybookEngine>();
        var result = await engine.EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red), Snap("b", HealthColor.Red)));

        var units = provider.GetRequiredService<Seen>().Units;
        Assert.True(result.HandedOff.Count >= 4, "the churn-save runs of a and b, and the default playbooks'");
        Assert.Equal(result.HandedOff.Count, units.Count);
        Assert.Equal(units.Count, units.Distinct().Count());
        Assert.All(units, u => Assert.True(u.Disposed));
        Assert.Equal(result.HandedOff.Select(t => t.Id).Order(StringComparer.Ordinal), units.Select(u => u.TaskId).Order(StringComparer.Ordinal));
    }

    private sealed class UnitOfWork : IDisposable
    {
        public string? TaskId { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class Seen
    {
        public List<UnitOfWork> Units { get; } = [];
    }

    private sealed class SavingHandler(UnitOfWork unit, Seen seen) : IPlaybookTaskHandler
    {
        public ValueTask HandleAsync(PlaybookTask task, CancellationToken cancellationToken)
        {
            Assert.Null(unit.TaskId);
            unit.TaskId = task.Id;
            lock (seen)
            {
                seen.Units.Add(unit);
            }

            return ValueTask.CompletedTask;
        }
    }
}
