using CustomerLifecycle.HealthScoring;
using static CustomerLifecycle.Playbooks.Tests.Engine.Fixtures;

namespace CustomerLifecycle.Playbooks.Tests.Engine;

public sealed class ExperimentTests
{
    private static readonly PlaybookExperiment Holdout = new("2026-q4", 0.2);

    [Fact]
    public void Assignment_IsAStableSaltedHash_HoldingOutItsShare()
    {
        // The same inputs give the same arm on every machine and release: the values Python's hashlib gives for
        // SHA-256("2026-q4\nsave\nacct-i"), its first 8 bytes big-endian, shifted right 11, over 2⁵³, below 0.2.
        Assert.Equal(
            ["treated", "treated", "treated", "held out", "treated", "treated", "held out", "treated", "treated", "treated"],
            Enumerable.Range(0, 10).Select(i => Holdout.ArmFor("save", new AccountId($"acct-{i}"))));

        // 20,000 accounts: the share held out is 20 % within three standard deviations (0.85 points).
        var arms = Enumerable.Range(0, 20_000).Select(i => Holdout.ArmFor("save", new AccountId($"acct-{i}"))).ToArray();
        Assert.InRange(arms.Count(a => a == PlaybookExperiment.HeldOut) / 20_000.0, 0.2 - 0.0085, 0.2 + 0.0085);

        // Another salt or another playbook draws afresh: about 20 % of the held-out accounts stay held out, not all.
        var heldOut = Enumerable.Range(0, 20_000).Where(i => arms[i] == PlaybookExperiment.HeldOut).ToArray();
        Assert.InRange(heldOut.Count(i => new PlaybookExperiment("2027-q1", 0.2).ArmFor("save", new AccountId($"acct-{i}")) == PlaybookExperiment.HeldOut) / (double)heldOut.Length, 0.15, 0.25);
        Assert.InRange(heldOut.Count(i => Holdout.ArmFor("expand", new AccountId($"acct-{i}")) == PlaybookExperiment.HeldOut) / (double)heldOut.Length, 0.15, 0.25);

        // Alternatives split the rest evenly.
        var ab = Holdout with { Arms = new Dictionary<string, IReadOnlyList<PlaybookStep>> { ["digital"] = [Step("Email")] } };
        var split = Enumerable.Range(0, 20_000).Select(i => ab.ArmFor("save", new AccountId($"acct-{i}"))).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count() / 20_000.0);
        Assert.Equal(["digital", "held out", "treated"], split.Keys.Order(StringComparer.Ordinal));
        Assert.InRange(split["digital"], 0.4 - 0.011, 0.4 + 0.011);
        Assert.InRange(split["treated"], 0.4 - 0.011, 0.4 + 0.011);
    }

    [Fact]
    public async Task HeldOutAccounts_GetARunWithNoTasks_ExactlyOnce_WithTheirArmAndStratum()
    {
        var store = new InMemoryPlaybookRunStore();
        var handler = new RecordingHandler();
        var experiment = Holdout with { Strata = ExperimentStrata.Tier, Arms = new Dictionary<string, IReadOnlyList<PlaybookStep>> { ["digital"] = [Step("Email", role: "Digital", channel: TaskChannel.Email)] } };
        var playbook = Save with { Experiment = experiment };
        var engine = new PlaybookEngine([playbook], store, Clock(), [handler]);
        var accounts = Enumerable.Range(0, 60).Select(i => Snap($"acct-{i}", HealthColor.Red, tier: i % 2 == 0 ? "SMB" : null)).ToArray();
        var result = await engine.EvaluateAsync(null, Portfolio(Day0, accounts));

        Assert.Equal(60, result.Created.Count);
        foreach (var run in result.Created)
        {
            var arm = experiment.ArmFor("save", run.Account);
            Assert.Equal(arm, run.Arm);
            Assert.Equal(int.Parse(run.Account.Value[5..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? "SMB" : "(no tier)", run.Stratum);
            Assert.Equal(
                arm switch { PlaybookExperiment.HeldOut => [], "digital" => ["Email"], _ => ["Call", "Save plan"] },
                run.Tasks.Select(t => t.Title));
        }

        Assert.Contains(result.Created, r => r.Arm == PlaybookExperiment.HeldOut);
        Assert.Contains(result.Created, r => r.Arm == "digital");

        // The handlers get the treated accounts' tasks only; a second evaluation of the day creates nothing.
        Assert.Equal(result.Created.Sum(r => r.Tasks.Count), handler.Received.Count);
        Assert.DoesNotContain(handler.Received, t => experiment.ArmFor("save", t.Account) == PlaybookExperiment.HeldOut);
        Assert.Empty((await engine.EvaluateAsync(null, Portfolio(Day0, accounts))).Created);
        Assert.Equal(60, (await store.RunsAsync("save", Day0, Day0)).Count);
        Assert.Empty(await store.RunsAsync("save", Day0.PlusDays(1), Day0.PlusDays(9)));

        // A playbook without an experiment records no arm.
        var plain = await new PlaybookEngine([Save], new InMemoryPlaybookRunStore(), Clock()).EvaluateAsync(null, Portfolio(Day0, Snap("x", HealthColor.Red)));
        Assert.Null(plain.Created[0].Arm);
        Assert.Null(plain.Created[0].Stratum);
    }

    [Fact]
    public async Task AStratumBySegment_IsTheFirstListedSegmentTheAccountIsIn()
    {
        var playbook = Save with { Experiment = Holdout with { Strata = ExperimentStrata.Segment, StrataSegments = ["Enterprise", "Growth"] } };
        var result = await new PlaybookEngine([playbook], new InMemoryPlaybookRunStore(), Clock()).EvaluateAsync(null, Portfolio(Day0, Snap("a", HealthColor.Red, segments: ["Growth", "Enterprise"]), Snap("b", HealthColor.Red, segments: ["Growth"]), Snap("c", HealthColor.Red)));
        Assert.Equal(["Enterprise", "Growth", "(none)"], result.Created.OrderBy(r => r.Account.Value).Select(r => r.Stratum));
        Assert.Contains("StrataSegments", Assert.Throws<ArgumentException>(() => Save with { Experiment = Holdout with { Strata = ExperimentStrata.Segment } }).Message);
    }

    [Fact]
    public void ABadExperiment_IsRefused_NamingTheRule()
    {
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentException>(() => new PlaybookExperiment("s", 1)).Message);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<ArgumentException>(() => new PlaybookExperiment("s", double.NaN)).Message);
        Assert.Contains("1 to 64 characters", Assert.Throws<ArgumentException>(() => new PlaybookExperiment(" ", 0.1)).Message);
        Assert.Contains("other than 'treated' and 'held out'", Assert.Throws<ArgumentException>(() => Holdout with { Arms = new Dictionary<string, IReadOnlyList<PlaybookStep>> { ["treated"] = [Step("x")] } }).Message);
        Assert.Contains("has no steps", Assert.Throws<ArgumentException>(() => Holdout with { Arms = new Dictionary<string, IReadOnlyList<PlaybookStep>> { ["b"] = [] } }).Message);
    }
}
