using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace CustomerLifecycle;

/// <summary>
/// An options monitor that keeps the last valid value when a change is invalid. The framework's monitor drops its
/// cached value and throws on the reload thread instead (dotnet/runtime#44381), which can take a host down when a
/// watched configuration file is saved with a mistake.
/// </summary>
/// <remarks>
/// The first value of each name is created (and validated) on first use, so start-up validation still fails a bad
/// start. A rejected change is reported through <see cref="ReloadRejected"/>, not thrown. Thread-safe. The packages
/// register it for their own options (<c>CustomerLifecycle</c>, <c>CustomerLifecycle:HealthScoring</c>); register it for
/// yours with <c>services.AddSingleton&lt;IOptionsMonitor&lt;T&gt;, RetainingOptionsMonitor&lt;T&gt;&gt;()</c>.
/// </remarks>
/// <typeparam name="TOptions">The options.</typeparam>
public sealed class RetainingOptionsMonitor<TOptions> : IOptionsMonitor<TOptions>, IDisposable
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private readonly ConcurrentDictionary<string, TOptions> _values = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _registrations = [];
    private readonly object _gate = new();
    private ImmutableListeners _listeners = ImmutableListeners.Empty;

    /// <summary>Creates the monitor (DI does).</summary>
    /// <param name="factory">Creates and validates values.</param>
    /// <param name="sources">The change tokens of the options' sources.</param>
    public RetainingOptionsMonitor(IOptionsFactory<TOptions> factory, IEnumerable<IOptionsChangeTokenSource<TOptions>> sources)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(sources);
        _factory = factory;
        foreach (var source in sources)
        {
            var name = source.Name ?? Options.DefaultName;
            _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, () => Reload(name)));
        }
    }

    /// <summary>Raised when a change was refused by validation; the previous value stays in force.</summary>
    public event Action<OptionsValidationException>? ReloadRejected;

    /// <summary>The last valid value of the default name.</summary>
    public TOptions CurrentValue => Get(Options.DefaultName);

    /// <summary>The last valid value of a name; the first is created (and validated) on first use.</summary>
    /// <param name="name">The name; the default when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="OptionsValidationException">The first value is not valid.</exception>
    public TOptions Get(string? name) => _values.GetOrAdd(name ?? Options.DefaultName, n => _factory.Create(n));

    /// <summary>Registers a listener called with each valid new value.</summary>
    /// <param name="listener">The listener.</param>
    /// <returns>Disposing it unregisters the listener.</returns>
    public IDisposable OnChange(Action<TOptions, string?> listener)
    {
        lock (_gate)
        {
            _listeners = _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    /// <summary>Stops watching the sources.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Reload(string name)
    {
        TOptions value;
        try
        {
            value = _factory.Create(name);
        }
        catch (OptionsValidationException rejected)
        {
            // Not swallowed: reported to subscribers (the scorer exposes it), and the last valid value stays.
            ReloadRejected?.Invoke(rejected);
            return;
        }

        _values[name] = value;
        foreach (var listener in _listeners.Items)
        {
            listener(value, name);
        }
    }

    private sealed class ImmutableListeners(Action<TOptions, string?>[] items)
    {
        public static readonly ImmutableListeners Empty = new([]);

        public Action<TOptions, string?>[] Items { get; } = items;

        public ImmutableListeners Add(Action<TOptions, string?> listener) => new([.. Items, listener]);

        public ImmutableListeners Remove(Action<TOptions, string?> listener) => new([.. Items.Where(l => l != listener)]);
    }

    private sealed class Subscription(RetainingOptionsMonitor<TOptions> monitor, Action<TOptions, string?> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._gate)
            {
                monitor._listeners = monitor._listeners.Remove(listener);
            }
        }
    }
}
