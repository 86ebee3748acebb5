using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle;

internal sealed class CustomerLifecycleBuilder(IServiceCollection services) : ICustomerLifecycleBuilder
{
    public IServiceCollection Services { get; } = services;
}
