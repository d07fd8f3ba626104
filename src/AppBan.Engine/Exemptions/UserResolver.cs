using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Exemptions
{
    /// <summary>A user found on a target: the SID always, the DOMAIN\name when the target could tell it.</summary>
    public sealed class ResolvedUser
    {
        public ResolvedUser(string sid, string accountName, string source)
        {
            Sid = sid;
            AccountName = accountName;
            Source = source;
        }

        public string Sid { get; }
        public string AccountName { get; }
        /// <summary>Where the answer came from: "Win32_UserAccount" or "ProfileList".</summary>
        public string Source { get; }
    }

    /// <summary>
    /// Resolves a user on the target, so that a device exemption stores both the SID (what findings carry) and
    /// the account name (what people read). First Win32_UserAccount, restricted to the device's local accounts; then
    /// the ProfileList, which knows every user who has a profile on the device: domain users (without asking a domain
    /// controller) and Entra ID users (S-1-12-1-..., whom Win32_UserAccount does not list [guess W011]).
    /// A user found by neither is an error: nothing is written for a user the device does not know.
    /// </summary>
    internal sealed class UserResolver
    {
        public const string ProfileListKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";
        public const string SourceUserAccount = "Win32_UserAccount";
        public const string SourceProfileList = "ProfileList";

        private readonly ICimSession session;
        private readonly RegistryClient registry;
        private readonly CimCallOptions options;

        public UserResolver(ICimSession session, CimCallOptions options = null)
        {
            this.session = session ?? throw new ArgumentNullException(nameof(session));
            this.options = options ?? CimCallOptions.Default;
            registry = new RegistryClient(session, this.options);
        }

        private string ComputerName => session.ComputerName;

        public async Task<ResolvedUser> ResolveAsync(UserReference user, CancellationToken ct = default)
        {
            if (user == null) throw new ArgumentNullException(nameof(user));
            var byAccount = await QueryUserAccountAsync(user, ct).ConfigureAwait(false);
            if (byAccount != null) return byAccount;
            var byProfile = user.IsSid
                ? await ProfileBySidAsync(user.Sid, ct).ConfigureAwait(false)
                : await ProfileByNameAsync(user, ct).ConfigureAwait(false);
            if (byProfile != null) return byProfile;
            throw new ExemptionException(ExemptionErrorKind.UserNotFound, ComputerName,
                "The user '" + user + "' is not known on " + ComputerName + " (neither Win32_UserAccount nor the ProfileList has it). Nothing was written.");
        }

        private async Task<ResolvedUser> QueryUserAccountAsync(UserReference user, CancellationToken ct)
        {
            // Enumerating Win32_UserAccount on a domain member lists the domain's accounts too, which "can negatively
            // affect performance" on a large network [doc: Win32_UserAccount]; "LocalAccount=TRUE" retrieves only the
            // accounts defined on the machine [doc: Win32_Account, LocalAccount]. [guess W014] A query by SID, which is not
            // a key, would otherwise enumerate the domain. Domain and Entra ID users are resolved from the ProfileList.
            var wql = user.IsSid
                ? "SELECT SID, Name, Domain FROM Win32_UserAccount WHERE LocalAccount=TRUE AND SID=" + UserReference.WqlString(user.Sid)
                : "SELECT SID, Name, Domain FROM Win32_UserAccount WHERE LocalAccount=TRUE AND Name=" + UserReference.WqlString(user.Name) +
                  " AND Domain=" + UserReference.WqlString(user.Domain);
            var found = new List<CimObject>();
            try
            {
                await session.QueryAsync(@"root\cimv2", wql, o => { lock (found) found.Add(o); }, options.With(ct)).ConfigureAwait(false);
            }
            catch (CimException ex) when (IsClassLevelFailure(ex.Kind))
            {
                return null;
            }
            foreach (var o in found)
            {
                var sid = o["SID"].AsString();
                if (!UserReference.IsValidSid(sid)) continue;
                var name = o["Name"].AsString();
                var domain = o["Domain"].AsString();
                var account = string.IsNullOrEmpty(name) || string.IsNullOrEmpty(domain) ? user.AccountName : domain + "\\" + name;
                return new ResolvedUser(sid.ToUpperInvariant(), account, SourceUserAccount);
            }
            return null;
        }

        /// <summary>Failures that say "this class cannot answer here", not "this target is gone".</summary>
        private static bool IsClassLevelFailure(CimErrorKind kind)
        {
            switch (kind)
            {
                case CimErrorKind.InvalidClass:
                case CimErrorKind.InvalidNamespace:
                case CimErrorKind.InvalidQuery:
                case CimErrorKind.NotSupported:
                case CimErrorKind.NotFound:
                case CimErrorKind.ProviderFailure:
                case CimErrorKind.AccessDenied:
                case CimErrorKind.Timeout:
                case CimErrorKind.QuotaExceeded:
                    return true;
                default:
                    return false;
            }
        }

        private async Task<ResolvedUser> ProfileBySidAsync(string sid, CancellationToken ct)
        {
            var path = await ReadProfilePathAsync(sid, ct).ConfigureAwait(false);
            // The profile proves the SID is a user of this device; its folder is not a DOMAIN\name, so no name is stored.
            return path == null ? null : new ResolvedUser(sid, null, SourceProfileList);
        }

        private async Task<ResolvedUser> ProfileByNameAsync(UserReference user, CancellationToken ct)
        {
            var keys = await registry.EnumKeyAsync(RegistryHive.LocalMachine, ProfileListKey, ct).ConfigureAwait(false);
            if (keys.Outcome == RegistryOutcome.KeyNotFound) return null;
            if (!keys.Success) throw DeviceExemptionStore.RegistryError(keys.Outcome, keys.ReturnValue, ComputerName, "read HKLM\\" + ProfileListKey);

            // Only people's accounts (local, domain, Entra ID) have profiles worth matching; the key names come from
            // the target and are checked before they are used in a path.
            var sids = keys.Value.Where(SecurityIdentifiers.IsUserAccount).ToList();
            var paths = await Task.WhenAll(sids.Select(s => ReadProfilePathAsync(s, ct))).ConfigureAwait(false);

            // [guess W013] A profile folder is named after the account, and gets ".DOMAIN" (or ".COMPUTER") appended when
            // a folder of that name already exists. The folder cannot prove the domain, so a plain "name" match is
            // accepted only when it is the only one. [guess W012] An Entra ID user shows as AzureAD\<name> (whoami), and
            // the folder is said to be named after the UPN's prefix or the display name, so AzureAD\<folder name>
            // resolves only when the folder matches that name.
            var qualified = new List<string>();
            var plain = new List<string>();
            for (var i = 0; i < sids.Count; i++)
            {
                var leaf = Leaf(paths[i]);
                if (leaf == null) continue;
                if (string.Equals(leaf, user.Name + "." + user.Domain, StringComparison.OrdinalIgnoreCase)) qualified.Add(sids[i]);
                else if (string.Equals(leaf, user.Name, StringComparison.OrdinalIgnoreCase)) plain.Add(sids[i]);
            }
            var matches = qualified.Count > 0 ? qualified : plain;
            if (matches.Count == 0) return null;
            if (matches.Count > 1)
                throw new ExemptionException(ExemptionErrorKind.UserAmbiguous, ComputerName,
                    "The user '" + user + "' matches several profiles on " + ComputerName + " (" + string.Join(", ", matches) +
                    "). Give the SID instead. Nothing was written.");
            return new ResolvedUser(matches[0].ToUpperInvariant(), user.AccountName, SourceProfileList);
        }

        /// <summary>ProfileImagePath of one profile, or null when there is no such profile.</summary>
        private async Task<string> ReadProfilePathAsync(string sid, CancellationToken ct)
        {
            var key = ProfileListKey + "\\" + sid;
            // [guess W007] ProfileImagePath is REG_EXPAND_SZ (%SystemDrive%\Users\name); accept REG_SZ too.
            var r = await registry.GetExpandedStringValueAsync(RegistryHive.LocalMachine, key, "ProfileImagePath", ct).ConfigureAwait(false);
            if (r.Outcome == RegistryOutcome.TypeMismatch)
                r = await registry.GetStringValueAsync(RegistryHive.LocalMachine, key, "ProfileImagePath", ct).ConfigureAwait(false);
            if (r.Outcome == RegistryOutcome.KeyNotFound || r.Outcome == RegistryOutcome.ValueNotFound) return null;
            if (!r.Success) throw DeviceExemptionStore.RegistryError(r.Outcome, r.ReturnValue, ComputerName, "read HKLM\\" + key);
            return string.IsNullOrEmpty(r.Value) ? null : r.Value;
        }

        private static string Leaf(string path)
        {
            if (string.IsNullOrEmpty(path)) return null;
            var trimmed = path.TrimEnd('\\', '/');
            var cut = Math.Max(trimmed.LastIndexOf('\\'), trimmed.LastIndexOf('/'));
            return cut < 0 ? trimmed : trimmed.Substring(cut + 1);
        }
    }
}
