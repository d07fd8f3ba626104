using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// The product code of a Windows Installer uninstall entry, by the rule docs/remediation.md gives for MSI: the
    /// entry's ProductCode, else its key name, else an MsiExec /X{GUID} or /I{GUID} in UninstallString; a key name that
    /// is a GUID and differs from the code found elsewhere refuses the entry. RemovalPlanner applies the same rule to
    /// machine entries.
    /// </summary>
    internal static class MsiEntryCode
    {
        /// <summary>True when the entry is removed as a Windows Installer product (its kind, or a valid ProductCode).</summary>
        public static bool IsMsiEntry(InstalledApp app) =>
            app.Kind == AppKind.Msi || MsiProductCode.IsValid(app.ProductCode);

        /// <summary>The upper-case product code, or null with the reason in <paramref name="refusal"/>.</summary>
        public static string Resolve(InstalledApp app, TargetEnvironment environment, out string refusal)
        {
            refusal = null;
            var keyCode = MsiProductCode.TryNormalize(app.KeyName);
            var code = MsiProductCode.TryNormalize(app.ProductCode) ?? keyCode;
            if (code == null)
            {
                // Only the product code is taken from the string, so the default folders do for expansion.
                var parsed = UninstallCommandParser.Parse(app.UninstallString, environment ?? TargetEnvironment.WindowsDefaults);
                if (parsed.Success && parsed.Command.Form == UninstallCommandForm.Msi) code = parsed.Command.ProductCode;
            }
            if (code == null)
            {
                refusal = "the Windows Installer entry has no product code that validates as a GUID";
                return null;
            }
            return Matches(code, keyCode, out refusal) ? code : null;
        }

        /// <summary>A code found in an uninstall string must be the entry's own when its key name is a GUID.</summary>
        public static bool Matches(string code, string keyCode, out string refusal)
        {
            refusal = keyCode != null && keyCode != code ? "the product code " + code + " does not match the entry's key " + keyCode : null;
            return refusal == null;
        }
    }
}
