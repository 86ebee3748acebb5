namespace CustomerLifecycle.Contacts;

/// <summary>The personas a contact plays for the account; a contact may play several.</summary>
[Flags]
public enum ContactRoles
{
    /// <summary>No persona recorded.</summary>
    None = 0,

    /// <summary>Uses the product day to day.</summary>
    User = 1,

    /// <summary>Champions the product inside the customer; their departure is a risk signal.</summary>
    Champion = 2,

    /// <summary>Holds the budget and signs the renewal.</summary>
    EconomicBuyer = 4,

    /// <summary>The executive who sponsors the relationship.</summary>
    ExecutiveSponsor = 8,
}
