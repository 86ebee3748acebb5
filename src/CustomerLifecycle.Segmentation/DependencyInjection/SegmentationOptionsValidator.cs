using CustomerLifecycle.Stages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Segmentation;

internal sealed class SegmentationOptionsValidator(string sectionPath, IServiceProvider services) : IValidateOptions<SegmentationOptions>
{
    public ValidateOptionsResult Validate(string? name, SegmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var registered = services.GetServices<SegmentRegistration>().Select(r => r.Segment);
        return SegmentationConfiguration.TryBuild(options, registered, StageModel(), sectionPath, out _, out var errors)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors);
    }

    private LifecycleStageModel StageModel()
    {
        try
        {
            return services.GetRequiredService<LifecycleStageModel>();
        }
        catch (Exception e) when (e is InvalidLifecycleModelException || (e is OptionsValidationException v && v.OptionsType == typeof(CustomerLifecycleOptions)))
        {
            // The Core options' validator reports an invalid stage model (or any other Core error) with its keys; the
            // segments are still checked (against the default model) so that every error surfaces in one start-up.
            return LifecycleStageModel.Default;
        }
    }
}

internal sealed record SegmentRegistration(Segment Segment);
