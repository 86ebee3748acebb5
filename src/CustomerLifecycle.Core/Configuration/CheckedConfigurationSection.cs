using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace CustomerLifecycle.Configuration;

/// <summary>
/// A read-only view of a configuration section without the values <see cref="ConfigurationChecker"/> rejected, so the
/// binder binds everything else and the options validators still see it (every error is reported in one pass, not
/// only the first conversion failure).
/// </summary>
internal sealed class CheckedConfigurationSection(IConfiguration inner, IReadOnlySet<string> rejected) : IConfigurationSection
{
    private bool Hidden => rejected.Contains(Path);

    public string Key => (inner as IConfigurationSection)?.Key ?? string.Empty;

    public string Path => (inner as IConfigurationSection)?.Path ?? string.Empty;

    public string? Value
    {
        get => Hidden ? null : (inner as IConfigurationSection)?.Value;
        set => throw new NotSupportedException("A checked configuration view is read-only.");
    }

    public string? this[string key]
    {
        get => GetSection(key).Value;
        set => throw new NotSupportedException("A checked configuration view is read-only.");
    }

    public IEnumerable<IConfigurationSection> GetChildren() =>
        Hidden ? [] : inner.GetChildren().Where(c => !rejected.Contains(c.Path)).Select(c => new CheckedConfigurationSection(c, rejected));

    public IChangeToken GetReloadToken() => inner.GetReloadToken();

    public IConfigurationSection GetSection(string key) => new CheckedConfigurationSection(inner.GetSection(key), rejected);
}
