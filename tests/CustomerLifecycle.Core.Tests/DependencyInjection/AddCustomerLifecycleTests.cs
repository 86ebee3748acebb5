using CustomerLifecycle.Feedback;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.DependencyInjection;

public sealed class AddCustomerLifecycleTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("CustomerLifecycle");

    [Fact]
    public void Defaults_ResolveTheCoreServices()
    {
        var clock = FakeClock.AtDefaultStart();
        using var provider = new ServiceCollection().AddCustomerLifecycle().UseClock(clock).Services.BuildServiceProvider();

        Assert.Same(clock, provider.GetRequiredService<IClock>());
        Assert.Same(LifecycleStageModel.Default, provider.GetRequiredService<LifecycleStageModel>());
        Assert.Equal(DateTimeZone.Utc.Id, provider.GetRequiredService<BusinessClock>().Zone.Id == "Etc/UTC" ? DateTimeZone.Utc.Id : "?");
        Assert.NotNull(provider.GetRequiredService<LifecycleStageMachine>());
        Assert.NotNull(provider.GetRequiredService<FeedbackLoopTracker>());
    }

    [Fact]
    public void AnInvalidEditOfTheSection_KeepsTheLastValidOptions_AndIsReportedNotThrown()
    {
        // dotnet/runtime#44381: the framework's monitor throws on the reload thread and drops its value.
        var root = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["CustomerLifecycle:TimeZone"] = "Europe/London" }).Build();
        using var provider = new ServiceCollection().AddCustomerLifecycle(root.GetSection("CustomerLifecycle")).Services.BuildServiceProvider();
        var monitor = Assert.IsType<RetainingOptionsMonitor<CustomerLifecycleOptions>>(provider.GetRequiredService<IOptionsMonitor<CustomerLifecycleOptions>>());
        Assert.Equal("Europe/London", monitor.CurrentValue.TimeZone);
        OptionsValidationException? rejected = null;
        monitor.ReloadRejected += e => rejected = e;

        root["CustomerLifecycle:TimeZone"] = "Mars/Olympus_Mons";
        var error = Record.Exception(root.Reload);
        Assert.Null(error);
        Assert.Equal("Europe/London", monitor.CurrentValue.TimeZone);
        Assert.Contains(rejected!.Failures, f => f.Contains("CustomerLifecycle:TimeZone", StringComparison.Ordinal) && f.Contains("Mars/Olympus_Mons", StringComparison.Ordinal));

        root["CustomerLifecycle:TimeZone"] = "Asia/Tokyo";
        root.Reload();
        Assert.Equal("Asia/Tokyo", monitor.CurrentValue.TimeZone);
    }

    [Fact]
    public void CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        services.AddCustomerLifecycle();
        var count = services.Count;
        services.AddCustomerLifecycle();
        Assert.Equal(count, services.Count);
    }

    [Fact]
    public void Configuration_BindsTimeZoneAndACustomStageModel()
    {
        var section = Section(new()
        {
            ["CustomerLifecycle:TimeZone"] = "Europe/Berlin",
            ["CustomerLifecycle:StageModel:Stages:0:Id"] = "Trial",
            ["CustomerLifecycle:StageModel:Stages:0:Category"] = "PreCustomer",
            ["CustomerLifecycle:StageModel:Stages:1:Id"] = "Live",
            ["CustomerLifecycle:StageModel:Stages:1:Category"] = "customer",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Kind"] = "Signal",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Signal"] = "logins_30d",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Operator"] = ">=",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Value"] = "5",
            ["CustomerLifecycle:StageModel:Transitions:0:From"] = "Trial",
            ["CustomerLifecycle:StageModel:Transitions:0:To"] = "Live",
        });
        using var provider = new ServiceCollection().AddCustomerLifecycle(section).Services.BuildServiceProvider();

        var model = provider.GetRequiredService<LifecycleStageModel>();
        Assert.Equal(["Trial", "Live"], model.Stages.Select(s => s.Id.Value));
        var criterion = Assert.IsType<SignalCriterion>(Assert.Single(model.GetStage(new StageId("Live")).EntryCriteria));
        Assert.Equal(ComparisonOperator.GreaterThanOrEqual, criterion.Comparison);
        Assert.Equal(5, criterion.Threshold);
        Assert.Equal("Europe/Berlin", provider.GetRequiredService<BusinessClock>().Zone.Id);
    }

    [Fact]
    public void Validation_ReportsEveryErrorWithItsFullKey()
    {
        var section = Section(new()
        {
            ["CustomerLifecycle:TimeZone"] = "Mars/Olympus",
            ["CustomerLifecycle:RenewalWindowDays"] = "0",
            ["CustomerLifecycle:StageModel:Stages:0:Id"] = "Trial",
            ["CustomerLifecycle:StageModel:Stages:0:Category"] = "Prospect",
            ["CustomerLifecycle:StageModel:Stages:1:Id"] = "Live",
            ["CustomerLifecycle:StageModel:Stages:1:Category"] = "Customer",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Kind"] = "Signal",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Signal"] = "Logins",
            ["CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Operator"] = "=>",
            ["CustomerLifecycle:StageModel:Transitions:0:From"] = "Trial",
            ["CustomerLifecycle:StageModel:Transitions:0:To"] = "Gone",
        });
        using var provider = new ServiceCollection().AddCustomerLifecycle(section).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CustomerLifecycleOptions>>().Value);
        var messages = string.Join("\n", ex.Failures);
        Assert.Contains("CustomerLifecycle:TimeZone: 'Mars/Olympus'", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:RenewalWindowDays: 0", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:StageModel:Stages:0:Category", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Signal", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Operator", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:StageModel:Stages:1:EntryCriteria:0:Value", messages, StringComparison.Ordinal);
        Assert.Contains("CustomerLifecycle:StageModel:Transitions:0:To", messages, StringComparison.Ordinal);
        Assert.True(ex.Failures.Count() >= 7);
    }

    [Fact]
    public void ValidateOnStart_IsRegistered()
    {
        var services = new ServiceCollection();
        services.AddCustomerLifecycle();
        Assert.Contains(services, d => d.ServiceType.Name == "IStartupValidator" || d.ServiceType.Name.Contains("ValidateOnStart", StringComparison.Ordinal)
            || (d.ServiceType.IsGenericType && d.ServiceType.GetGenericArguments().Contains(typeof(CustomerLifecycleOptions)) && d.ServiceType.Name.StartsWith("IValidateOptions", StringComparison.Ordinal)));
    }

    [Fact]
    public void UseStageModel_TakesPrecedenceOverOptions()
    {
        var model = LifecycleStageModel.Default.ToBuilder().RemoveStage("Advocacy").Build();
        using var provider = new ServiceCollection().AddCustomerLifecycle().UseStageModel(model).Services.BuildServiceProvider();
        Assert.Same(model, provider.GetRequiredService<LifecycleStageModel>());
    }
}
