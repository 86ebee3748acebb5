namespace CustomerLifecycle.Configuration;

/// <summary>The configuration sections bound strictly in one service collection, so that a parent section's check does not call a child package's section an unknown key.</summary>
internal sealed class StrictBindingRegistry
{
    private readonly HashSet<string> _paths = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string path)
    {
        lock (_paths)
        {
            _paths.Add(path);
        }
    }

    public IReadOnlySet<string> Except(string path)
    {
        lock (_paths)
        {
            var others = new HashSet<string>(_paths, StringComparer.OrdinalIgnoreCase);
            others.Remove(path);
            return others;
        }
    }
}
