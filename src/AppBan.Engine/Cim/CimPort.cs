using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// The port every target operation goes through. Transports (WS-Man, MI) implement it; Inventory,
    /// Remediation and Exemptions never see a transport, only RegistryClient and ProcessClient.
    /// Implementations are thread-safe: several operations may be in flight on one session.
    /// </summary>
    public interface ICimSession : IDisposable
    {
        string ComputerName { get; }

        /// <summary>"WsMan" or "MI".</summary>
        string TransportName { get; }

        /// <summary>
        /// Runs a WQL query and streams each instance to <paramref name="onInstance"/> as it arrives
        /// (per Pull batch on WS-Man). Throws <see cref="CimException"/> on failure.
        /// </summary>
        Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options);

        /// <summary>
        /// Invokes a static method on a class (StdRegProv, Win32_Process). A non-zero ReturnValue is not an
        /// exception: it comes back in the result. Transport and provider failures throw <see cref="CimException"/>.
        /// </summary>
        Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options);
    }

    /// <summary>
    /// Instance methods (Win32_LogicalFileSecuritySetting.GetSecurityDescriptor): the instance is named by its key
    /// properties, sent as WS-Man selectors or as the key properties of an MI instance. A session that does not
    /// implement it cannot call instance methods; callers treat that as "cannot read".
    /// </summary>
    internal interface ICimInstanceMethods
    {
        Task<CimMethodResult> InvokeInstanceMethodAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys,
            string methodName, IReadOnlyList<CimParameter> inParameters, CimCallOptions options);
    }

    /// <summary>
    /// Deletes one instance named by its key properties (MSFT_ScheduledTask by TaskName and TaskPath): a WS-Transfer
    /// Delete with selectors, or MI DeleteInstance. Nothing comes back; a missing instance, a refusal or a provider
    /// failure throws <see cref="CimException"/>. A session that does not implement it cannot delete instances.
    /// </summary>
    internal interface ICimInstanceDeletion
    {
        Task DeleteInstanceAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys, CimCallOptions options);
    }

    /// <summary>Per-call options.</summary>
    public sealed class CimCallOptions
    {
        public static CimCallOptions Default => new CimCallOptions();

        /// <summary>Server-side and client-side bound for one operation; null means the transport default.</summary>
        public TimeSpan? OperationTimeout { get; set; }

        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// Ask the provider for the 64-bit registry view (__ProviderArchitecture=64, __RequiredArchitecture=true).
        /// RegistryClient always sets it.
        /// </summary>
        public bool Use64BitProvider { get; set; }

        public CimCallOptions With(CancellationToken token)
        {
            var copy = (CimCallOptions)MemberwiseClone();
            copy.CancellationToken = token;
            return copy;
        }
    }

    /// <summary>One named, typed in-parameter of a method call.</summary>
    public sealed class CimParameter
    {
        public CimParameter(string name, CimValue value) { Name = name; Value = value; }
        public string Name { get; }
        public CimValue Value { get; }
    }

    /// <summary>The out-parameters and ReturnValue of a method call.</summary>
    public sealed class CimMethodResult
    {
        public CimMethodResult(uint returnValue, IReadOnlyDictionary<string, CimValue> outParameters)
        {
            ReturnValue = returnValue;
            OutParameters = outParameters;
        }

        public uint ReturnValue { get; }

        /// <summary>Case-insensitive; a parameter that came back nil is present with a null CimValue.Value.</summary>
        public IReadOnlyDictionary<string, CimValue> OutParameters { get; }
    }
}
