using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Tests.Fakes
{
    /// <summary>
    /// REG_MULTI_SZ values and DeleteValue, which browser policy and its records need: GetMultiStringValue and
    /// SetMultiStringValue as Windows answers them (1 value missing, 2 key missing, 0x80041005 wrong type), DeleteValue
    /// answering 2 for a missing value as RegDeleteValue does (ERROR_FILE_NOT_FOUND).
    /// </summary>
    public sealed partial class FakeWindowsHost
    {
        /// <summary>Sets a REG_MULTI_SZ value, creating the key.</summary>
        public void SetMultiString(string keyPath, string name, params string[] values)
        {
            lock (gate) Resolve(keyPath, create: true).Values[name] = (RegistryValueKind.MultiString, values.ToArray());
        }

        /// <summary>Called under the lock for the methods the main file does not model; false leaves the call to it.</summary>
        private bool TryMultiStringRegistry(string method, Node node, string valueName, IDictionary<string, CimValue> args, out CimMethodResult result)
        {
            result = null;
            switch (method)
            {
                case "GetMultiStringValue":
                    if (!node.Values.TryGetValue(valueName ?? "", out var value)) result = Result(1);
                    else if (value.Kind != RegistryValueKind.MultiString) result = Result(0x80041005);
                    else result = Result(0, ("sValue", CimValue.FromStringArray((string[])value.Data)));
                    return true;
                case "SetMultiStringValue":
                    node.Values[valueName ?? ""] = (RegistryValueKind.MultiString, args["sValue"].AsStringArray().ToArray());
                    result = Result(0);
                    return true;
                case "DeleteValue":
                    result = Result(node.Values.Remove(valueName ?? "") ? 0u : 2u);
                    return true;
                default:
                    return false;
            }
        }
    }
}
