using System.Security;
using System.Text;

namespace AppBan.Simulator.WsMan;

/// <summary>Namespaces and well-known URIs, spelled as Windows WinRM writes them.</summary>
public static class Ns
{
    public const string Soap = "http://www.w3.org/2003/05/soap-envelope";
    public const string Addressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
    public const string Enumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
    public const string Transfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer";
    public const string Eventing = "http://schemas.xmlsoap.org/ws/2004/08/eventing";
    public const string WsMan = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
    public const string MsWsMan = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
    public const string WsManFault = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
    public const string Identity = "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd";
    public const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    public const string Cim = "http://schemas.dmtf.org/wbem/wscim/1/common";
    public const string CimBinding = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd";
    public const string WmiErrorClass = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError";

    public const string Anonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
    public const string WmiPrefix = "http://schemas.microsoft.com/wbem/wsman/1/wmi/";
    public const string WqlDialect = "http://schemas.microsoft.com/wbem/wsman/1/WQL";

    public const string ActionEnumerate = Enumeration + "/Enumerate";
    public const string ActionEnumerateResponse = Enumeration + "/EnumerateResponse";
    public const string ActionPull = Enumeration + "/Pull";
    public const string ActionPullResponse = Enumeration + "/PullResponse";
    public const string ActionRelease = Enumeration + "/Release";
    public const string ActionReleaseResponse = Enumeration + "/ReleaseResponse";
    public const string ActionGet = Transfer + "/Get";
    public const string ActionDelete = Transfer + "/Delete";
    public const string ActionDeleteResponse = Transfer + "/DeleteResponse";
    public const string ActionWsManFault = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault";
    public const string ActionEnumerationFault = Enumeration + "/fault";
    public const string ActionAddressingFault = Addressing + "/fault";

    public static string Escape(string? text) => text is null ? "" : SecurityElement.Escape(text);

    public static string NewMessageId() => "uuid:" + Guid.NewGuid().ToString().ToUpperInvariant();

    /// <summary>The envelope start and header every reply carries (Action, MessageID, To, RelatesTo).</summary>
    public static StringBuilder BeginEnvelope(string namespaceDeclarations, string action, string? relatesTo)
    {
        var sb = new StringBuilder(2048);
        sb.Append("<s:Envelope xml:lang=\"en-US\" ").Append(namespaceDeclarations).Append("><s:Header>");
        sb.Append("<a:Action>").Append(Escape(action)).Append("</a:Action>");
        sb.Append("<a:MessageID>").Append(NewMessageId()).Append("</a:MessageID>");
        sb.Append("<a:To>").Append(Anonymous).Append("</a:To>");
        if (!string.IsNullOrEmpty(relatesTo)) sb.Append("<a:RelatesTo>").Append(Escape(relatesTo)).Append("</a:RelatesTo>");
        sb.Append("</s:Header><s:Body>");
        return sb;
    }

    public static string EndEnvelope(StringBuilder sb) => sb.Append("</s:Body></s:Envelope>").ToString();

    public const string EnumerationDeclarations =
        "xmlns:s=\"" + Soap + "\" xmlns:a=\"" + Addressing + "\" xmlns:n=\"" + Enumeration + "\" xmlns:w=\"" + WsMan + "\"";

    public const string MethodDeclarations =
        "xmlns:s=\"" + Soap + "\" xmlns:a=\"" + Addressing + "\" xmlns:x=\"" + Transfer + "\" xmlns:w=\"" + WsMan + "\" xmlns:p=\"" + MsWsMan + "\"";

    public const string FaultDeclarations =
        "xmlns:s=\"" + Soap + "\" xmlns:a=\"" + Addressing + "\" xmlns:x=\"" + Transfer + "\" xmlns:e=\"" + Eventing +
        "\" xmlns:n=\"" + Enumeration + "\" xmlns:w=\"" + WsMan + "\" xmlns:p=\"" + MsWsMan + "\"";
}
