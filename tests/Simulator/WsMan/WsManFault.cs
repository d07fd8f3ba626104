using System.Globalization;
using System.Text;

namespace AppBan.Simulator.WsMan;

/// <summary>
/// A SOAP fault as WinRM sends it: HTTP 500, s:Fault with Code/Subcode, s:Reason and an s:Detail holding either
/// f:WSManFault (Code = HRESULT in decimal) or a p:MSFT_WmiError instance. Shapes follow the captured replies.
/// </summary>
public sealed class WsManFault : Exception
{
    public string Action { get; }
    public string Code { get; }
    public string Subcode { get; }
    public string Reason { get; }
    public string DetailXml { get; }
    public uint HResult32 { get; }

    private WsManFault(string action, string code, string subcode, string reason, string detailXml, uint hresult)
        : base(reason)
    {
        Action = action; Code = code; Subcode = subcode; Reason = reason; DetailXml = detailXml; HResult32 = hresult;
    }

    /// <summary>Short name for the operation log: the subcode without prefix.</summary>
    public string Kind => Subcode.Contains(':') ? Subcode[(Subcode.IndexOf(':') + 1)..] : Subcode;

    public string ToEnvelope(string? relatesTo)
    {
        var sb = Ns.BeginEnvelope(Ns.FaultDeclarations, Action, relatesTo);
        sb.Append("<s:Fault><s:Code><s:Value>").Append(Code).Append("</s:Value><s:Subcode><s:Value>").Append(Subcode)
          .Append("</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">").Append(Ns.Escape(Reason))
          .Append("</s:Text></s:Reason><s:Detail>").Append(DetailXml).Append("</s:Detail></s:Fault>");
        return Ns.EndEnvelope(sb);
    }

    private static string D(uint code) => code.ToString(CultureInfo.InvariantCulture);

    private static string WsManFaultDetail(uint code, string message) =>
        $"<f:WSManFault xmlns:f=\"{Ns.WsManFault}\" Code=\"{D(code)}\" Machine=\"\"><f:Message>{Ns.Escape(message)}</f:Message></f:WSManFault>";

    private static string ProviderFaultDetail(uint outerCode, uint innerCode, string innerMessage, string? extendedError = null) =>
        $"<f:WSManFault xmlns:f=\"{Ns.WsManFault}\" Code=\"{D(outerCode)}\" Machine=\"\"><f:Message>" +
        $"<f:ProviderFault provider=\"WMI Provider\" path=\"%systemroot%\\system32\\WsmWmiPl.dll\">" +
        $"<f:WSManFault xmlns:f=\"{Ns.WsManFault}\" Code=\"{D(innerCode)}\" Machine=\"\" xml:lang=\"en-US\"><f:Message>{Ns.Escape(innerMessage)}</f:Message></f:WSManFault>" +
        (extendedError ?? "") + "</f:ProviderFault></f:Message></f:WSManFault>";

    private static string ExtendedStatus(string operation, string parameterInfo) =>
        "<f:ExtendedError><p:__ExtendedStatus xmlns:cim=\"" + Ns.Cim + "\" xmlns:p=\"" + Ns.WmiPrefix + "root/cimv2/__ExtendedStatus\" xmlns:xsi=\"" + Ns.Xsi +
        "\" xsi:type=\"p:__ExtendedStatus_Type\"><p:Description xsi:nil=\"true\"/><p:Operation>" + Ns.Escape(operation) +
        "</p:Operation><p:ParameterInfo>" + Ns.Escape(parameterInfo) + "</p:ParameterInfo><p:ProviderName>WinMgmt</p:ProviderName><p:StatusCode xsi:nil=\"true\"/></p:__ExtendedStatus></f:ExtendedError>";

    /// <summary>An MSFT_WmiError instance, the detail Windows 8+ sends for errors raised by WMI.</summary>
    public static string WmiErrorDetail(uint cimStatus, uint errorCode, string message, uint category = 0)
    {
        var sb = new StringBuilder();
        sb.Append("<p:MSFT_WmiError b:IsCIM_Error=\"true\" xmlns:b=\"").Append(Ns.CimBinding).Append("\" xmlns:cim=\"").Append(Ns.Cim)
          .Append("\" xmlns:p=\"").Append(Ns.WmiErrorClass).Append("\" xsi:type=\"p:MSFT_WmiError_Type\" xmlns:xsi=\"").Append(Ns.Xsi).Append("\">");
        void P(string name, string type, string? value)
        {
            if (value is null) sb.Append("<p:").Append(name).Append(" xsi:nil=\"true\" xsi:type=\"cim:").Append(type).Append("\"/>");
            else sb.Append("<p:").Append(name).Append(" xsi:type=\"cim:").Append(type).Append("\">").Append(Ns.Escape(value)).Append("</p:").Append(name).Append('>');
        }
        P("CIMStatusCode", "cimUnsignedInt", D(cimStatus));
        P("CIMStatusCodeDescription", "cimString", null);
        P("ErrorSource", "cimString", null);
        P("ErrorSourceFormat", "cimUnsignedShort", "0");
        P("ErrorType", "cimUnsignedShort", "0");
        P("Message", "cimString", message);
        P("MessageID", "cimString", "HRESULT 0x" + errorCode.ToString("x8", CultureInfo.InvariantCulture));
        P("OtherErrorSourceFormat", "cimString", null);
        P("OtherErrorType", "cimString", null);
        P("OwningEntity", "cimString", null);
        P("PerceivedSeverity", "cimUnsignedShort", "0");
        P("ProbableCause", "cimUnsignedShort", "0");
        P("ProbableCauseDescription", "cimString", null);
        P("error_Category", "cimUnsignedInt", D(category));
        P("error_Code", "cimUnsignedInt", D(errorCode));
        P("error_Type", "cimString", "HRESULT");
        P("error_WindowsErrorMessage", "cimString", message);
        sb.Append("</p:MSFT_WmiError>");
        return sb.ToString();
    }

    // HRESULTs (wsmerror.h, wbemcli.h).
    public const uint ResourceNotFoundCode = 0x80338000;
    public const uint InvalidHeaderCode = 0x8033800F;
    public const uint HeaderRequired = 0x80338011;
    public const uint ActionNotSupportedCode = 0x80338013;
    public const uint CannotProcessFilterCode = 0x8033801A;
    public const uint InvalidContextCode = 0x8033801B;
    public const uint InvalidBodyCode = 0x80338027;
    public const uint OperationTimedOut = 0x80338029;
    public const uint QuotaOperationsCode = 0x803381A6;
    public const uint WmiServiceAccessDenied = 0x80338104; // ERROR_WSMAN_WMI_SVC_ACCESS_DENIED
    public const uint WbemFailed = 0x80041001;
    public const uint WbemAccessDenied = 0x80041003;
    public const uint WbemInvalidParameter = 0x80041008;
    public const uint WbemInvalidNamespace = 0x8004100E;
    public const uint WbemInvalidClass = 0x80041010;
    public const uint WbemInvalidQuery = 0x80041017;
    public const uint WbemInvalidMethod = 0x8004102E;

    /// <summary>WQL over an unknown class (captured: n:CannotProcessFilter, Code 2150858778, nested ProviderFault).</summary>
    public static WsManFault InvalidClassInFilter(string wql) => new(Ns.ActionEnumerationFault, "s:Sender", "n:CannotProcessFilter",
        "The data source could not process the filter. The filter might be missing or it might be invalid. Change the filter and try the request again.  ",
        ProviderFaultDetail(CannotProcessFilterCode, CannotProcessFilterCode, "The specified class does not exist in the given namespace. ", ExtendedStatus("ExecQuery", wql)),
        CannotProcessFilterCode);

    /// <summary>WQL that WMI rejects (syntax, unknown property). [guess W026] same shape as the invalid-class fault.</summary>
    public static WsManFault InvalidQuery(string wql) => new(Ns.ActionEnumerationFault, "s:Sender", "n:CannotProcessFilter",
        "The data source could not process the filter. The filter might be missing or it might be invalid. Change the filter and try the request again.  ",
        ProviderFaultDetail(CannotProcessFilterCode, CannotProcessFilterCode, "The WQL query is invalid. ", ExtendedStatus("ExecQuery", wql)),
        CannotProcessFilterCode);

    /// <summary>A filter dialect other than WQL.</summary>
    public static WsManFault FilterDialectUnavailable() => new(Ns.ActionEnumerationFault, "s:Sender", "n:FilterDialectRequestedUnavailable",
        "The filter dialect (the type associated with the filter) was not supported for this resource. Change the filter dialect or remove it from the request and try the request again. ",
        WsManFaultDetail(0x80338019, "The filter dialect (the type associated with the filter) was not supported for this resource. "), 0x80338019);

    /// <summary>
    /// Invoke or Get on a class or namespace that does not exist: WS-Addressing DestinationUnreachable with
    /// ERROR_WSMAN_RESOURCE_NOT_FOUND (shape seen from Windows on a Get of a missing instance). [guess W027] the nested
    /// provider fault carries the WMI HRESULT.
    /// </summary>
    public static WsManFault ResourceNotFound(uint wmiCode, string wmiMessage) => new(Ns.ActionAddressingFault, "s:Sender", "a:DestinationUnreachable",
        "The WS-Management service cannot process the request. The service cannot find the resource identified by the resource URI and selectors. ",
        ProviderFaultDetail(ResourceNotFoundCode, wmiCode, wmiMessage), ResourceNotFoundCode);

    public static WsManFault InvalidClass() => ResourceNotFound(WbemInvalidClass, "The specified class does not exist in the given namespace. ");
    public static WsManFault InvalidNamespace() => ResourceNotFound(WbemInvalidNamespace, "The specified namespace does not exist. ");

    /// <summary>An error raised by WMI or its provider (MSFT_WmiError detail, as in the captured WMI error).</summary>
    public static WsManFault WmiError(uint hresult, uint cimStatus, string message) => new(Ns.ActionWsManFault, "s:Receiver", "w:InternalError",
        message, WmiErrorDetail(cimStatus, hresult, message), hresult);

    /// <summary>
    /// An error a CIM provider reports (an MSFT_WmiError with CIM status, HRESULT and category), under the subcode given:
    /// w:InternalError for a failure, w:AccessDenied, or a:DestinationUnreachable for an instance that is not there.
    /// </summary>
    public static WsManFault CimError(uint hresult, uint cimStatus, string message, uint category, string subcode = "w:InternalError", string code = "s:Receiver") =>
        new(subcode.StartsWith("a:", StringComparison.Ordinal) ? Ns.ActionAddressingFault : Ns.ActionWsManFault, code, subcode,
            message, WmiErrorDetail(cimStatus, hresult, message, category), hresult);

    public static WsManFault MethodNotFound(string method) => new(Ns.ActionWsManFault, "s:Sender", "w:InvalidParameter",
        "Method not found. ", WmiErrorDetail(17, WbemInvalidMethod, $"The method {method} does not exist. "), WbemInvalidMethod);

    public static WsManFault InvalidParameter(string message) => new(Ns.ActionWsManFault, "s:Sender", "w:InvalidParameter",
        message, WmiErrorDetail(4, WbemInvalidParameter, message), WbemInvalidParameter);

    public static WsManFault InvalidEnumerationContext() => new(Ns.ActionEnumerationFault, "s:Receiver", "n:InvalidEnumerationContext",
        "The enumeration context supplied in the message is not valid. ",
        WsManFaultDetail(InvalidContextCode, "The WS-Enumeration context in the enumeration is not valid. Enumeration may have been completed or canceled. You cannot use this enumeration context anymore. Start a new enumeration. "),
        InvalidContextCode);

    public static WsManFault TimedOut() => new(Ns.ActionWsManFault, "s:Receiver", "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
        WsManFaultDetail(OperationTimedOut, "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "), OperationTimedOut);

    /// <summary>The captured quota fault (too many concurrent operations for this user).</summary>
    public static WsManFault QuotaExceeded() => new(Ns.ActionWsManFault, "s:Receiver", "w:InternalError",
        "The WS-Management service cannot process the request. The maximum number of concurrent operations for this user has been exceeded. Close existing operations for this user, or raise the quota for this user. ",
        WsManFaultDetail(QuotaOperationsCode, "The WS-Management service cannot process the request. This user is allowed a maximum number of 15 concurrent operations, which has been exceeded. Close existing operations for this user, or raise the quota for this user. "),
        QuotaOperationsCode);

    /// <summary>
    /// A WinRM plugin's own security descriptor refusing an admitted user (Code 5, as reported for the shell plugin
    /// and a Remote Management User).
    /// </summary>
    public static WsManFault AccessDenied() => new(Ns.ActionWsManFault, "s:Sender", "w:AccessDenied",
        "Access is denied. ", WsManFaultDetail(5, "Access is denied. "), 5);

    /// <summary>
    /// The WMI plugin told by WMI that the account may not use the namespace remotely (no Remote Enable). The text and
    /// 0x80338104 are what WinRM reports for it, and Get-CimInstance shows it as PermissionDenied with the id
    /// "HRESULT 0x80338104" [3rd]. [guess W029] the w:AccessDenied subcode (MS-WSTIM's fault for an access-control
    /// refusal) and the MSFT_WmiError detail with CIMStatusCode 2 (access denied) and error_Category 18 (PermissionDenied).
    /// </summary>
    public static WsManFault WmiAccessDenied()
    {
        const string message = "The WS-Management service cannot process the request. The WMI service returned an 'access denied' error. ";
        return new(Ns.ActionWsManFault, "s:Sender", "w:AccessDenied", message, WmiErrorDetail(2, WmiServiceAccessDenied, message, 18), WmiServiceAccessDenied);
    }

    public static WsManFault ActionNotSupported(string action) => new(Ns.ActionAddressingFault, "s:Sender", "a:ActionNotSupported",
        "The action is not supported by the service.",
        WsManFaultDetail(ActionNotSupportedCode, $"The WS-Management service does not support the action specified in the request: {action} "), ActionNotSupportedCode);

    public static WsManFault HeaderMissing(string header) => new(Ns.ActionAddressingFault, "s:Sender", "a:MessageInformationHeaderRequired",
        "A required header representing a Message Addressing Property is not present",
        WsManFaultDetail(HeaderRequired, $"The WS-Management service cannot process the request. The request does not have all the expected SOAP headers: {header}. "), HeaderRequired);

    public static WsManFault InvalidHeader(string detail) => new(Ns.ActionAddressingFault, "s:Sender", "a:InvalidMessageInformationHeader",
        "A message information header is not valid, and the message cannot be processed.",
        WsManFaultDetail(InvalidHeaderCode, $"The WS-Management service cannot process the request. The request contains one or more invalid SOAP headers. {detail}"), InvalidHeaderCode);

    /// <summary>A feature WinRM refuses (a non-anonymous ReplyTo, w:Locale with mustUnderstand), with its faultDetail URI.</summary>
    public static WsManFault UnsupportedFeature(string detail) => new(Ns.ActionWsManFault, "s:Sender", "w:UnsupportedFeature",
        "The WS-Management service does not support the specified feature. ",
        "<w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/" + detail + "</w:FaultDetail>" +
        WsManFaultDetail(0x80338042, "The WS-Management service does not support the specified feature. "), 0x80338042);

    /// <summary>MaxEnvelopeSize below 8192 octets [doc MS-WSMV 3.1.4.1.7]. [guess W032] the HRESULT in the detail.</summary>
    public static WsManFault EncodingLimit() => new(Ns.ActionWsManFault, "s:Sender", "w:EncodingLimit",
        "The WS-Management service cannot process the request because the envelope size in the request is too small. ",
        "<w:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize</w:FaultDetail>" +
        WsManFaultDetail(0x80338118, "The WS-Management service cannot process the request because the envelope size in the request is too small. "), 0x80338118);

    /// <summary>[guess W033] subcode for a body that is not what the action needs.</summary>
    public static WsManFault InvalidBody(string detail) => new(Ns.ActionWsManFault, "s:Sender", "w:SchemaValidationError",
        "The SOAP XML in the message does not match the corresponding XML schema definition. Change the XML and retry. ",
        WsManFaultDetail(InvalidBodyCode, "The WS-Management service cannot process the request because the request packet does not have a valid SOAP body. " + detail), InvalidBodyCode);
}
