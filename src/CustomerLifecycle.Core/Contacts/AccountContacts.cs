using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Contacts;

/// <summary>
/// The contacts of one account and the personas they cover. Knows which personas have nobody (no champion, no
/// economic buyer, no executive sponsor) and turns a champion's departure into a risk event.
/// </summary>
/// <remarks>This type is immutable and thread-safe: each change returns a new roster.</remarks>
public sealed class AccountContacts
{
    private const ContactRoles KeyPersonas = ContactRoles.Champion | ContactRoles.EconomicBuyer | ContactRoles.ExecutiveSponsor;
    private readonly Contact[] _contacts;

    private AccountContacts(AccountId account, Contact[] contacts)
    {
        Account = account;
        _contacts = contacts;
    }

    /// <summary>The account.</summary>
    public AccountId Account { get; }

    /// <summary>Every contact, present or departed, in the order added.</summary>
    public IReadOnlyList<Contact> All => _contacts;

    /// <summary>True when an active contact is a champion.</summary>
    public bool HasActiveChampion => WithRole(ContactRoles.Champion).Count > 0;

    /// <summary>
    /// The key personas (champion, economic buyer, executive sponsor) that no active contact covers; a gap in the
    /// relationship that the documents treat as a risk.
    /// </summary>
    public ContactRoles MissingPersonas
    {
        get
        {
            var covered = ContactRoles.None;
            foreach (var c in _contacts)
            {
                if (c.IsActive)
                {
                    covered |= c.Roles;
                }
            }

            return KeyPersonas & ~covered;
        }
    }

    /// <summary>An empty roster for an account.</summary>
    /// <param name="account">The account.</param>
    /// <exception cref="ArgumentException"><paramref name="account"/> is default.</exception>
    public static AccountContacts Empty(AccountId account)
    {
        if (account.IsEmpty)
        {
            throw new ArgumentException("A contact roster needs an account; default(AccountId) names none.", nameof(account));
        }

        return new AccountContacts(account, []);
    }

    /// <summary>The active contacts who play every persona in <paramref name="roles"/>.</summary>
    /// <param name="roles">The personas.</param>
    public IReadOnlyList<Contact> WithRole(ContactRoles roles) => [.. _contacts.Where(c => c.IsActive && c.Plays(roles))];

    /// <summary>Gets a contact by id.</summary>
    /// <param name="contactId">The contact's id.</param>
    /// <exception cref="ArgumentException">There is no such contact.</exception>
    public Contact Get(string contactId) => _contacts[IndexOf(contactId)];

    /// <summary>Returns a roster with <paramref name="contact"/> added.</summary>
    /// <param name="contact">A contact of this account with a new id.</param>
    /// <exception cref="ArgumentException">The contact belongs to another account or its id is taken.</exception>
    public AccountContacts Add(Contact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (contact.Account != Account)
        {
            throw new ArgumentException($"Contact '{contact.Id}' works for account '{contact.Account}', not '{Account}'.", nameof(contact));
        }

        if (_contacts.Any(c => c.Id == contact.Id))
        {
            throw new ArgumentException($"Account '{Account}' already has a contact with id '{contact.Id}'.", nameof(contact));
        }

        return new AccountContacts(Account, [.. _contacts, contact]);
    }

    /// <summary>Returns a roster in which a contact plays other personas.</summary>
    /// <param name="contactId">The contact's id.</param>
    /// <param name="roles">The new personas.</param>
    /// <exception cref="ArgumentException">There is no such contact.</exception>
    public AccountContacts SetRoles(string contactId, ContactRoles roles)
    {
        var index = IndexOf(contactId);
        var contacts = (Contact[])_contacts.Clone();
        contacts[index] = contacts[index] with { Roles = roles };
        return new AccountContacts(Account, contacts);
    }

    /// <summary>
    /// Records that a contact left the account. When the contact was an active champion, the result carries a
    /// <see cref="LifecycleEventType.ChampionLeft"/> event to feed health scores and playbooks.
    /// </summary>
    /// <param name="contactId">The contact's id.</param>
    /// <param name="at">When they left.</param>
    /// <exception cref="ArgumentException">There is no such contact.</exception>
    /// <exception cref="InvalidOperationException">The contact has already left.</exception>
    public ContactDeparture RecordDeparture(string contactId, Instant at)
    {
        var index = IndexOf(contactId);
        var contact = _contacts[index];
        if (contact.LeftAt is { } left)
        {
            throw new InvalidOperationException($"Contact '{contactId}' of account '{Account}' already left at {left}.");
        }

        var contacts = (Contact[])_contacts.Clone();
        contacts[index] = contact with { LeftAt = at };
        LifecycleEvent? championLeft = contact.Plays(ContactRoles.Champion)
            ? new LifecycleEvent { Account = Account, Type = LifecycleEventType.ChampionLeft, At = at, Actor = contact.Name, Note = $"Champion {contact.Name} left." }
            : null;
        return new ContactDeparture(new AccountContacts(Account, contacts), championLeft);
    }

    private int IndexOf(string contactId)
    {
        var index = Array.FindIndex(_contacts, c => c.Id == contactId);
        return index >= 0 ? index : throw new ArgumentException($"Account '{Account}' has no contact with id '{contactId}'.", nameof(contactId));
    }
}
