using NodaTime;

namespace CustomerLifecycle.Contacts;

/// <summary>A person at a customer account and the personas they play.</summary>
/// <remarks>Each property is checked when set, <c>with</c> expressions included. This type is immutable and thread-safe.</remarks>
public sealed record Contact
{
    private readonly string _id = string.Empty;
    private readonly AccountId _account;
    private readonly string _name = string.Empty;
    private readonly ContactRoles _roles;

    /// <summary>The contact's identifier, unique within the account. Required.</summary>
    /// <exception cref="ArgumentException">The value is blank, padded or too long.</exception>
    public required string Id
    {
        get => _id;
        init
        {
            AccountId.Validate(value, nameof(Id));
            _id = value;
        }
    }

    /// <summary>The account the contact works for. Required; not default.</summary>
    /// <exception cref="ArgumentException">The value is default.</exception>
    public required AccountId Account
    {
        get => _account;
        init => _account = value.IsEmpty ? throw new ArgumentException("Contact.Account must name an account.", nameof(Account)) : value;
    }

    /// <summary>The contact's name. Required; not blank.</summary>
    /// <exception cref="ArgumentException">The value is blank.</exception>
    public required string Name
    {
        get => _name;
        init => _name = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"Contact.Name must not be blank (was '{value}').", nameof(Name)) : value;
    }

    /// <summary>The contact's email address, if known.</summary>
    public string? Email { get; init; }

    /// <summary>The contact's job title, if known.</summary>
    public string? Title { get; init; }

    /// <summary>The personas the contact plays.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value has undefined bits.</exception>
    public ContactRoles Roles
    {
        get => _roles;
        init => _roles = (value & ~(ContactRoles.User | ContactRoles.Champion | ContactRoles.EconomicBuyer | ContactRoles.ExecutiveSponsor)) != 0
            ? throw new ArgumentOutOfRangeException(nameof(Roles), value, "Contact.Roles has undefined persona bits.")
            : value;
    }

    /// <summary>When the contact left the account, or null while they are there.</summary>
    public Instant? LeftAt { get; init; }

    /// <summary>True while the contact is at the account.</summary>
    public bool IsActive => LeftAt is null;

    /// <summary>True when the contact plays every persona in <paramref name="roles"/>.</summary>
    /// <param name="roles">The personas.</param>
    public bool Plays(ContactRoles roles) => roles != ContactRoles.None && (Roles & roles) == roles;
}
