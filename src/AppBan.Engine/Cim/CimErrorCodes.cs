using System;
using System.Globalization;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// The one table that turns native codes into <see cref="CimErrorKind"/>, shared by both transports:
    /// CIM status codes (MI NativeErrorCode, MSFT_WmiError.CIMStatusCode) and HRESULTs (WSManFault@Code,
    /// MSFT_WmiError.error_Code, WBEM codes).
    /// </summary>
    public static class CimErrorCodes
    {
        // WS-Management HRESULTs (WINDOWS-FACTS; the quota codes are from the captured faults).
        public const uint WsManDestinationUnreachable = 0x80338012;
        public const uint WsManOperationTimedOut = 0x80338029;
        public const uint WsManNetworkTimedOut = 0x80338126;
        public const uint WsManNameNotResolved = 0x803381B9;
        public const uint WsManMaxShellsExceeded = 0x803381A5;
        public const uint WsManMaxOperationsExceeded = 0x803381A6;
        // The WMI plugin's wrappers for WMI refusing the account (wsmerror.h): WMI service, WMI provider, connecting to WMI.
        public const uint WsManWmiServiceAccessDenied = 0x80338104;
        public const uint WsManWmiProviderAccessDenied = 0x80338105;
        public const uint WsManWmiConnectAccessDenied = 0x80338106;

        // WBEM (WMI) HRESULTs [doc: WMI Error Constants].
        public const uint WbemFailed = 0x80041001;
        public const uint WbemNotFound = 0x80041002;
        public const uint WbemAccessDenied = 0x80041003;
        public const uint WbemProviderFailure = 0x80041004;
        public const uint WbemTypeMismatch = 0x80041005;
        public const uint WbemOutOfMemory = 0x80041006;
        public const uint WbemInvalidParameter = 0x80041008;
        public const uint WbemNotSupported = 0x8004100C;
        public const uint WbemInvalidNamespace = 0x8004100E;
        public const uint WbemInvalidClass = 0x80041010;
        public const uint WbemInvalidQuery = 0x80041017;
        public const uint WbemInvalidMethod = 0x8004102E;
        public const uint WbemQuotaViolation = 0x8004106C;

        public const uint EAccessDenied = 0x80070005;

        /// <summary>CIM status codes (DSP0200 / MI_Result), as in the MI NativeErrorCode table of WINDOWS-FACTS.</summary>
        public static CimErrorKind? KindOfCimStatus(long code)
        {
            switch (code)
            {
                case 1: return CimErrorKind.ProviderFailure;      // Failed
                case 2: return CimErrorKind.AccessDenied;
                case 3: return CimErrorKind.InvalidNamespace;
                case 4: return CimErrorKind.InvalidParameter;
                case 5: return CimErrorKind.InvalidClass;
                case 6: return CimErrorKind.NotFound;
                case 7: return CimErrorKind.NotSupported;
                case 12: return CimErrorKind.InvalidParameter;    // NoSuchProperty
                case 13: return CimErrorKind.InvalidParameter;    // TypeMismatch
                case 14: return CimErrorKind.InvalidQuery;        // QueryLanguageNotSupported
                case 15: return CimErrorKind.InvalidQuery;
                case 16: return CimErrorKind.NotSupported;        // MethodNotAvailable
                case 17: return CimErrorKind.NotSupported;        // MethodNotFound
                case 21: return CimErrorKind.ProtocolError;       // InvalidEnumerationContext
                case 22: return CimErrorKind.InvalidParameter;    // InvalidOperationTimeout
                case 23:
                case 24: return CimErrorKind.ProtocolError;       // PullHasBeenAbandoned, PullCannotBeAbandoned
                case 25: return CimErrorKind.InvalidQuery;        // FilteredEnumerationNotSupported
                case 27: return CimErrorKind.QuotaExceeded;       // ServerLimitsExceeded
                case 28: return CimErrorKind.Unreachable;         // ServerIsShuttingDown
                default: return null;
            }
        }

        /// <summary>HRESULTs we can name; null for anything else.</summary>
        public static CimErrorKind? KindOfHResult(long code)
        {
            switch ((uint)code)
            {
                // [guess W028] A fault carrying "destination unreachable" means the server could not reach what was asked for.
                case WsManDestinationUnreachable: return CimErrorKind.Unreachable;
                case WsManNameNotResolved: return CimErrorKind.Unreachable;
                // ERROR_WSMAN_NETWORK_TIMEDOUT (wsmerror.h): the connection got no answer, as from a switched-off or
                // firewalled computer. The target is unreachable, not slow.
                case WsManNetworkTimedOut: return CimErrorKind.Unreachable;
                case WsManOperationTimedOut: return CimErrorKind.Timeout;
                case WsManMaxShellsExceeded:
                case WsManMaxOperationsExceeded:
                case WbemQuotaViolation:
                case WbemOutOfMemory: return CimErrorKind.QuotaExceeded;
                case WbemAccessDenied:
                case WsManWmiServiceAccessDenied:
                case WsManWmiProviderAccessDenied:
                case WsManWmiConnectAccessDenied:
                case EAccessDenied: return CimErrorKind.AccessDenied;
                case WbemNotFound: return CimErrorKind.NotFound;
                case WbemInvalidParameter:
                case WbemTypeMismatch: return CimErrorKind.InvalidParameter;
                case WbemNotSupported:
                case WbemInvalidMethod: return CimErrorKind.NotSupported;
                case WbemInvalidNamespace: return CimErrorKind.InvalidNamespace;
                case WbemInvalidClass: return CimErrorKind.InvalidClass;
                case WbemInvalidQuery: return CimErrorKind.InvalidQuery;
                case WbemFailed:
                case WbemProviderFailure: return CimErrorKind.ProviderFailure;
                default: return null;
            }
        }

        /// <summary>Reads "2150858778", "0x8033801A" or "HRESULT 0x8033801a"; null when it is neither.</summary>
        public static long? ParseCode(string text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var s = text.Trim();
            if (s.StartsWith("HRESULT", StringComparison.OrdinalIgnoreCase)) s = s.Substring(7).Trim();
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return long.TryParse(s.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : (long?)null;
            if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var dec))
                return dec < 0 ? (long)(uint)(int)dec : dec; // a negative decimal is a signed HRESULT
            return null;
        }

        /// <summary>The stable ErrorId cmdlets and results use for a kind (TargetUnreachable, AccessDenied, ...).</summary>
        public static string ErrorIdFor(CimErrorKind kind)
        {
            switch (kind)
            {
                case CimErrorKind.Unreachable: return ErrorIds.TargetUnreachable;
                case CimErrorKind.AuthenticationFailed: return ErrorIds.AuthenticationFailed;
                case CimErrorKind.AccessDenied: return ErrorIds.AccessDenied;
                case CimErrorKind.InvalidNamespace: return ErrorIds.InvalidNamespace;
                case CimErrorKind.InvalidClass: return ErrorIds.InvalidClass;
                case CimErrorKind.NotFound: return ErrorIds.NotFound;
                case CimErrorKind.InvalidQuery: return ErrorIds.InvalidQuery;
                case CimErrorKind.InvalidParameter: return ErrorIds.InvalidParameter;
                case CimErrorKind.NotSupported: return ErrorIds.NotSupported;
                case CimErrorKind.Timeout: return ErrorIds.Timeout;
                case CimErrorKind.QuotaExceeded: return ErrorIds.QuotaExceeded;
                case CimErrorKind.ProviderFailure: return ErrorIds.ProviderFailure;
                case CimErrorKind.ProtocolError: return ErrorIds.ProtocolError;
                case CimErrorKind.TlsFailure: return ErrorIds.TlsFailure;
                case CimErrorKind.EncryptionRequired: return ErrorIds.EncryptionRequired;
                case CimErrorKind.Cancelled: return ErrorIds.OperationStopped;
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "A CIM failure kind without an ErrorId.");
            }
        }

        public static string Hex(long code) => "0x" + ((uint)code).ToString("X8", CultureInfo.InvariantCulture);
    }
}
