namespace CustomerLifecycle.HealthScoring;

/// <summary>The color band of a health score. The order is from worst to best, so <c>Red &lt; Yellow &lt; Green</c>.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<HealthColor>))]
public enum HealthColor
{
    /// <summary>At risk.</summary>
    Red = 0,

    /// <summary>Needs attention.</summary>
    Yellow = 1,

    /// <summary>Healthy.</summary>
    Green = 2,
}
