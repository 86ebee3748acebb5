using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle;

/// <summary>
/// Validates every option registered for validation at start-up (those of all the CustomerLifecycle packages, and any
/// of yours registered with <c>ValidateOnStart</c>) once, when the first of the packages' services is resolved. A host
/// does this when it starts; an application that only calls <c>BuildServiceProvider</c> gets the same errors at its
/// first resolve, before anything is computed with an option that is wrong. The packages resolve it in their
/// registrations; you need not.
/// </summary>
/// <remarks>This type is thread-safe.</remarks>
public sealed class OptionsValidationGate
{
    /// <summary>Validates the options.</summary>
    /// <param name="services">The provider.</param>
    /// <exception cref="OptionsValidationException">An option is not valid (the message names its key).</exception>
    /// <exception cref="AggregateException">Options of several types are not valid; one <see cref="OptionsValidationException"/> each.</exception>
    internal OptionsValidationGate(IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();
}
