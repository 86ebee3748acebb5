using CustomerLifecycle.Events;

namespace CustomerLifecycle.Contacts;

/// <summary>The outcome of recording that a contact left: the new roster, and the risk event when a champion left.</summary>
/// <param name="Contacts">The roster with the contact marked as left.</param>
/// <param name="ChampionLeft">A <see cref="LifecycleEventType.ChampionLeft"/> event when the contact was a champion; otherwise null.</param>
public sealed record ContactDeparture(AccountContacts Contacts, LifecycleEvent? ChampionLeft);
