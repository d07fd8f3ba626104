using System.Xml.Linq;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>Namespaces and action URIs of WS-Management as Windows speaks it (see the captured replies).</summary>
    internal static class WsManNames
    {
        public static readonly XNamespace Soap = "http://www.w3.org/2003/05/soap-envelope";
        public static readonly XNamespace Addressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
        public static readonly XNamespace Enumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
        public static readonly XNamespace WsMan = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
        public static readonly XNamespace MsWsMan = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd";
        public static readonly XNamespace WsManFault = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
        public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
        public static readonly XNamespace Cim = "http://schemas.dmtf.org/wbem/wscim/1/common";

        public const string AnonymousAddress = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
        public const string WqlDialect = "http://schemas.microsoft.com/wbem/wsman/1/WQL";
        public const string WmiResourcePrefix = "http://schemas.microsoft.com/wbem/wsman/1/wmi/";

        public const string EnumerateAction = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate";
        public const string PullAction = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull";
        public const string ReleaseAction = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release";
        /// <summary>WS-Transfer Delete (DSP0226 section 7.6): the instance named by the request's selectors.</summary>
        public const string DeleteAction = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";

        /// <summary>http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/&lt;Class&gt; ("*" for WQL enumeration).</summary>
        public static string ResourceUri(string namespaceName, string className) =>
            WmiResourcePrefix + (namespaceName ?? "root/cimv2").Replace('\\', '/').Trim('/') + "/" + className;
    }
}
