using AppBan.Engine.Cim;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Device exemptions live on the target under HKLM\SOFTWARE\AppBan\Exemptions\&lt;Id&gt;, one key each, with
    /// REG_SZ values named by the constants below. Dates are ISO 8601 UTC ("o" format). HKLM is writable only by
    /// administrators, so these are trusted input.
    /// </summary>
    internal static partial class DeviceExemptionStore
    {
        public const string RootKey = @"SOFTWARE\AppBan\Exemptions";
        public const string RuleIdValue = "RuleId";
        public const string UserSidValue = "UserSid";
        public const string UserNameValue = "UserName";
        public const string ComputerNameValue = "ComputerName";
        public const string ReasonValue = "Reason";
        public const string ApprovedByValue = "ApprovedBy";
        public const string GrantedOnValue = "GrantedOn";
        public const string ExpiresValue = "Expires";
        public const string NotBeforeValue = "NotBefore";

        /// <summary>HKLM-relative path of one exemption's key. The id is checked first because it becomes a path; its
        /// spelling is kept, since the key may have been written in either GUID format.</summary>
        public static string KeyOf(string id)
        {
            if (!ExemptionId.IsValid(id))
                throw new System.ArgumentException("'" + id + "' is not an exemption id: expected a GUID.", nameof(id));
            return RootKey + "\\" + id;
        }

        /// <summary>A failed StdRegProv call on an exemption key as the typed error the cmdlets report.</summary>
        internal static CimException RegistryError(RegistryOutcome outcome, uint returnValue, string computerName, string what) =>
            new CimException(outcome == RegistryOutcome.AccessDenied ? CimErrorKind.AccessDenied : CimErrorKind.ProviderFailure,
                computerName, "Cannot " + what + " on " + computerName + ": " + outcome + " (" + returnValue + ").", returnValue);
    }
}
