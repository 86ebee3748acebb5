using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle;

/// <summary>
/// Returned by <c>services.AddCustomerLifecycle(...)</c>; the other CustomerLifecycle packages add their
/// services through extension methods on it (<c>AddHealthScoring</c>, <c>AddSegmentation</c>, ...).
/// </summary>
public interface ICustomerLifecycleBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
