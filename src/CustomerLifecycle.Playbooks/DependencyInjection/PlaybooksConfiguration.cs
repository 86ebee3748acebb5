using System.Globalization;
using CustomerLifecycle.Events;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Playbooks;

/// <summary>Builds the playbooks, assigner and calendar from options: defaults, then code, then configuration.</summary>
internal static class PlaybooksConfiguration
{
    // A date trigger's offset is bounded so that adding it to any contract date stays inside NodaTime's calendar.
    private const int MaxOffsetDays = 36_600;
    private const int MaxOffsetMonths = 1_200;

    // segments: what a configured playbook may name (null when the host computes segments itself: any name goes);
    // stages: the model a configured stage trigger must name a stage of (null: only the id's form is checked).
    public static (List<Playbook> Playbooks, OwnerAssigner Assigner, BusinessCalendar? Calendar, PlaybookEngineOptions Engine) Build(PlaybooksOptions options, IEnumerable<Playbook> registered, string sectionPath, List<string> errors, TimeProvider? leaseTime = null, SegmentCatalog? segments = null, LifecycleStageModel? stages = null)
    {
        var prefix = string.IsNullOrEmpty(sectionPath) ? string.Empty : sectionPath + ":";
        var playbooks = new Dictionary<string, Playbook>(StringComparer.Ordinal);
        foreach (var playbook in (options.UseDefaultPlaybooks ? DefaultPlaybooks.All : []).Concat(registered))
        {
            playbooks[playbook.Id] = playbook;
        }

        foreach (var (id, configured) in options.Playbooks)
        {
            var key = $"{prefix}Playbooks:{id}";
            if (!configured.Enabled)
            {
                playbooks.Remove(id);
                continue;
            }

            playbooks.TryGetValue(id, out var existing);
            var trigger = configured.Trigger is { } t ? Trigger(t, key + ":Trigger", errors, segments, stages) : existing?.Trigger;
            for (var i = 0; i < configured.Segments.Count; i++)
            {
                CheckSegment(configured.Segments[i], $"{key}:Segments:{i}", segments, errors);
            }

            foreach (var variant in configured.Variants.Keys)
            {
                CheckSegment(variant, $"{key}:Variants:{variant}", segments, errors);
            }

            var steps = configured.Steps.Count > 0 ? Steps(configured.Steps, key + ":Steps", errors) : existing?.Steps;
            // A trigger or steps that were given but are invalid have reported their errors already.
            if (trigger is null && configured.Trigger is null)
            {
                errors.Add($"{key}:Trigger: a new playbook needs a trigger.");
            }

            if (steps is null && configured.Steps.Count == 0)
            {
                errors.Add($"{key}:Steps: a new playbook needs at least one step.");
            }

            var variants = configured.Variants.Count > 0
                ? configured.Variants.ToDictionary(v => v.Key, v => (IReadOnlyList<PlaybookStep>)(Steps(v.Value, $"{key}:Variants:{v.Key}", errors) ?? []), StringComparer.OrdinalIgnoreCase)
                : existing?.Variants;
            if (configured.CooldownDays is < 0)
            {
                errors.Add($"{key}:CooldownDays: must be 0 or more (was {configured.CooldownDays}).");
            }

            if ((configured.CapRuns is null) != (configured.CapDays is null) || configured.CapRuns is < 1 || configured.CapDays is < 1)
            {
                errors.Add($"{key}:CapRuns/CapDays: give both, each 1 or more (was {configured.CapRuns} runs every {configured.CapDays} days).");
            }

            var experiment = existing?.Experiment;
            if (configured.Experiment is { } e)
            {
                experiment = Experiment(e, $"{key}:Experiment", errors);
                for (var i = 0; i < e.StrataSegments.Count; i++)
                {
                    CheckSegment(e.StrataSegments[i], $"{key}:Experiment:StrataSegments:{i}", segments, errors);
                }
            }

            if (trigger is null || steps is null || !IsValidId(id))
            {
                if (!IsValidId(id))
                {
                    errors.Add($"{key}: a playbook id has 1 to 64 letters, digits, '-', '_' or '.'.");
                }

                continue;
            }

            playbooks[id] = new Playbook(id, configured.Name ?? existing?.Name ?? id, trigger, steps)
            {
                Description = existing?.Description,
                Variants = variants ?? new Dictionary<string, IReadOnlyList<PlaybookStep>>(),
                Segments = configured.Segments.Count > 0 ? configured.Segments : existing?.Segments ?? [],
                Tiers = configured.Tiers.Count > 0 ? configured.Tiers : existing?.Tiers ?? [],
                Cooldown = configured.CooldownDays is { } days ? (days == 0 ? null : Period.FromDays(days)) : existing?.Cooldown,
                Cap = configured.CapRuns is { } runs && configured.CapDays is { } capDays ? new EnrolmentCap(runs, Period.FromDays(capDays)) : existing?.Cap,
                Experiment = experiment,
            };
        }

        var teams = new Dictionary<string, (IReadOnlyList<string>, AssignmentStrategy)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, team) in options.Teams)
        {
            if (team.Members.Count == 0 || team.Members.Any(string.IsNullOrWhiteSpace) || !Enum.IsDefined(team.Strategy))
            {
                errors.Add($"{prefix}Teams:{role}: needs one or more named members and a strategy of RoundRobin or LeastLoaded.");
                continue;
            }

            teams[role] = (team.Members, team.Strategy);
        }

        var holidays = new List<LocalDate>();
        for (var i = 0; i < options.Holidays.Count; i++)
        {
            var parsed = LocalDatePattern.Iso.Parse(options.Holidays[i] ?? string.Empty);
            if (parsed.Success)
            {
                holidays.Add(parsed.Value);
            }
            else
            {
                errors.Add($"{prefix}Holidays:{i}: '{options.Holidays[i]}' is not an ISO date such as 2026-12-25.");
            }
        }

        if (options.Weekend.Distinct().Count() >= 7 || options.Weekend.Any(d => !Enum.IsDefined(d) || d == IsoDayOfWeek.None))
        {
            errors.Add($"{prefix}Weekend: days of the week (Monday to Sunday), leaving at least one working day.");
        }

        if (options.HandOffLeaseMinutes is < 1 or > 1440)
        {
            errors.Add($"{prefix}HandOffLeaseMinutes: must be 1 to 1440 (was {options.HandOffLeaseMinutes}).");
        }

        if (options.HandOffBatchSize is < 1 or > 100_000)
        {
            errors.Add($"{prefix}HandOffBatchSize: must be 1 to 100000 (was {options.HandOffBatchSize}).");
        }

        if (options.MaxCancellationShare is not (>= 0 and <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}MaxCancellationShare: must be a share from 0 to 1 (was {options.MaxCancellationShare})."));
        }

        if (errors.Count > 0)
        {
            return ([.. playbooks.Values], new OwnerAssigner(), null, PlaybookEngineOptions.Default);
        }

        var calendar = holidays.Count > 0 || options.Weekend.Count > 0 ? new BusinessCalendar(holidays, options.Weekend) : null;
        var engine = new PlaybookEngineOptions
        {
            HandOffLease = Duration.FromMinutes(options.HandOffLeaseMinutes),
            HandOffBatchSize = options.HandOffBatchSize,
            MaxCancellationShare = options.MaxCancellationShare,
            LeaseTime = leaseTime ?? TimeProvider.System,
        };
        return ([.. playbooks.Values], new OwnerAssigner(teams), calendar, engine);
    }

    private static bool IsValidId(string id) => id.Length is >= 1 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static PlaybookExperiment? Experiment(ExperimentOptions options, string key, List<string> errors)
    {
        var count = errors.Count;
        if (string.IsNullOrWhiteSpace(options.Salt) || options.Salt.Length > 64)
        {
            errors.Add($"{key}:Salt: an experiment needs a salt of 1 to 64 characters (was '{options.Salt}').");
        }

        if (!(options.HoldoutShare is > 0 and < 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:HoldoutShare: must be strictly between 0 and 1 (was {options.HoldoutShare})."));
        }

        if (!Enum.IsDefined(options.Strata))
        {
            errors.Add($"{key}:Strata: must be one of {string.Join(", ", Enum.GetNames<ExperimentStrata>())} (was {options.Strata}).");
        }

        var arms = new Dictionary<string, IReadOnlyList<PlaybookStep>>(StringComparer.Ordinal);
        foreach (var (name, steps) in options.Arms)
        {
            if (name is PlaybookExperiment.Treated or PlaybookExperiment.HeldOut)
            {
                errors.Add($"{key}:Arms:{name}: an arm needs a name other than '{PlaybookExperiment.Treated}' and '{PlaybookExperiment.HeldOut}'.");
            }
            else if (steps.Count == 0)
            {
                errors.Add($"{key}:Arms:{name}: an arm needs at least one step.");
            }
            else if (Steps(steps, $"{key}:Arms:{name}", errors) is { } built)
            {
                arms[name] = built;
            }
        }

        if ((options.Strata == ExperimentStrata.Segment) != (options.StrataSegments.Count > 0))
        {
            errors.Add($"{key}:StrataSegments: give the segments exactly when Strata is Segment (Strata {options.Strata}, {options.StrataSegments.Count} segment(s)).");
        }

        return errors.Count > count ? null : new PlaybookExperiment(options.Salt!, options.HoldoutShare) { Strata = options.Strata, StrataSegments = [.. options.StrataSegments], Arms = arms };
    }

    private static List<PlaybookStep>? Steps(List<StepOptions> options, string key, List<string> errors)
    {
        var steps = new List<PlaybookStep>();
        for (var i = 0; i < options.Count; i++)
        {
            var s = options[i];
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(s.Title))
            {
                errors.Add($"{key}:{i}:Title: a step needs a title.");
            }

            if (string.IsNullOrWhiteSpace(s.Role))
            {
                errors.Add($"{key}:{i}:Role: a step needs an owner role (CSM, Executive, ...).");
            }

            if (s.DueDays is < 0 or > MaxOffsetDays)
            {
                errors.Add($"{key}:{i}:DueDays: must be 0 to {MaxOffsetDays} days after the trigger (was {s.DueDays}).");
            }

            if (!Enum.IsDefined(s.Channel))
            {
                errors.Add($"{key}:{i}:Channel: must be one of {string.Join(", ", Enum.GetNames<TaskChannel>())} (was {s.Channel}).");
            }

            if (!Enum.IsDefined(s.Priority))
            {
                errors.Add($"{key}:{i}:Priority: must be one of {string.Join(", ", Enum.GetNames<TaskPriority>())} (was {s.Priority}).");
            }

            if (errors.Count > before)
            {
                continue;
            }

            steps.Add(new PlaybookStep(s.Title!, s.Role, s.Channel, Period.FromDays(s.DueDays), s.Priority));
        }

        return steps.Count == options.Count ? steps : null;
    }

    // A playbook that names a segment the catalog lacks would start cleanly and never fire.
    private static bool CheckSegment(string name, string key, SegmentCatalog? segments, List<string> errors)
    {
        if (segments is null || segments.Contains(name))
        {
            return true;
        }

        errors.Add($"{key}: '{name}' is not a defined segment ({string.Join(", ", segments.Segments.Select(s => s.Name))}).");
        return false;
    }

    private static PlaybookTrigger? Trigger(TriggerOptions t, string key, List<string> errors, SegmentCatalog? segments, LifecycleStageModel? stages)
    {
        string? Need(string? value, string name)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{key}:{name}: required for a {t.Kind} trigger.");
                return null;
            }

            return value;
        }

        switch (t.Kind?.ToUpperInvariant())
        {
            case "HEALTHTURNED":
                if (Need(t.Color, "Color") is not { } color)
                {
                    return null;
                }

                if (HealthColors.TryParse(color, out var c))
                {
                    return PlaybookTrigger.HealthTurned(c);
                }

                errors.Add($"{key}:Color: must be Red, Yellow or Green (was '{color}').");
                return null;
            case "SEGMENTENTERED" or "SEGMENTEXITED":
                return Need(t.Segment, "Segment") is { } segment && CheckSegment(segment, key + ":Segment", segments, errors)
                    ? (t.Kind.Equals("SegmentEntered", StringComparison.OrdinalIgnoreCase) ? PlaybookTrigger.SegmentEntered(segment) : PlaybookTrigger.SegmentExited(segment))
                    : null;
            case "STAGEENTERED":
                if (Need(t.Stage, "Stage") is not { } stage)
                {
                    return null;
                }

                if (!StageId.IsValid(stage))
                {
                    errors.Add($"{key}:Stage: '{stage}' is not a valid stage id.");
                    return null;
                }

                if (stages is not null && !stages.Contains(new StageId(stage)))
                {
                    errors.Add($"{key}:Stage: '{stage}' is not a stage of the model ({string.Join(", ", stages.Stages.Select(s => s.Id))}).");
                    return null;
                }

                return PlaybookTrigger.StageEntered(new StageId(stage));
            case "SIGNALCROSSED":
                var signal = Need(t.Signal, "Signal");
                if (signal is not null && !SignalKey.IsValidName(signal))
                {
                    errors.Add($"{key}:Signal: '{signal}' is not a valid signal name.");
                    return null;
                }

                if (!SignalCriterion.TryParseOperator(t.Operator, out var op))
                {
                    errors.Add($"{key}:Operator: must be ==, !=, <, <=, > or >= (was '{t.Operator}').");
                    return null;
                }

                if (t.Threshold is not { } threshold || !double.IsFinite(threshold))
                {
                    errors.Add($"{key}:Threshold: a finite number is required.");
                    return null;
                }

                return signal is null ? null : PlaybookTrigger.SignalCrossed(new SignalKey(signal), op, threshold);
            case "SEATUTILIZATION":
                if (t.Threshold is { } share && share >= 0 && double.IsFinite(share))
                {
                    return PlaybookTrigger.SeatUtilizationAtLeast(share);
                }

                errors.Add($"{key}:Threshold: a share of 0 or more is required (0.75 = 75 %).");
                return null;
            case "EVENT":
                if (Need(t.Event, "Event") is not { } name)
                {
                    return null;
                }

                var type = LifecycleEventType.WellKnown.FirstOrDefault(e => e.Name == name);
                if (type.IsEmpty)
                {
                    errors.Add($"{key}:Event: '{name}' is not a well-known event type ({string.Join(", ", LifecycleEventType.WellKnown.Select(e => e.Name))}).");
                    return null;
                }

                return PlaybookTrigger.EventOccurred(type, t.MinValue, t.MaxValue);
            case "DATE":
                if (t.Anchor is not { } anchor || !Enum.IsDefined(anchor))
                {
                    errors.Add($"{key}:Anchor: must be RenewalDate, ContractStart, CustomerSince or ChurnedOn.");
                    return null;
                }

                if (t.OffsetDays is < -MaxOffsetDays or > MaxOffsetDays)
                {
                    errors.Add($"{key}:OffsetDays: must be within ±{MaxOffsetDays} days, about a hundred years (was {t.OffsetDays}).");
                    return null;
                }

                if (t.OffsetMonths is < -MaxOffsetMonths or > MaxOffsetMonths)
                {
                    errors.Add($"{key}:OffsetMonths: must be within ±{MaxOffsetMonths} months, a hundred years (was {t.OffsetMonths}).");
                    return null;
                }

                return PlaybookTrigger.DateReached(anchor, Period.FromMonths(t.OffsetMonths) + Period.FromDays(t.OffsetDays));
            default:
                errors.Add($"{key}:Kind: must be HealthTurned, SegmentEntered, SegmentExited, StageEntered, SignalCrossed, SeatUtilization, Event or Date (was '{t.Kind}').");
                return null;
        }
    }
}
