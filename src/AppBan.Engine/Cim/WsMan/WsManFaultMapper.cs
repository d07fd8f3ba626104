using System;
using System.Linq;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>Turns a WS-Management fault into the one typed error. Most specific evidence wins.</summary>
    internal static class WsManFaultMapper
    {
        public static CimErrorKind KindOf(WsManFault fault)
        {
            // 1. The WMI error instance: CIMStatusCode is the MI status code, error_Code the HRESULT.
            if (fault.CimStatusCode.HasValue && fault.CimStatusCode.Value != 1 && CimErrorCodes.KindOfCimStatus(fault.CimStatusCode.Value) is CimErrorKind byStatus)
                return byStatus;
            if (fault.WmiErrorCode.HasValue && CimErrorCodes.KindOfHResult(fault.WmiErrorCode.Value) is CimErrorKind byWmiCode)
                return byWmiCode;
            if (fault.ExtendedStatusCode.HasValue && CimErrorCodes.KindOfHResult(fault.ExtendedStatusCode.Value) is CimErrorKind byExtended)
                return byExtended;
            // 2. The provider's own code (innermost WSManFault) before the service's wrapper code.
            foreach (var code in fault.AllWsManCodes.Reverse())
                if (CimErrorCodes.KindOfHResult(code) is CimErrorKind byHResult) return byHResult;
            // 3. The WS-Man subcode.
            var bySubcode = KindOfSubcode(fault.Subcode, fault.ProviderMessage);
            if (bySubcode.HasValue) return bySubcode.Value;
            if (fault.CimStatusCode == 1) return CimErrorKind.ProviderFailure;
            // 4. The SOAP code: the receiver failed, or the sender (we) sent something it did not accept.
            return LocalName(fault.Code) == "Receiver" ? CimErrorKind.ProviderFailure : CimErrorKind.ProtocolError;
        }

        private static CimErrorKind? KindOfSubcode(string subcode, string providerMessage)
        {
            switch (LocalName(subcode))
            {
                case "AccessDenied": return CimErrorKind.AccessDenied;
                case "TimedOut": return CimErrorKind.Timeout;
                case "QuotaLimit": return CimErrorKind.QuotaExceeded;
                case "EncodingLimit": return CimErrorKind.QuotaExceeded;
                case "CannotProcessFilter":
                    // [guess W026] WinRM reports a missing WQL class as CannotProcessFilter with code 0x8033801A and only the
                    // provider's (English) text to tell it from a malformed query; see the captured v1/v2 faults.
                    return providerMessage != null && providerMessage.IndexOf("class does not exist", StringComparison.OrdinalIgnoreCase) >= 0
                        ? CimErrorKind.InvalidClass : CimErrorKind.InvalidQuery;
                case "FilterDialectRequestedUnavailable":
                case "FilteringNotSupported": return CimErrorKind.InvalidQuery;
                case "InvalidSelectors":
                case "InvalidParameter": return CimErrorKind.InvalidParameter;
                case "DestinationUnreachable": return CimErrorKind.Unreachable;
                case "ActionNotSupported":
                case "UnsupportedFeature": return CimErrorKind.NotSupported;
                case "InternalError": return CimErrorKind.ProviderFailure;
                case "SchemaValidationError":
                case "InvalidEnumerationContext":
                case "InvalidMessageInformationHeader":
                case "InvalidOptions":
                case "InvalidHeader": return CimErrorKind.ProtocolError;
                default: return null;
            }
        }

        public static CimException ToException(WsManFault fault, string computerName)
        {
            var kind = KindOf(fault);
            var code = fault.WmiErrorCode ?? (fault.AllWsManCodes.Count > 0 ? fault.AllWsManCodes.Last() : (long?)null) ?? fault.CimStatusCode;
            var message = computerName + ": " + fault.BestMessage;
            if (code.HasValue) message += " (" + CimErrorCodes.Hex(code.Value) + ")";
            return new CimException(kind, computerName, message, code)
            {
                Detail = fault.Subcode ?? fault.WmiMessageId,
            };
        }

        private static string LocalName(string qname) =>
            string.IsNullOrEmpty(qname) ? string.Empty : qname.Substring(qname.IndexOf(':') + 1);
    }
}
