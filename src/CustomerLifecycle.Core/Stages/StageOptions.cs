namespace CustomerLifecycle.Stages;

/// <summary>One stage of a configured lifecycle model.</summary>
public sealed class StageOptions
{
    /// <summary>The stage's identifier.</summary>
    /// <value>The default value is null; required: ASCII letters, digits, '_' or '-', starting with a letter.</value>
    public string? Id { get; set; }

    /// <summary>The name shown to people.</summary>
    /// <value>The default value is null: the identifier.</value>
    public string? DisplayName { get; set; }

    /// <summary>The stage's category: <c>PreCustomer</c>, <c>Customer</c> or <c>Terminal</c>.</summary>
    /// <value>The default value is null; required.</value>
    public string? Category { get; set; }

    /// <summary>The stage's position; unique.</summary>
    /// <value>The default value is null: after every stage declared before it.</value>
    public int? Order { get; set; }

    /// <summary>What the stage means.</summary>
    /// <value>The default value is null.</value>
    public string? Description { get; set; }

    /// <summary>The conditions to enter the stage automatically, all of which must hold.</summary>
    /// <value>The default value is empty: only explicit moves enter the stage.</value>
    public IList<StageCriterionOptions> EntryCriteria { get; set; } = [];
}
