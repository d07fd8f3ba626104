using System;

namespace AppBan.Engine.Cim
{
    /// <summary>What went wrong with a CIM operation, whatever the transport.</summary>
    public enum CimErrorKind
    {
        Unreachable,
        AuthenticationFailed,
        AccessDenied,
        InvalidNamespace,
        InvalidClass,
        NotFound,
        InvalidQuery,
        InvalidParameter,
        NotSupported,
        Timeout,
        QuotaExceeded,
        ProviderFailure,
        ProtocolError,
        TlsFailure,
        EncryptionRequired,
        Cancelled,
    }

    /// <summary>The one typed error every transport throws.</summary>
    public sealed class CimException : Exception
    {
        public CimException(CimErrorKind kind, string computerName, string message, long? nativeCode = null, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            ComputerName = computerName;
            NativeCode = nativeCode;
        }

        public CimErrorKind Kind { get; }
        public string ComputerName { get; }
        /// <summary>HRESULT (WS-Man WSManFault@Code), MI NativeErrorCode, or HTTP status, as the transport saw it.</summary>
        public long? NativeCode { get; }
        /// <summary>WS-Man fault subcode (e.g. w:AccessDenied) or MI MessageId, when there is one.</summary>
        public string Detail { get; set; }
    }
}
