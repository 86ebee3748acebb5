namespace CustomerLifecycle.HealthScoring;

/// <summary>One account of calibration history: its signals at scoring time, and whether it then renewed or churned.</summary>
/// <param name="Account">The account as it was when scored.</param>
/// <param name="Renewed">True when it renewed; false when it churned.</param>
public sealed record CalibrationCase(Account Account, bool Renewed);
