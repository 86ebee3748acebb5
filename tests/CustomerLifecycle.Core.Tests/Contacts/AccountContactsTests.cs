using CustomerLifecycle.Contacts;
using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Contacts;

public sealed class AccountContactsTests
{
    private static readonly AccountId Acme = new("acme");

    private static Contact Person(string id, ContactRoles roles) => new() { Id = id, Account = Acme, Name = "Person " + id, Roles = roles };

    [Fact]
    public void MissingPersonas_ListsKeyPersonasNobodyCovers()
    {
        var contacts = AccountContacts.Empty(Acme)
            .Add(Person("u1", ContactRoles.User))
            .Add(Person("c1", ContactRoles.User | ContactRoles.Champion));
        Assert.Equal(ContactRoles.EconomicBuyer | ContactRoles.ExecutiveSponsor, contacts.MissingPersonas);
        Assert.True(contacts.HasActiveChampion);
    }

    [Fact]
    public void RecordDeparture_OfChampion_RaisesChampionLeftEvent()
    {
        var at = Instant.FromUtc(2026, 5, 1, 12, 0);
        var contacts = AccountContacts.Empty(Acme).Add(Person("c1", ContactRoles.Champion)).Add(Person("u1", ContactRoles.User));

        var departure = contacts.RecordDeparture("c1", at);

        Assert.NotNull(departure.ChampionLeft);
        Assert.Equal(LifecycleEventType.ChampionLeft, departure.ChampionLeft.Type);
        Assert.Equal(at, departure.ChampionLeft.At);
        Assert.False(departure.Contacts.HasActiveChampion);
        Assert.True(departure.Contacts.MissingPersonas.HasFlag(ContactRoles.Champion));
        Assert.True(contacts.HasActiveChampion); // the original roster is unchanged
        Assert.Null(departure.Contacts.RecordDeparture("u1", at).ChampionLeft);
    }

    [Fact]
    public void BadRequests_AreRefused()
    {
        var contacts = AccountContacts.Empty(Acme).Add(Person("c1", ContactRoles.Champion));
        Assert.Throws<ArgumentException>(() => contacts.Add(Person("c1", ContactRoles.User)));
        Assert.Throws<ArgumentException>(() => contacts.Add(Person("x", ContactRoles.User) with { Account = new AccountId("other") }));
        Assert.Throws<ArgumentException>(() => contacts.RecordDeparture("nobody", Instant.MinValue));
        var left = contacts.RecordDeparture("c1", Instant.FromUtc(2026, 1, 1, 0, 0)).Contacts;
        Assert.Throws<InvalidOperationException>(() => left.RecordDeparture("c1", Instant.FromUtc(2026, 2, 1, 0, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Person("y", (ContactRoles)64));
    }
}
