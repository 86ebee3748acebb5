namespace CustomerLifecycle.Usage;

public sealed partial class UsageAggregator
{
    /// <summary>Everything an aggregator knows; replaced whole when a saved state is loaded.</summary>
    private sealed class State
    {
        public State(UsageModel model)
        {
            Ids = new EventIdSet(model.RingDays);
        }

        /// <summary>The newest day of the ring (epoch day), two days after the latest today seen; <see cref="AccountUsage.NoDay"/> before the first call.</summary>
        public int Top = AccountUsage.NoDay;

        public readonly List<AccountId> Accounts = [];

        public readonly Slabs Slabs = new();

        public readonly Dictionary<AccountId, int> AccountRows = [];

        public readonly List<AccountUsage?> Usage = [];

        /// <summary>The user table: each user's name, or null for a user given by an integer key (<see cref="UserKeyOf"/>).</summary>
        public List<string?> UserNames = [];

        /// <summary>Each user's key, for a user given by one (0 for a name).</summary>
        public List<long> UserKeyOf = [];

        /// <summary>Users given by name, to their index in <see cref="UserNames"/>.</summary>
        public Dictionary<string, int> Users = new(StringComparer.Ordinal);

        /// <summary>Users given by the host's integer keys, to their index in <see cref="UserNames"/>: a key is looked up, and kept with no text.</summary>
        public Dictionary<long, int> UserKeys = [];

        /// <summary>A user as the saved state writes it: the name, or for a key a NUL, then the key in decimal.</summary>
        public string SavedUser(int user) => UserNames[user] ?? KeyText(UserKeyOf[user]);

        public readonly List<string> EventNames = [];

        public readonly Dictionary<string, int> Names = new(StringComparer.Ordinal);

        public readonly List<ulong> NameMask = [];

        public readonly List<bool> IsFeature = [];

        /// <summary>Ids applied inside the ring, by the ring slot of their day, forgotten when it leaves.</summary>
        public readonly EventIdSet Ids;

        /// <summary>An account's rollups, made with its first event.</summary>
        public AccountUsage Rollups(int account, UsageModel model) => Usage[account] ??= new AccountUsage(model, Slabs, EventNames.Count);

        public int AccountIndex(AccountId account, UsageModel model)
        {
            if (!AccountRows.TryGetValue(account, out var index))
            {
                index = Accounts.Count;
                Accounts.Add(account);
                AccountRows.Add(account, index);
                Usage.Add(null);
            }

            return index;
        }

        public int UserIndex(string user)
        {
            if (!Users.TryGetValue(user, out var index))
            {
                index = UserNames.Count;
                UserNames.Add(user);
                UserKeyOf.Add(0);
                Users.Add(user, index);
            }

            return index;
        }

        public int UserIndex(long key)
        {
            if (!UserKeys.TryGetValue(key, out var index))
            {
                index = UserNames.Count;
                UserNames.Add(null);
                UserKeyOf.Add(key);
                UserKeys.Add(key, index);
            }

            return index;
        }

        /// <summary>A user key as the user table holds it: a NUL, then the key in decimal.</summary>
        public static string KeyText(long key) => "\0" + key.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Adds a user read from a saved state: a name, or a key (a NUL, then the key).</summary>
        public int LoadedUser(string user)
        {
            if (user.Length > 1 && user[0] == '\0' && long.TryParse(user.AsSpan(1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var key) && KeyText(key) == user)
            {
                return UserIndex(key);
            }

            return StoredText.IndexOfProblem(user) < 0 && !string.IsNullOrWhiteSpace(user)
                ? UserIndex(user)
                : throw new InvalidDataException($"The usage state is damaged: a user is neither a name nor a key.");
        }

        public int NameIndex(string name, UsageModel model)
        {
            if (!Names.TryGetValue(name, out var index))
            {
                index = EventNames.Count;
                EventNames.Add(name);
                Names.Add(name, index);
                NameMask.Add(model.FilterMask(name));
                IsFeature.Add(model.IsFeature(name));
            }

            return index;
        }

        /// <summary>
        /// Forgets the users no account keeps a day of (their days have left the ring), renumbering the others in their
        /// order, so that the table holds what a state built from the kept days alone holds and does not grow for ever
        /// in a long-running worker. Called when days leave the ring (once a day): one pass over the accounts' users.
        /// </summary>
        public void ForgetUsers()
        {
            if (UserNames.Count == 0)
            {
                return;
            }

            var used = new bool[UserNames.Count];
            var live = 0;
            foreach (var a in Usage)
            {
                if (a is null)
                {
                    continue;
                }

                foreach (var u in a.Users.AsSpan(0, a.UserCount))
                {
                    if (!used[u])
                    {
                        used[u] = true;
                        live++;
                    }
                }
            }

            if (live == UserNames.Count)
            {
                return;
            }

            var remap = new int[UserNames.Count];
            var names = new List<string?>(live);
            var keyOf = new List<long>(live);
            var users = new Dictionary<string, int>(Users.Count == 0 ? 0 : live, StringComparer.Ordinal);
            var keys = new Dictionary<long, int>(UserKeys.Count == 0 ? 0 : live);
            for (var u = 0; u < UserNames.Count; u++)
            {
                remap[u] = used[u] ? names.Count : -1;
                if (used[u])
                {
                    if (UserNames[u] is { } name)
                    {
                        users.Add(name, names.Count);
                    }
                    else
                    {
                        keys.Add(UserKeyOf[u], names.Count);
                    }

                    names.Add(UserNames[u]);
                    keyOf.Add(UserKeyOf[u]);
                }
            }

            foreach (var a in Usage)
            {
                a?.RenumberUsers(remap);
            }

            UserNames = names;
            UserKeyOf = keyOf;
            Users = users;
            UserKeys = keys;
        }
    }
}
