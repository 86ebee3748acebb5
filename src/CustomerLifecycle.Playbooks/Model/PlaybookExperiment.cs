using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CustomerLifecycle.Playbooks;

/// <summary>What an experiment records with each run, so that its analysis can compare like with like.</summary>
public enum ExperimentStrata
{
    /// <summary>Nothing: one stratum.</summary>
    None = 0,

    /// <summary>The account's tier.</summary>
    Tier = 1,

    /// <summary>The account's health color at the start.</summary>
    HealthColor = 2,

    /// <summary>The first of <see cref="PlaybookExperiment.StrataSegments"/> the account is in, or <c>(none)</c>.</summary>
    Segment = 3,
}

/// <summary>
/// A randomized experiment on a playbook: a share of the accounts it would start is held out (their run is recorded,
/// marked held out, with no tasks), and the rest may be split between alternative steps (A/B between touch models).
/// Assignment is a salted hash of the playbook and the account, so every instance, every shard and every rerun agrees
/// on an account's arm without coordination, and an account keeps its arm for the experiment's life.
/// </summary>
/// <remarks>
/// The hash assigns each account independently (a Bernoulli draw), whatever its stratum: in expectation every stratum
/// gets the holdout share, and the stratum recorded with the run (<see cref="Strata"/>) lets the analysis compare within
/// strata. Exactly balanced strata would need a shared counter, which the instances would have to agree on. Change
/// <see cref="Salt"/> to start a new experiment with fresh assignments.
/// </remarks>
public sealed record PlaybookExperiment
{
    /// <summary>The arm of the accounts held out: a run with no tasks.</summary>
    public const string HeldOut = "held out";

    /// <summary>The arm of the accounts that get the playbook's own steps.</summary>
    public const string Treated = "treated";

    private readonly IReadOnlyDictionary<string, IReadOnlyList<PlaybookStep>> _arms = new Dictionary<string, IReadOnlyList<PlaybookStep>>();

    // The arms an account not held out is drawn from: Treated, then the alternatives in ordinal order.
    private readonly string[] _drawn = [Treated];

    /// <summary>Creates an experiment.</summary>
    /// <param name="salt">Names the experiment in the hash: 1 to 64 characters. A new salt reassigns every account.</param>
    /// <param name="holdoutShare">The share of accounts held out, strictly between 0 and 1 (0.1 holds out one in ten).</param>
    /// <exception cref="ArgumentException">The salt is empty or longer than 64 characters, or the share is not strictly between 0 and 1.</exception>
    public PlaybookExperiment(string salt, double holdoutShare)
    {
        if (string.IsNullOrWhiteSpace(salt) || salt.Length > 64)
        {
            throw new ArgumentException($"An experiment's salt has 1 to 64 characters; '{salt}' does not.", nameof(salt));
        }

        if (!(holdoutShare is > 0 and < 1))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"An experiment's holdout share is strictly between 0 and 1 (0.1 holds out one account in ten); it is {holdoutShare}."), nameof(holdoutShare));
        }

        Salt = salt;
        HoldoutShare = holdoutShare;
    }

    /// <summary>Names the experiment in the hash.</summary>
    public string Salt { get; }

    /// <summary>The share of accounts held out.</summary>
    public double HoldoutShare { get; }

    /// <summary>What each run records as its stratum; <see cref="ExperimentStrata.None"/> by default.</summary>
    public ExperimentStrata Strata { get; init; }

    /// <summary>The segments that are the strata with <see cref="ExperimentStrata.Segment"/>, in order of precedence (an account in two is in the first).</summary>
    public IReadOnlyList<string> StrataSegments { get; init; } = [];

    /// <summary>
    /// Alternative steps compared with the playbook's own, by arm name: the accounts not held out are split evenly
    /// between <see cref="Treated"/> (the playbook's steps, or its touch-model variant) and these arms. Empty by default.
    /// </summary>
    /// <exception cref="ArgumentException">Set with an arm named <see cref="Treated"/> or <see cref="HeldOut"/>, an empty name, or an arm without steps.</exception>
    public IReadOnlyDictionary<string, IReadOnlyList<PlaybookStep>> Arms
    {
        get => _arms;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var (name, steps) in value)
            {
                if (string.IsNullOrWhiteSpace(name) || name is Treated or HeldOut)
                {
                    throw new ArgumentException($"An experiment's arm needs a name other than '{Treated}' and '{HeldOut}'; '{name}' is not one.", nameof(Arms));
                }

                if (steps is null || steps.Count == 0)
                {
                    throw new ArgumentException($"Arm '{name}' of experiment '{Salt}' has no steps.", nameof(Arms));
                }
            }

            _arms = value.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
            _drawn = [Treated, .. _arms.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// The account's arm in this experiment on the playbook: <see cref="HeldOut"/> with the holdout share's probability,
    /// otherwise <see cref="Treated"/> or one of <see cref="Arms"/> (in ordinal order of their names), evenly. The same
    /// inputs give the same arm on every machine and in every version of .NET.
    /// </summary>
    /// <param name="playbookId">The playbook.</param>
    /// <param name="account">The account.</param>
    /// <returns>The arm.</returns>
    public string ArmFor(string playbookId, AccountId account)
    {
        ArgumentNullException.ThrowIfNull(playbookId);
        var u = Uniform(playbookId, account);
        if (u < HoldoutShare)
        {
            return HeldOut;
        }

        var k = (int)((u - HoldoutShare) / (1 - HoldoutShare) * _drawn.Length);
        return _drawn[Math.Min(k, _drawn.Length - 1)];
    }

    /// <summary>The steps an account in an arm gets: none when held out, the arm's when it has its own.</summary>
    /// <param name="arm">The arm.</param>
    /// <param name="playbookSteps">The playbook's steps for the account (its touch-model variant or its default).</param>
    /// <returns>The steps.</returns>
    internal IReadOnlyList<PlaybookStep> StepsFor(string arm, IReadOnlyList<PlaybookStep> playbookSteps) =>
        arm == HeldOut ? [] : _arms.TryGetValue(arm, out var steps) ? steps : playbookSteps;

    /// <summary>The stratum recorded for an account.</summary>
    /// <param name="account">The account.</param>
    /// <returns>The stratum, or null with <see cref="ExperimentStrata.None"/>.</returns>
    internal string? StratumOf(AccountSnapshot account) => Strata switch
    {
        ExperimentStrata.Tier => account.Account.Tier ?? "(no tier)",
        ExperimentStrata.HealthColor => account.Health?.Color?.ToString() ?? "(no color)",
        ExperimentStrata.Segment => StrataSegments.FirstOrDefault(account.Segments.Contains) ?? "(none)",
        _ => null,
    };

    // The first 8 bytes of SHA-256(salt ‖ playbook ‖ account), as a fraction of 2⁶⁴: uniform on [0, 1), stable.
    private double Uniform(string playbookId, AccountId account)
    {
        var text = $"{Salt}\n{playbookId}\n{account.Value}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
