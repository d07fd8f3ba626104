using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    /// <summary>StdRegProv hDefKey values.</summary>
    public enum RegistryHive : uint
    {
        ClassesRoot = 0x80000000,
        CurrentUser = 0x80000001,
        LocalMachine = 0x80000002,
        Users = 0x80000003,
    }

    /// <summary>Registry value types as EnumValues reports them.</summary>
    public enum RegistryValueKind
    {
        String = 1, ExpandString = 2, Binary = 3, DWord = 4, MultiString = 7, QWord = 11,
    }

    /// <summary>A StdRegProv ReturnValue, turned into something a caller can act on.</summary>
    public enum RegistryOutcome
    {
        Success,
        /// <summary>ReturnValue 2: the key does not exist.</summary>
        KeyNotFound,
        /// <summary>ReturnValue 1: the value does not exist.</summary>
        ValueNotFound,
        /// <summary>ReturnValue 5 (or WBEM access denied).</summary>
        AccessDenied,
        /// <summary>ReturnValue 0x80041005: the value has another type.</summary>
        TypeMismatch,
        /// <summary>Any other non-zero ReturnValue; see <see cref="RegistryResult{T}.ReturnValue"/>.</summary>
        Failed,
    }

    public sealed class RegistryResult<T>
    {
        public RegistryResult(RegistryOutcome outcome, uint returnValue, T value)
        {
            Outcome = outcome;
            ReturnValue = returnValue;
            Value = value;
        }

        public RegistryOutcome Outcome { get; }
        public uint ReturnValue { get; }
        /// <summary>Meaningful only when <see cref="Success"/> is true.</summary>
        public T Value { get; }
        public bool Success => Outcome == RegistryOutcome.Success;
    }

    public sealed class RegistryValueInfo
    {
        public RegistryValueInfo(string name, RegistryValueKind kind) { Name = name; Kind = kind; }
        /// <summary>"" for the default value.</summary>
        public string Name { get; }
        public RegistryValueKind Kind { get; }
    }

    /// <summary>
    /// StdRegProv over the CIM port. Always asks for the 64-bit provider; read WOW6432Node explicitly.
    /// Transport failures throw <see cref="CimException"/>; StdRegProv ReturnValues come back as outcomes.
    /// </summary>
    public sealed partial class RegistryClient
    {
        public const string ClassName = "StdRegProv";

        public RegistryClient(ICimSession session, CimCallOptions defaults = null, string namespaceName = @"root\cimv2")
        {
            Session = session ?? throw new ArgumentNullException(nameof(session));
            Defaults = defaults ?? CimCallOptions.Default;
            NamespaceName = namespaceName;
        }

        public ICimSession Session { get; }
        public CimCallOptions Defaults { get; }
        public string NamespaceName { get; }

        // The signatures below are the contract the rest of the engine codes against.
        public partial Task<RegistryResult<IReadOnlyList<string>>> EnumKeyAsync(RegistryHive hive, string subKey, CancellationToken ct = default);
        public partial Task<RegistryResult<IReadOnlyList<RegistryValueInfo>>> EnumValuesAsync(RegistryHive hive, string subKey, CancellationToken ct = default);
        public partial Task<RegistryResult<string>> GetStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        public partial Task<RegistryResult<string>> GetExpandedStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        public partial Task<RegistryResult<uint>> GetDWordValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        public partial Task<RegistryResult<ulong>> GetQWordValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        public partial Task<RegistryResult<IReadOnlyList<string>>> GetMultiStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        public partial Task<RegistryResult<bool>> SetStringValueAsync(RegistryHive hive, string subKey, string valueName, string value, CancellationToken ct = default);
        /// <summary>REG_MULTI_SZ. An empty list or an empty string in it cannot be stored as written (an empty string ends the list); delete the value instead.</summary>
        public partial Task<RegistryResult<bool>> SetMultiStringValueAsync(RegistryHive hive, string subKey, string valueName, IReadOnlyList<string> values, CancellationToken ct = default);
        public partial Task<RegistryResult<bool>> SetDWordValueAsync(RegistryHive hive, string subKey, string valueName, uint value, CancellationToken ct = default);
        /// <summary>Creates missing parents too.</summary>
        public partial Task<RegistryResult<bool>> CreateKeyAsync(RegistryHive hive, string subKey, CancellationToken ct = default);
        /// <summary>
        /// Deletes one key with its values. A key that has subkeys is refused: [guess W002] StdRegProv.DeleteKey behaves
        /// as RegDeleteKey, which documents it; the StdRegProv page does not say.
        /// </summary>
        public partial Task<RegistryResult<bool>> DeleteKeyAsync(RegistryHive hive, string subKey, CancellationToken ct = default);
        /// <summary>Deletes the key and its whole subtree, bottom up (StdRegProv.DeleteKey refuses a key with subkeys).</summary>
        public partial Task<RegistryResult<bool>> DeleteKeyTreeAsync(RegistryHive hive, string subKey, CancellationToken ct = default);
        public partial Task<RegistryResult<bool>> DeleteValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct = default);
        /// <summary>uRequired: KEY_QUERY_VALUE 1, KEY_SET_VALUE 2, KEY_CREATE_SUB_KEY 4, KEY_ENUMERATE_SUB_KEYS 8.</summary>
        public partial Task<RegistryResult<bool>> CheckAccessAsync(RegistryHive hive, string subKey, uint required, CancellationToken ct = default);
    }
}
