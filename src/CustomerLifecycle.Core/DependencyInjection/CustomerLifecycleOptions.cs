using CustomerLifecycle.Stages;

namespace CustomerLifecycle;

/// <summary>
/// Options of the Core package, bound from the <c>CustomerLifecycle</c> configuration section by
/// <c>services.AddCustomerLifecycle(configuration.GetSection("CustomerLifecycle"))</c> and validated at start-up.
/// </summary>
/// <remarks>Options are read once at start-up; the stage model is built from them once.</remarks>
public sealed class CustomerLifecycleOptions
{
    /// <summary>The configuration section these options are usually bound from.</summary>
    public const string SectionName = "CustomerLifecycle";

    /// <summary>
    /// The IANA (tzdb) time zone in which the business reckons dates: contract dates, tenure, "today", due dates.
    /// </summary>
    /// <value>The default value is <c>Etc/UTC</c>. Must be a tzdb zone id such as <c>Europe/Berlin</c>.</value>
    public string TimeZone { get; set; } = "Etc/UTC";

    /// <summary>How many days before the renewal date the renewal window opens.</summary>
    /// <value>The default value is 90. Must be from 1 to 366.</value>
    public int RenewalWindowDays { get; set; } = 90;

    /// <summary>
    /// The lifecycle stage model. When it declares no stages, <see cref="LifecycleStageModel.Default"/> is used.
    /// </summary>
    /// <value>The default value is an empty model, meaning the default model.</value>
    public LifecycleStageModelOptions StageModel { get; set; } = new();
}
