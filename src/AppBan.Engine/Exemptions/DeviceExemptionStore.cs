namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Device exemptions live on the target under HKLM\SOFTWARE\AppBan\Exemptions\&lt;Id&gt;, one key each, with
    /// REG_SZ values named by the constants below. Dates are ISO 8601 UTC ("o" format). HKLM is writable only by
    /// administrators, so these are trusted input.
    /// </summary>
    public static partial class DeviceExemptionStore
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
    }
}
