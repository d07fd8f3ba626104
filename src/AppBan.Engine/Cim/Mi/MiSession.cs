using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Management.Infrastructure;
using Microsoft.Management.Infrastructure.Options;
using MiCimException = Microsoft.Management.Infrastructure.CimException;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;
using MiCimType = Microsoft.Management.Infrastructure.CimType;
using MiMethodResult = Microsoft.Management.Infrastructure.CimMethodResult;

namespace AppBan.Engine.Cim.Mi
{
    /// <summary>
    /// <see cref="ICimSession"/> over Microsoft.Management.Infrastructure (Windows only: it needs the native MI client).
    /// Only <see cref="MiSessions"/> creates it, and only on Windows or from a user's CimSession, so importing the
    /// module elsewhere never loads MI.
    /// </summary>
    internal sealed class MiSession : ICimSession, ICimInstanceMethods, ICimInstanceDeletion
    {
        private const string Wql = "WQL";
        private readonly MiCimSession session;
        private readonly bool ownsSession;
        private readonly TimeSpan? defaultTimeout;

        public MiSession(MiCimSession session, string computerName, bool ownsSession, TimeSpan? defaultTimeout)
        {
            this.session = session ?? throw new ArgumentNullException(nameof(session));
            this.ownsSession = ownsSession;
            this.defaultTimeout = defaultTimeout;
            ComputerName = computerName;
        }

        public string ComputerName { get; }
        public string TransportName => "MI";

        public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            options = options ?? CimCallOptions.Default;
            // The synchronous enumerable streams instances as MI delivers them; run it off the caller's thread.
            return Task.Run(() =>
            {
                using (var operationOptions = OperationOptions(options))
                {
                    try
                    {
                        foreach (var instance in session.QueryInstances(namespaceName, Wql, wql, operationOptions))
                            using (instance) onInstance(MiValues.ToCimObject(instance));
                    }
                    // [guess W037] MI ends a cancelled operation with OperationCanceledException or a CimException; either way it is a cancellation.
                    catch (Exception ex) when (options.CancellationToken.IsCancellationRequested && (ex is MiCimException || ex is OperationCanceledException))
                    {
                        throw MiErrors.Cancelled(ComputerName, ex);
                    }
                    catch (MiCimException ex) { throw MiErrors.ToCimException(ex, ComputerName); }
                }
            });
        }

