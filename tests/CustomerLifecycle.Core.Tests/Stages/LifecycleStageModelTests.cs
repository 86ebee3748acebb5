using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Core.Tests.Stages;

public sealed class LifecycleStageModelTests
{
    [Fact]
    public void Default_HasTheNineStagesInOrderWithCategories()
    {
        var model = LifecycleStageModel.Default;
        Assert.Equal(
            ["Outreach", "Connection", "Conversion", "Onboarding", "Adoption", "ValueRealization", "Expansion", "Advocacy", "Churned"],
            model.Stages.Select(s => s.Id.Value));
        Assert.All(model.Stages.Take(3), s => Assert.Equal(StageCategory.PreCustomer, s.Category));
        Assert.All(model.Stages.Skip(3).Take(5), s => Assert.Equal(StageCategory.Customer, s.Category));
        Assert.Equal(StageCategory.Terminal, model.Stages[^1].Category);
        Assert.Equal(DefaultLifecycleStages.Outreach, model.InitialStage);
    }

    [Fact]
    public void Default_WinBackIsBackwardAndChurnIsForward()
    {
        var model = LifecycleStageModel.Default;
        Assert.Equal(TransitionDirection.Backward, model.FindTransition(DefaultLifecycleStages.Churned, DefaultLifecycleStages.Conversion)!.Direction);
        Assert.Equal(TransitionDirection.Forward, model.FindTransition(DefaultLifecycleStages.Adoption, DefaultLifecycleStages.Churned)!.Direction);
        Assert.Null(model.FindTransition(DefaultLifecycleStages.Outreach, DefaultLifecycleStages.Churned));
    }

    [Fact]
    public void Build_ReportsEveryProblemAtOnceWithKeys()
    {
        var builder = LifecycleStageModel.CreateBuilder()
            .AddStage("Trial", StageCategory.PreCustomer)
            .AddStage("Trial", StageCategory.Customer)
            .AddStage("bad id!", StageCategory.Customer)
            .AddStage("Live", StageCategory.Customer, order: 0)
            .AddStage("Island", StageCategory.Customer)
            .AddTransition("Trial", "Nowhere")
            .AddTransition("Trial", "Live")
            .AddTransition("Trial", "Live");

        var ex = Assert.Throws<InvalidLifecycleModelException>(() => builder.Build());
        var keys = ex.Errors.Select(e => e.Key).ToList();
        Assert.Contains("Stages:1:Id", keys);          // duplicate
        Assert.Contains("Stages:2:Id", keys);          // invalid id
        Assert.Contains("Stages:3:Order", keys);       // order clash with Trial
        Assert.Contains("Transitions:0:To", keys);     // unknown stage
        Assert.Contains("Transitions:2", keys);        // duplicate transition
        Assert.Contains(ex.Errors, e => e.Message.Contains("'Nowhere'", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_UnreachableStage_IsReported()
    {
        var ex = Assert.Throws<InvalidLifecycleModelException>(() => LifecycleStageModel.CreateBuilder()
            .AddStage("Trial", StageCategory.PreCustomer)
            .AddStage("Live", StageCategory.Customer)
            .AddStage("Island", StageCategory.Customer)
            .AddTransition("Trial", "Live")
            .Build());
        var error = Assert.Single(ex.Errors);
        Assert.Equal("Stages:2:Id", error.Key);
        Assert.Contains("'Island' cannot be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EmptyModel_IsRefused()
    {
        var ex = Assert.Throws<InvalidLifecycleModelException>(() => LifecycleStageModel.CreateBuilder().Build());
        Assert.Equal("Stages", Assert.Single(ex.Errors).Key);
    }

    [Fact]
    public void ToBuilder_RenameAndRemove_KeepTheRestOfTheModel()
    {
        var model = LifecycleStageModel.Default.ToBuilder()
            .RemoveStage("Advocacy")
            .RenameStage("ValueRealization", "Value", "Value")
            .Build();
        Assert.False(model.Contains(DefaultLifecycleStages.Advocacy));
        Assert.False(model.Contains(DefaultLifecycleStages.ValueRealization));
        Assert.Equal(new StageId("Value"), model.FirstValueStage);
        Assert.NotNull(model.FindTransition(DefaultLifecycleStages.Adoption, new StageId("Value")));
        Assert.NotNull(model.FindTransition(DefaultLifecycleStages.Expansion, DefaultLifecycleStages.Churned));
    }

    [Fact]
    public void GetStage_Unknown_ThrowsListingTheStages()
    {
        var ex = Assert.Throws<UnknownStageException>(() => LifecycleStageModel.Default.GetStage(new StageId("Trial")));
        Assert.Contains("'Trial'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Onboarding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StageId_ComparesWithoutCase() => Assert.Equal(new StageId("onboarding"), DefaultLifecycleStages.Onboarding);
}
