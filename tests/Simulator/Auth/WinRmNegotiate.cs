using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Cim.WsMan.Ntlm;
using AppBan.Simulator.Model;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace AppBan.Simulator.Auth;

/// <summary>
/// The Negotiate state of one TCP connection. NTLM over HTTP authenticates the connection, not each request: the legs
/// arrive on one connection and the requests after them carry no Authorization header, their messages sealed with the
/// connection's keys [doc: IIS "AuthPersistence": NTLM authentication persists across the requests of a connection;
/// HttpListener "UnsafeConnectionNtlmAuthentication" names the same per-connection reuse; 3rd: pywinrm with
/// requests_ntlm authenticates once, then sends encrypted messages without Authorization, which Windows accepts].
/// </summary>
internal sealed class NegotiateConnection
{
    private const string ItemKey = "AppBan.Simulator.Negotiate";

    /// <summary>Between NEGOTIATE and AUTHENTICATE.</summary>
    public NtlmServer? Pending { get; set; }
    /// <summary>After AUTHENTICATE: who, and the keys that seal this connection's messages.</summary>
    public NtlmIdentity? Identity { get; set; }
    public Account? Account { get; set; }

    /// <summary>The connection's state (created on first use); null where the server offers no per-connection items.</summary>
    public static NegotiateConnection? Of(HttpContext http)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null) return null;
        if (items.TryGetValue(ItemKey, out var existing) && existing is NegotiateConnection state) return state;
        state = new NegotiateConnection();
        items[ItemKey] = state;
        return state;
    }

    public void Reset()
    {
        Pending = null;
        Identity = null;
        Account = null;
    }
}

/// <summary>The HTTP side of Negotiate for a WinRM host: reading the token, and the sealer the codec needs.</summary>
internal static class WinRmNegotiate
{
    /// <summary>The token of an "Authorization: Negotiate &lt;base64&gt;" header; null when it is not Negotiate or not base64.</summary>
    public static byte[]? Token(string authorization)
    {
        if (!authorization.StartsWith("Negotiate ", StringComparison.OrdinalIgnoreCase)) return null;
        try { return Convert.FromBase64String(authorization[10..].Trim()); }
        catch (FormatException) { return null; }
    }

    /// <summary>
    /// The account an NTLM user and domain name: a local account for an empty domain, "." or the computer's name, and
    /// otherwise the account declared as DOMAIN\user. Null when there is none or the host rejects all credentials.
    /// </summary>
    public static Account? FindAccount(HostState host, string user, string domain)
    {
        if (host.Description.Faults.RejectAllCredentials) return null;
        var local = domain.Length == 0 || domain == "." || string.Equals(domain, host.Name, StringComparison.OrdinalIgnoreCase);
        return local ? host.FindAccount(user) : host.FindAccount(domain + "\\" + user);
    }

    /// <summary>The server's end of the session security, for the encrypted message codec.</summary>
    public sealed class Sealer(NtlmSessionSecurity security) : IMessageSealer
    {
        public byte[] Seal(byte[] plain, out byte[] header) => security.Seal(plain, out header);
        public byte[] Unseal(byte[] header, byte[] sealedData) => security.Unseal(header, sealedData);
    }
}
