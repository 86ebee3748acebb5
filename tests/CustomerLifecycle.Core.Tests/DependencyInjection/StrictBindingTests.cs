using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Tests.DependencyInjection;

/// <summary>BindStrictly: what plain Bind drops, throws on later, or ignores becomes a validation failure naming its key.</summary>
public sealed class StrictBindingTests
{
    public enum Channel
    {
        Email,
        Call,
    }

    public sealed class Step
    {
        public string? Title { get; set; }

        public double Weight { get; set; } = 1;

        public Channel Channel { get; set; }
    }

    public sealed class Settings
    {
        public int Days { get; set; } = 7;

        public bool Enabled { get; set; } = true;

        public double? Share { get; set; }

        public List<Step> Steps { get; } = [];

        public Dictionary<Channel, double> ByChannel { get; } = [];

        public Dictionary<string, Step> Named { get; } = new(StringComparer.OrdinalIgnoreCase);

        public List<Channel> Channels { get; } = [];
    }

    private static (ServiceProvider Provider, IConfigurationRoot Root) Build(Dictionary<string, string?> values, Action<IServiceCollection, IConfiguration>? more = null)
    {
        var root = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddOptions<Settings>().BindStrictly(root.GetSection("App"));
        more?.Invoke(services, root);
        return (services.BuildServiceProvider(), root);
    }

    [Fact]
    public void GoodValues_BindAsBindWould()
    {
        var (provider, _) = Build(new()
        {
            ["App:Days"] = "30",
            ["App:enabled"] = "false",
            ["App:Share"] = "",
            ["App:Steps:0:Title"] = "Call",
            ["App:Steps:0:Channel"] = "call",
            ["App:Steps:1:Title"] = "Mail",
            ["App:ByChannel:Email"] = "0.5",
            ["App:Named:x:Weight"] = "2.5",
            ["App:Channels:0"] = "Email",
        });
        using var _ = provider;
        var settings = provider.GetRequiredService<IOptions<Settings>>().Value;
        Assert.Equal((30, false, (double?)null), (settings.Days, settings.Enabled, settings.Share));
        Assert.Equal(["Call", "Mail"], settings.Steps.Select(s => s.Title));
        Assert.Equal(Channel.Call, settings.Steps[0].Channel);
        Assert.Equal(0.5, settings.ByChannel[Channel.Email]);
        Assert.Equal(2.5, settings.Named["X"].Weight);
        Assert.Equal([Channel.Email], settings.Channels);
    }

    [Fact]
    public void BadValuesDroppedElementsAndUnknownKeys_AreReportedTogether_WithTheirFullKeys()
    {
        var (provider, _) = Build(new()
        {
            ["App:Days"] = "99999999999",
            ["App:Enabled"] = "maybe",
            ["App:Steps:0:Title"] = "Call",
            ["App:Steps:1:Weight"] = "heavy",
            ["App:Steps:2:Channel"] = "Pigeon",
            ["App:Steps:3:Channel"] = "7",
            ["App:ByChannel:Purple"] = "0.5",
            ["App:Named:x:Weigth"] = "2",
            ["App:Channels:0"] = "Caturday",
            ["App:Steps:4"] = "not a section",
            ["App:Days:Extra"] = "1",
        });
        using var _ = provider;
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Settings>>().Value);
        Assert.Equal(
        [
            "App:ByChannel:Purple: 'Purple' is not one of Email, Call.",
            "App:Channels:0: 'Caturday' is not one of Email, Call.",
            "App:Days: '99999999999' is not a whole number from -2147483648 to 2147483647.",
            "App:Enabled: 'maybe' is not true or false.",
            "App:Named:x:Weigth: not a setting of Step; did you mean 'Weight'? (settings: Channel, Title, Weight).",
            "App:Steps:1:Weight: 'heavy' is not a number (with '.' for decimals).",
            "App:Steps:2:Channel: 'Pigeon' is not one of Email, Call.",
            "App:Steps:3:Channel: '7' is not one of Email, Call.",
            "App:Steps:4: expects a section (Step), found the value 'not a section'.",
        ], e.Failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ASectionBoundByOtherOptions_IsNotAnUnknownKey_ButATypoBesideItIs()
    {
        var (provider, _) = Build(
            new() { ["App:Days"] = "3", ["App:Child:Title"] = "x", ["App:Chlid:Title"] = "y" },
            (services, root) => services.AddOptions<Step>().BindStrictly(root.GetSection("App:Child")));
        using var _ = provider;
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Settings>>().Value);
        Assert.StartsWith("App:Chlid: not a setting of Settings", Assert.Single(e.Failures), StringComparison.Ordinal);
        Assert.Equal("x", provider.GetRequiredService<IOptions<Step>>().Value.Title);
    }

    [Fact]
    public void AReload_IsCheckedAgain()
    {
        var (provider, root) = Build(new() { ["App:Days"] = "3" });
        using var _ = provider;
        var monitor = provider.GetRequiredService<IOptionsMonitor<Settings>>();
        Assert.Equal(3, monitor.CurrentValue.Days);
        root["App:Days"] = "three";

        // The framework's monitor recreates the options on the reload thread and throws there (dotnet/runtime#44381;
        // HealthScoring's retaining monitor keeps the last valid value instead): the check ran again, by key.
        var reload = Assert.Throws<AggregateException>(root.Reload);
        var e = Assert.IsType<OptionsValidationException>(Assert.Single(reload.InnerExceptions));
        Assert.Equal("App:Days: 'three' is not a whole number from -2147483648 to 2147483647.", Assert.Single(e.Failures));
    }

    [Fact]
    public void TheCoreSection_ReportsATypo_AndLeavesThePackagesSectionsToThem()
    {
        var root = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CustomerLifecycle:TimeZon"] = "Europe/Berlin",
            ["CustomerLifecycle:RenewalWindowDays"] = "sixty",
        }).Build();
        using var provider = new ServiceCollection().AddCustomerLifecycle(root.GetSection("CustomerLifecycle")).Services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CustomerLifecycleOptions>>().Value);
        Assert.Equal(
        [
            "CustomerLifecycle:RenewalWindowDays: 'sixty' is not a whole number from -2147483648 to 2147483647.",
            "CustomerLifecycle:TimeZon: not a setting of CustomerLifecycleOptions; did you mean 'TimeZone'? (settings: RenewalWindowDays, StageModel, TimeZone).",
        ], e.Failures.Order(StringComparer.Ordinal));
    }
}
