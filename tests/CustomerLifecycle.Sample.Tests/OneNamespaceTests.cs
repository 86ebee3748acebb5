using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

// Outside the CustomerLifecycle namespace on purpose, with no "using CustomerLifecycle": what a new user's worker
// template has. If any Add…/Use… method left Microsoft.Extensions.DependencyInjection, this file would not compile.
namespace NewUser;

public sealed class OneNamespaceTests
{
    [Fact]
    public void EveryAddAndUseMethod_IsFoundWithTheDependencyInjectionUsingAlone()
    {
        var services = new ServiceCollection();
        services.AddCustomerLifecycle()
            .UseClock(CustomerLifecycle.Testing.FakeClock.AtDefaultStart())
            .UseStageModel(CustomerLifecycle.Stages.LifecycleStageModel.Default)
            .AddHealthScoring()
            .AddSegmentation()
            .AddForecasting()
            .AddPlaybooks();
        services.AddOptions<CustomerLifecycle.CustomerLifecycleOptions>().BindStrictly(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<CustomerLifecycle.Playbooks.PlaybookEngine>());
        Assert.Equal("Etc/UTC", provider.GetRequiredService<IOptions<CustomerLifecycle.CustomerLifecycleOptions>>().Value.TimeZone);
    }
}
