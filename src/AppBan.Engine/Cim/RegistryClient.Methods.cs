using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    public sealed partial class RegistryClient
    {
        private const uint WbemTypeMismatch = 0x80041005;
        private const uint WbemAccessDenied = 0x80041003;

        public partial async Task<RegistryResult<IReadOnlyList<string>>> EnumKeyAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            var r = await CallAsync("EnumKey", ct, Hive(hive), Key(subKey)).ConfigureAwait(false);
            // A key with no subkeys comes back with sNames nil and ReturnValue 0.
            return Result<IReadOnlyList<string>>(r, o => Out(o, "sNames").AsStringArray() ?? Array.Empty<string>());
        }

        public partial async Task<RegistryResult<IReadOnlyList<RegistryValueInfo>>> EnumValuesAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            var r = await CallAsync("EnumValues", ct, Hive(hive), Key(subKey)).ConfigureAwait(false);
            return Result<IReadOnlyList<RegistryValueInfo>>(r, o =>
            {
                // sNames is nil when the key holds only a default value.
                var names = Out(o, "sNames").AsStringArray() ?? Array.Empty<string>();
                var types = Out(o, "Types").AsArray(v => v.AsSInt32() ?? 0) ?? Array.Empty<int>();
                return names.Select((n, i) => new RegistryValueInfo(n, (RegistryValueKind)(i < types.Count ? types[i] : 1))).ToList();
            });
        }

        public partial async Task<RegistryResult<string>> GetStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("GetStringValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result(r, o => Out(o, "sValue").AsString());
        }

        public partial async Task<RegistryResult<string>> GetExpandedStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("GetExpandedStringValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result(r, o => Out(o, "sValue").AsString());
        }

        public partial async Task<RegistryResult<uint>> GetDWordValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("GetDWORDValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result(r, o => Out(o, "uValue").AsUInt32() ?? 0u);
        }

        public partial async Task<RegistryResult<ulong>> GetQWordValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("GetQWORDValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result(r, o => Out(o, "uValue").AsUInt64() ?? 0ul);
        }

        public partial async Task<RegistryResult<IReadOnlyList<string>>> GetMultiStringValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("GetMultiStringValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result<IReadOnlyList<string>>(r, o => Out(o, "sValue").AsStringArray() ?? Array.Empty<string>());
        }

        public partial async Task<RegistryResult<bool>> SetStringValueAsync(RegistryHive hive, string subKey, string valueName, string value, CancellationToken ct)
        {
            var r = await CallAsync("SetStringValue", ct, Hive(hive), Key(subKey), Name(valueName),
                new CimParameter("sValue", CimValue.FromString(value ?? string.Empty))).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> SetMultiStringValueAsync(RegistryHive hive, string subKey, string valueName, IReadOnlyList<string> values, CancellationToken ct)
        {
            if (values == null || values.Count == 0 || values.Any(string.IsNullOrEmpty))
                throw new ArgumentException("A REG_MULTI_SZ value needs at least one string and no empty one.", nameof(values));
            var r = await CallAsync("SetMultiStringValue", ct, Hive(hive), Key(subKey), Name(valueName),
                new CimParameter("sValue", CimValue.FromStringArray(values))).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> SetDWordValueAsync(RegistryHive hive, string subKey, string valueName, uint value, CancellationToken ct)
        {
            var r = await CallAsync("SetDWORDValue", ct, Hive(hive), Key(subKey), Name(valueName),
                new CimParameter("uValue", CimValue.FromUInt32(value))).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> CreateKeyAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            var r = await CallAsync("CreateKey", ct, Hive(hive), Key(subKey)).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> DeleteKeyAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            RefuseHiveRoot(subKey);
            var r = await CallAsync("DeleteKey", ct, Hive(hive), Key(subKey)).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> DeleteKeyTreeAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            RefuseHiveRoot(subKey);
            var children = await EnumKeyAsync(hive, subKey, ct).ConfigureAwait(false);
            if (!children.Success) return new RegistryResult<bool>(children.Outcome, children.ReturnValue, false);
            foreach (var child in children.Value)
            {
                var sub = await DeleteKeyTreeAsync(hive, subKey.TrimEnd('\\') + "\\" + child, ct).ConfigureAwait(false);
                if (!sub.Success) return sub;
            }
            return await DeleteKeyAsync(hive, subKey, ct).ConfigureAwait(false);
        }

        private static void RefuseHiveRoot(string subKey)
        {
            if (string.IsNullOrEmpty(subKey?.Trim('\\')))
                throw new ArgumentException("Refusing to delete a hive root.", nameof(subKey));
        }

        public partial async Task<RegistryResult<bool>> DeleteValueAsync(RegistryHive hive, string subKey, string valueName, CancellationToken ct)
        {
            var r = await CallAsync("DeleteValue", ct, Hive(hive), Key(subKey), Name(valueName)).ConfigureAwait(false);
            return Result(r, _ => true);
        }

        public partial async Task<RegistryResult<bool>> CheckAccessAsync(RegistryHive hive, string subKey, uint required, CancellationToken ct)
        {
            var r = await CallAsync("CheckAccess", ct, Hive(hive), Key(subKey),
                new CimParameter("uRequired", CimValue.FromUInt32(required))).ConfigureAwait(false);
            return Result(r, o => Out(o, "bGranted").AsBoolean() ?? false);
        }

        /// <summary>Maps a StdRegProv ReturnValue to an outcome.</summary>
        public static RegistryOutcome OutcomeOf(uint returnValue)
        {
            switch (returnValue)
            {
                case 0: return RegistryOutcome.Success;
                case 1: return RegistryOutcome.ValueNotFound;
                case 2: return RegistryOutcome.KeyNotFound;
                case 5:
                case WbemAccessDenied: return RegistryOutcome.AccessDenied;
                case WbemTypeMismatch: return RegistryOutcome.TypeMismatch;
                default: return RegistryOutcome.Failed;
            }
        }

        private Task<CimMethodResult> CallAsync(string method, CancellationToken ct, params CimParameter[] args)
        {
            var options = Defaults.With(ct.CanBeCanceled ? ct : Defaults.CancellationToken);
            options.Use64BitProvider = true;
            return Session.InvokeMethodAsync(NamespaceName, ClassName, method, args, options);
        }

        private static RegistryResult<T> Result<T>(CimMethodResult r, Func<IReadOnlyDictionary<string, CimValue>, T> read)
        {
            var outcome = OutcomeOf(r.ReturnValue);
            // Out-parameters are null whenever ReturnValue is not 0.
            return outcome == RegistryOutcome.Success
                ? new RegistryResult<T>(outcome, r.ReturnValue, read(r.OutParameters))
                : new RegistryResult<T>(outcome, r.ReturnValue, default(T));
        }

        private static CimValue Out(IReadOnlyDictionary<string, CimValue> o, string name) =>
            o != null && o.TryGetValue(name, out var v) && v != null ? v : CimValue.Null;

        private static CimParameter Hive(RegistryHive hive) => new CimParameter("hDefKey", CimValue.FromUInt32((uint)hive));
        private static CimParameter Key(string subKey) => new CimParameter("sSubKeyName", CimValue.FromString(subKey ?? string.Empty));
        private static CimParameter Name(string valueName) => new CimParameter("sValueName", CimValue.FromString(valueName ?? string.Empty));
    }
}
