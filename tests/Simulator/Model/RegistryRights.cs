namespace AppBan.Simulator.Model;

/// <summary>What a standard (not elevated) account may do in the registry; administrators may do everything.</summary>
public static class RegistryRights
{
    /// <summary>The hives of the machine's service accounts and the default profile, which everyone may read.</summary>
    private static readonly string[] SystemHives = [".DEFAULT", "S-1-5-18", "S-1-5-19", "S-1-5-20", "S-1-5-19_Classes", "S-1-5-20_Classes"];

    /// <summary>
    /// Whether a standard account is refused <paramref name="fullPath"/> (HKLM\... or HKU\...): it reads HKLM but does not
    /// write it, reads and writes its own hives (HKU\&lt;SID&gt; and HKU\&lt;SID&gt;_Classes) except the policy keys in it, and
    /// reads no other user's hive.
    /// </summary>
    public static bool DeniedToStandardUser(Account account, string fullPath, bool write)
    {
        var parts = RegistryStore.Split(fullPath);
        if (parts.Length == 0) return true;
        switch (parts[0].ToUpperInvariant())
        {
            case "HKLM" or "HKEY_LOCAL_MACHINE":
                return write && parts.Length > 1;
            case "HKU" or "HKEY_USERS":
                if (parts.Length == 1) return write;
                var hive = parts[1];
                if (Eq(hive, account.Sid)) return write && IsPolicyKey(parts[2..]);
                if (Eq(hive, account.Sid + "_Classes")) return false;
                return write || !SystemHives.Any(h => Eq(h, hive));
            default:
                return true;
        }
    }

    /// <summary>
    /// Software\Policies in a user's hive: its security grants the user read only, so that policy set for them stays set
    /// [guess W083].
    /// </summary>
    public static bool IsPolicyKey(string[] pathInHive) =>
        pathInHive.Length >= 2 && Eq(pathInHive[0], "Software") && Eq(pathInHive[1], "Policies");

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