        public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options) =>
            InvokeAsync(inParameters, options, (parameters, operationOptions) =>
                session.InvokeMethod(namespaceName, className, methodName, parameters, operationOptions));

        public Task<CimMethodResult> InvokeInstanceMethodAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys,
            string methodName, IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            if (keys == null || keys.Count == 0) throw new ArgumentException("An instance method needs the instance's key properties.", nameof(keys));
            return InvokeAsync(inParameters, options, (parameters, operationOptions) =>
            {
                // [doc CimSession.InvokeMethod(namespace, CimInstance, ...)] the provider finds the instance by its key properties.
                using (var instance = new CimInstance(className, namespaceName))
                {
                    foreach (var key in keys) instance.CimInstanceProperties.Add(CimProperty.Create(key.Key, key.Value, MiCimType.String, CimFlags.Key));
                    return session.InvokeMethod(namespaceName, instance, methodName, parameters, operationOptions);
                }
            });
        }

        public Task DeleteInstanceAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys, CimCallOptions options)
        {
            if (string.IsNullOrWhiteSpace(className)) throw new ArgumentException("A class name is required.", nameof(className));
            if (keys == null || keys.Count == 0) throw new ArgumentException("A Delete needs the instance's key properties.", nameof(keys));
            options = options ?? CimCallOptions.Default;
            return Task.Run(() =>
            {
                using (var operationOptions = OperationOptions(options))
                // [doc CimSession.DeleteInstance(namespace, CimInstance, options)] the provider finds the instance by its key properties.
                using (var instance = new CimInstance(className, namespaceName))
                {
                    foreach (var key in keys) instance.CimInstanceProperties.Add(CimProperty.Create(key.Key, key.Value, MiCimType.String, CimFlags.Key));
                    try
                    {
                        session.DeleteInstance(namespaceName, instance, operationOptions);
                    }
                    // [guess W037] MI ends a cancelled operation with OperationCanceledException or a CimException; either way it is a cancellation.
                    catch (Exception ex) when (options.CancellationToken.IsCancellationRequested && (ex is MiCimException || ex is OperationCanceledException))
                    {
                        throw MiErrors.Cancelled(ComputerName, ex);
                    }
                    catch (MiCimException ex) { throw MiErrors.ToCimException(ex, ComputerName); }
                }
            });
        }

        private Task<CimMethodResult> InvokeAsync(IReadOnlyList<CimParameter> inParameters, CimCallOptions options,
            Func<CimMethodParametersCollection, CimOperationOptions, MiMethodResult> invoke)
        {
            options = options ?? CimCallOptions.Default;
            return Task.Run(() =>
            {
                using (var operationOptions = OperationOptions(options))
                using (var parameters = new CimMethodParametersCollection())
                {
                    foreach (var p in inParameters ?? Array.Empty<CimParameter>())
                        parameters.Add(CimMethodParameter.Create(p.Name, MiValues.ToMiValue(p.Value), MiValues.ToMiType(p.Value), CimFlags.In));
                    try
                    {
                        using (var result = invoke(parameters, operationOptions))
                        {
                            var returnValue = Convert.ToUInt32(result.ReturnValue?.Value ?? 0u, System.Globalization.CultureInfo.InvariantCulture);
                            var outs = new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase);
                            foreach (var o in result.OutParameters) outs[o.Name] = MiValues.FromMi(o.Value, o.CimType);
                            return new CimMethodResult(returnValue, outs);
                        }
                    }
                    // [guess W037] MI ends a cancelled operation with OperationCanceledException or a CimException; either way it is a cancellation.
                    catch (Exception ex) when (options.CancellationToken.IsCancellationRequested && (ex is MiCimException || ex is OperationCanceledException))
                    {
                        throw MiErrors.Cancelled(ComputerName, ex);
                    }
                    catch (MiCimException ex) { throw MiErrors.ToCimException(ex, ComputerName); }
                }
            });
        }

        private CimOperationOptions OperationOptions(CimCallOptions options)
        {
            var o = new CimOperationOptions();
            var timeout = options.OperationTimeout ?? defaultTimeout;
            if (timeout.HasValue) o.Timeout = timeout.Value;
            if (options.CancellationToken.CanBeCanceled) o.CancellationToken = options.CancellationToken;
            if (options.Use64BitProvider)
            {
                // [doc WMI "Requesting WMI Data on a 64-bit Platform"] __ProviderArchitecture is an integer (32/64) and
                // __RequiredArchitecture a boolean; SetCustomOption(string, int/bool, mustComply) sends SInt32/Boolean.
                // mustComply false: a WinRM service answers InvalidOptions to mustComply options it does not know.
                o.SetCustomOption("__ProviderArchitecture", 64, false);
                o.SetCustomOption("__RequiredArchitecture", true, false);
            }
            return o;
        }

        public void Dispose()
        {
            if (ownsSession) session.Dispose();
        }
    }

    /// <summary>Value conversion between the port's CimValue and MI's typed values.</summary>
    internal static class MiValues
    {
        public static CimObject ToCimObject(CimInstance instance)
        {
            var props = new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in instance.CimInstanceProperties) props[p.Name] = FromMi(p.Value, p.CimType);
            return new CimObject(instance.CimSystemProperties.ClassName, props);
        }

        public static CimValue FromMi(object value, MiCimType type)
        {
            if (value == null) return CimValue.Null;
            var (portType, isArray) = ToPortType(type);
            if (value is CimInstance nested) return new CimValue(CimType.Instance, false, ToCimObject(nested));
            if (value is CimInstance[] nestedArray) return new CimValue(CimType.Instance, true, nestedArray.Select(i => (object)ToCimObject(i)).ToList());
            if (isArray && value is Array array) return new CimValue(portType, true, array.Cast<object>().ToList());
            return new CimValue(portType, false, value);
        }

        public static object ToMiValue(CimValue value)
        {
            if (value == null || value.IsNull) return null;
            if (!value.IsArray) return Scalar(value.Type, value.Value);
            var items = ((IEnumerable<object>)value.Value).Select(i => Scalar(value.Type, i)).ToList();
            switch (value.Type)
            {
                case CimType.String: return items.Cast<string>().ToArray();
                case CimType.UInt8: return items.Cast<byte>().ToArray();
                case CimType.UInt32: return items.Cast<uint>().ToArray();
                case CimType.SInt32: return items.Cast<int>().ToArray();
                case CimType.UInt64: return items.Cast<ulong>().ToArray();
                case CimType.Boolean: return items.Cast<bool>().ToArray();
                default: throw new NotSupportedException("Array parameters of type " + value.Type + " are not supported.");
            }
        }

        private static object Scalar(CimType type, object v)
        {
            var c = System.Globalization.CultureInfo.InvariantCulture;
            switch (type)
            {
                case CimType.Boolean: return Convert.ToBoolean(v, c);
                case CimType.UInt8: return Convert.ToByte(v, c);
                case CimType.SInt8: return Convert.ToSByte(v, c);
                case CimType.UInt16: return Convert.ToUInt16(v, c);
                case CimType.SInt16: return Convert.ToInt16(v, c);
                case CimType.UInt32: return Convert.ToUInt32(v, c);
                case CimType.SInt32: return Convert.ToInt32(v, c);
                case CimType.UInt64: return Convert.ToUInt64(v, c);
                case CimType.SInt64: return Convert.ToInt64(v, c);
                case CimType.Real32: return Convert.ToSingle(v, c);
                case CimType.Real64: return Convert.ToDouble(v, c);
                case CimType.Char16: return Convert.ToChar(v, c);
                case CimType.DateTime: return Convert.ToDateTime(v, c);
                default: return Convert.ToString(v, c);
            }
        }

        /// <summary>The MI type for an in-parameter: hDefKey must travel as UInt32, not as a string or SInt32.</summary>
        public static MiCimType ToMiType(CimValue value)
        {
            var type = value?.Type ?? CimType.String;
            var isArray = value != null && value.IsArray;
            switch (type)
            {
                case CimType.Boolean: return isArray ? MiCimType.BooleanArray : MiCimType.Boolean;
                case CimType.UInt8: return isArray ? MiCimType.UInt8Array : MiCimType.UInt8;
                case CimType.SInt8: return isArray ? MiCimType.SInt8Array : MiCimType.SInt8;
                case CimType.UInt16: return isArray ? MiCimType.UInt16Array : MiCimType.UInt16;
                case CimType.SInt16: return isArray ? MiCimType.SInt16Array : MiCimType.SInt16;
                case CimType.UInt32: return isArray ? MiCimType.UInt32Array : MiCimType.UInt32;
                case CimType.SInt32: return isArray ? MiCimType.SInt32Array : MiCimType.SInt32;
                case CimType.UInt64: return isArray ? MiCimType.UInt64Array : MiCimType.UInt64;
                case CimType.SInt64: return isArray ? MiCimType.SInt64Array : MiCimType.SInt64;
                case CimType.Real32: return isArray ? MiCimType.Real32Array : MiCimType.Real32;
                case CimType.Real64: return isArray ? MiCimType.Real64Array : MiCimType.Real64;
                case CimType.Char16: return isArray ? MiCimType.Char16Array : MiCimType.Char16;
                case CimType.DateTime: return isArray ? MiCimType.DateTimeArray : MiCimType.DateTime;
                default: return isArray ? MiCimType.StringArray : MiCimType.String;
            }
        }

        private static (CimType, bool) ToPortType(MiCimType type)
        {
            switch (type)
            {
                case MiCimType.Boolean: return (CimType.Boolean, false);
                case MiCimType.BooleanArray: return (CimType.Boolean, true);
                case MiCimType.UInt8: return (CimType.UInt8, false);
                case MiCimType.UInt8Array: return (CimType.UInt8, true);
                case MiCimType.SInt8: return (CimType.SInt8, false);
                case MiCimType.SInt8Array: return (CimType.SInt8, true);
                case MiCimType.UInt16: return (CimType.UInt16, false);
                case MiCimType.UInt16Array: return (CimType.UInt16, true);
                case MiCimType.SInt16: return (CimType.SInt16, false);
                case MiCimType.SInt16Array: return (CimType.SInt16, true);
                case MiCimType.UInt32: return (CimType.UInt32, false);
                case MiCimType.UInt32Array: return (CimType.UInt32, true);
                case MiCimType.SInt32: return (CimType.SInt32, false);
                case MiCimType.SInt32Array: return (CimType.SInt32, true);
                case MiCimType.UInt64: return (CimType.UInt64, false);
                case MiCimType.UInt64Array: return (CimType.UInt64, true);
                case MiCimType.SInt64: return (CimType.SInt64, false);
                case MiCimType.SInt64Array: return (CimType.SInt64, true);
                case MiCimType.Real32: return (CimType.Real32, false);
                case MiCimType.Real32Array: return (CimType.Real32, true);
                case MiCimType.Real64: return (CimType.Real64, false);
                case MiCimType.Real64Array: return (CimType.Real64, true);
                case MiCimType.Char16: return (CimType.Char16, false);
                case MiCimType.Char16Array: return (CimType.Char16, true);
                case MiCimType.DateTime: return (CimType.DateTime, false);
                case MiCimType.DateTimeArray: return (CimType.DateTime, true);
                case MiCimType.String: return (CimType.String, false);
                case MiCimType.StringArray: return (CimType.String, true);
                case MiCimType.Reference: return (CimType.Reference, false);
                case MiCimType.ReferenceArray: return (CimType.Reference, true);
                case MiCimType.Instance: return (CimType.Instance, false);
                case MiCimType.InstanceArray: return (CimType.Instance, true);
                default: return (CimType.Unknown, false);
            }
        }
    }

    /// <summary>MI CimException to the port's CimException.</summary>
    internal static class MiErrors
    {
        public static AppBan.Engine.Cim.CimException ToCimException(MiCimException ex, string computerName)
        {
            var status = (long)ex.NativeErrorCode;
            long? hresult = null;
            try
            {
                // WinRM-level failures arrive as Failed with the HRESULT in ErrorData.error_Code or MessageId "HRESULT 0x...".
                var errorCode = ex.ErrorData?.CimInstanceProperties["error_Code"]?.Value;
                if (errorCode != null) hresult = Convert.ToInt64(errorCode, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception) { /* ErrorData is optional */ }
            hresult = hresult ?? CimErrorCodes.ParseCode(ex.MessageId);
            var kind = Kind(status, hresult);
            return new AppBan.Engine.Cim.CimException(kind, computerName, computerName + ": " + ex.Message, hresult ?? status, ex)
            {
                Detail = ex.MessageId,
            };
        }

        /// <summary>The CIM status decides, except Failed, whose HRESULT says more (unreachable, timeout...).</summary>
        public static CimErrorKind Kind(long nativeErrorCode, long? hresult)
        {
            if (nativeErrorCode != 1 && CimErrorCodes.KindOfCimStatus(nativeErrorCode) is CimErrorKind byStatus) return byStatus;
            if (hresult.HasValue && CimErrorCodes.KindOfHResult(hresult.Value) is CimErrorKind byHResult) return byHResult;
            return CimErrorKind.ProviderFailure;
        }

        public static AppBan.Engine.Cim.CimException Cancelled(string computerName, Exception inner) =>
            new AppBan.Engine.Cim.CimException(CimErrorKind.Cancelled, computerName, computerName + ": the operation was cancelled.", null, inner);
    }
}
