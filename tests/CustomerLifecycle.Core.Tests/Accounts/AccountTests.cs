using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class AccountTests
{
    private static Account Acme() => new() { Id = new AccountId("acme"), Name = "Acme" };

    [Fact]
    public void With_BlankName_IsRefusedEvenThroughWithExpression()
    {
        var ex = Assert.Throws<ArgumentException>(() => Acme() with { Name = " " });
        Assert.Equal("Name", ex.ParamName);
    }

    [Fact]
    public void Id_Default_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new Account { Id = default, Name = "x" });

    [Fact]
    public void ParentId_Self_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Acme() with { ParentId = new AccountId("acme") });
        Assert.Throws<ArgumentException>(() => new Account { ParentId = new AccountId("acme"), Id = new AccountId("acme"), Name = "x" });
    }

    [Fact]
    public void Signals_Null_IsRefused() =>
        Assert.Throws<ArgumentNullException>(() => Acme() with { Signals = null! });

    [Fact]
    public void TenureDays_CountsWholeDaysAndIsNullWhenUnknown()
    {
        var account = Acme() with { CustomerSince = new LocalDate(2024, 2, 28) };
        Assert.Equal(366, account.TenureDays(new LocalDate(2025, 2, 28)));
        Assert.Null(Acme().TenureDays(new LocalDate(2025, 2, 28)));
    }

    [Fact]
    public void SeatUtilization_UsesContractSeats_AndIsNullWhenMissing()
    {
        var contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(1m, "USD"), 200);
        var account = Acme() with { Contract = contract, Signals = SignalSet.Create([new(WellKnownSignals.ActiveSeats, 150)]) };
        Assert.Equal(0.75, account.SeatUtilization);
        Assert.Null((account with { Signals = SignalSet.Empty }).SeatUtilization);
        Assert.Null((account with { Contract = null }).SeatUtilization);
        var fromSignal = account with { Contract = null, Signals = account.Signals.With(WellKnownSignals.LicensedSeats, 300) };
        Assert.Equal(0.5, fromSignal.SeatUtilization);
    }

    [Fact]
    public void LicensedSeats_PrefersTheContract_ThenTheSignal()
    {
        var contract = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(1m, "USD"), 200);
        var both = Acme() with { Contract = contract, Signals = SignalSet.Create([new(WellKnownSignals.LicensedSeats, 300)]) };
        Assert.Equal(200, both.LicensedSeats);
        Assert.Equal(300, (both with { Contract = null }).LicensedSeats);
        var seatless = new Contract(new LocalDate(2026, 1, 1), new LocalDate(2027, 1, 1), new Money(1m, "USD"), 0);
        Assert.Equal(300, (both with { Contract = seatless }).LicensedSeats);
        Assert.Null(Acme().LicensedSeats);
    }

    [Fact]
    public void Records_CompareByValue()
    {
        var a = Acme() with { Stage = DefaultLifecycleStages.Adoption, Signals = SignalSet.Create([new(WellKnownSignals.Nps, 9)]) };
        var b = Acme() with { Stage = new StageId("adoption"), Signals = SignalSet.Create([new(WellKnownSignals.Nps, 9)]) };
        Assert.Equal(a, b);
    }
}
