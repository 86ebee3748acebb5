using System.Runtime.CompilerServices;
using CustomerLifecycle.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Strict configuration binding, used by every CustomerLifecycle package and available to the host's own options.</summary>
public static class StrictBindingOptionsBuilderExtensions
{
    private static readonly ConditionalWeakTable<object, List<string>> Failures = [];

    /// <summary>
    /// Binds options to a configuration section like <c>Bind</c>, but reports as validation failures, each naming its
    /// full key, what <c>Bind</c> lets through: a value that does not convert to its property (<c>Weight=heavy</c>,
    /// <c>Channel=Pigeon</c>, an <c>int</c> of <c>99999999999</c>), an element of a list or dictionary dropped because its
    /// value or key does not convert, and a key no property takes (<c>Weigth</c>, with a suggestion). Everything else is
    /// bound, so the options' own validators report their errors in the same pass. Checked again on every reload.
    /// </summary>
    /// <remarks>
    /// A child section bound strictly by another options type (a package's subsection, <c>CustomerLifecycle:HealthScoring</c>
    /// inside <c>CustomerLifecycle</c>) is that type's to check, not an unknown key. Add <c>ValidateOnStart()</c> to
    /// fail at start-up.
    /// </remarks>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="builder">The options builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static OptionsBuilder<TOptions> BindStrictly<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration configuration)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var registry = builder.Services
            .Where(d => d.ServiceType == typeof(StrictBindingRegistry) && d.ImplementationInstance is StrictBindingRegistry)
            .Select(d => (StrictBindingRegistry)d.ImplementationInstance!)
            .FirstOrDefault();
        if (registry is null)
        {
            registry = new StrictBindingRegistry();
            builder.Services.AddSingleton(registry);
        }

        var path = (configuration as IConfigurationSection)?.Path ?? string.Empty;
        registry.Add(path);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(new ConfigurationChangeTokenSource<TOptions>(builder.Name, configuration));
        builder.Configure(options =>
        {
            var errors = new List<string>();
            var rejected = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            ConfigurationChecker.Check(typeof(TOptions), configuration, registry.Except(path), errors, rejected);
            if (errors.Count > 0)
            {
                Failures.AddOrUpdate(options, errors);
            }

            new CheckedConfigurationSection(configuration, rejected).Bind(options);
        });
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new RecordedFailures<TOptions>(builder.Name));
        return builder;
    }

    private sealed class RecordedFailures<TOptions>(string name) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? optionsName, TOptions options) =>
            (optionsName ?? Options.Options.DefaultName) == name && Failures.TryGetValue(options, out var errors)
                ? ValidateOptionsResult.Fail(errors)
                : ValidateOptionsResult.Skip;
    }
}
