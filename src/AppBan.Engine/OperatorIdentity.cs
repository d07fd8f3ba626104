using System;

namespace AppBan.Engine
{
    /// <summary>Who runs AppBan, as reports, exemption changes and the audit trail name them.</summary>
    public static class OperatorIdentity
    {
        /// <summary>DOMAIN\name of the account running this process (just the name where there is no domain); null if unknown.</summary>
        public static string Current()
        {
            try
            {
                var domain = Environment.UserDomainName;
                var user = Environment.UserName;
                return string.IsNullOrEmpty(domain) ? user : domain + "\\" + user;
            }
            catch (Exception) { return null; }
        }
    }
}
