using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Usage;

internal sealed class UsageOptionsValidator(string sectionPath) : IValidateOptions<UsageOptions>
{
    public ValidateOptionsResult Validate(string? name, UsageOptions options)
    {
        var errors = UsageModel.Validate(options, sectionPath, out _);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
