using System;
using System.Net;
using Microsoft.Management.Infrastructure.Options;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Engine.Cim.Mi
{
    /// <summary>Creates MI-backed sessions. Call only on Windows, or with a CimSession the user already holds.</summary>
    internal static class MiSessions
    {
        /// <summary>Wraps a user's CimSession (from -CimSession); the user keeps ownership.</summary>
        public static ICimSession Wrap(object cimSession, TimeSpan? operationTimeout)
        {
            var session = cimSession as MiCimSession ?? throw new ArgumentException("Not a CimSession.", nameof(cimSession));
            return new MiSession(session, ComputerNameOf(session), ownsSession: false, defaultTimeout: operationTimeout);
        }

        public static string ComputerNameOf(object cimSession)
        {
            var session = cimSession as MiCimSession ?? throw new ArgumentException("Not a CimSession.", nameof(cimSession));
            return string.IsNullOrEmpty(session.ComputerName) ? "localhost" : session.ComputerName;
        }

        public static ICimSession Create(CimTarget target)
        {
            if (target.IsLocal)
                return new MiSession(MiCimSession.Create(null), target.ComputerName, ownsSession: true, defaultTimeout: target.OperationTimeout);

            var options = new WSManSessionOptions
            {
                DestinationPort = (uint)target.EffectivePort,
                UseSsl = target.UseSsl,
            };
            if (target.SkipCertificateCheck)
            {
                options.CertCACheck = false;
                options.CertCNCheck = false;
                options.CertRevocationCheck = false;
            }
            if (target.Credential != null)
                options.AddDestinationCredentials(Credential(target.Credential, target.Authentication));
            else if (target.Authentication != CimAuthentication.Default)
                options.AddDestinationCredentials(new CimCredential(ImpersonatedMechanism(target.Authentication)));

            try
            {
                var session = MiCimSession.Create(target.Host, options);
                return new MiSession(session, target.ComputerName, ownsSession: true, defaultTimeout: target.OperationTimeout);
            }
            catch (Microsoft.Management.Infrastructure.CimException ex)
            {
                throw MiErrors.ToCimException(ex, target.ComputerName);
            }
        }

        private static CimCredential Credential(NetworkCredential credential, CimAuthentication auth)
        {
            var user = credential.UserName;
            var domain = credential.Domain;
            if (string.IsNullOrEmpty(domain) && user.Contains("\\"))
            {
                var i = user.IndexOf('\\');
                domain = user.Substring(0, i);
                user = user.Substring(i + 1);
            }
            return new CimCredential(PasswordMechanism(auth), domain ?? string.Empty, user, credential.SecurePassword);
        }

        private static PasswordAuthenticationMechanism PasswordMechanism(CimAuthentication auth)
        {
            switch (auth)
            {
                case CimAuthentication.Basic: return PasswordAuthenticationMechanism.Basic;
                case CimAuthentication.Negotiate: return PasswordAuthenticationMechanism.Negotiate;
                case CimAuthentication.Ntlm: return PasswordAuthenticationMechanism.NtlmDomain;
                case CimAuthentication.Kerberos: return PasswordAuthenticationMechanism.Kerberos;
                default: return PasswordAuthenticationMechanism.Default;
            }
        }

        private static ImpersonatedAuthenticationMechanism ImpersonatedMechanism(CimAuthentication auth)
        {
            switch (auth)
            {
                case CimAuthentication.Negotiate: return ImpersonatedAuthenticationMechanism.Negotiate;
                case CimAuthentication.Ntlm: return ImpersonatedAuthenticationMechanism.NtlmDomain;
                case CimAuthentication.Kerberos: return ImpersonatedAuthenticationMechanism.Kerberos;
                default: return ImpersonatedAuthenticationMechanism.None;
            }
        }
    }
}
