using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AppBan.Engine.Cim
{
    /// <summary>CIM intrinsic types (DSP0004) that AppBan sends or reads.</summary>
    public enum CimType
    {
        Unknown, Boolean, UInt8, SInt8, UInt16, SInt16, UInt32, SInt32, UInt64, SInt64,
        Real32, Real64, Char16, String, DateTime, Reference, Instance,
    }

    /// <summary>
    /// A typed CIM value. WS-Man carries text, so a value read from the wire may hold a string with
    /// Type Unknown until a caller asks for a concrete type; the accessors convert and fail loudly.
    /// </summary>
    public sealed class CimValue
    {
        public CimValue(CimType type, bool isArray, object value)
        {
            Type = type;
            IsArray = isArray;
            Value = value;
        }

        public CimType Type { get; }
        public bool IsArray { get; }
        /// <summary>null, a scalar, an IReadOnlyList&lt;object&gt; for arrays, or a CimObject for instances.</summary>
        public object Value { get; }
        public bool IsNull => Value == null;

        public static readonly CimValue Null = new CimValue(CimType.Unknown, false, null);
        public static CimValue FromString(string s) => new CimValue(CimType.String, false, s);
        public static CimValue FromUInt32(uint v) => new CimValue(CimType.UInt32, false, v);
        public static CimValue FromUInt64(ulong v) => new CimValue(CimType.UInt64, false, v);
        public static CimValue FromSInt32(int v) => new CimValue(CimType.SInt32, false, v);
        public static CimValue FromBoolean(bool v) => new CimValue(CimType.Boolean, false, v);
        public static CimValue FromStringArray(IEnumerable<string> v) =>
            new CimValue(CimType.String, true, v?.Cast<object>().ToList());
        public static CimValue FromUInt8Array(IEnumerable<byte> v) =>
            new CimValue(CimType.UInt8, true, v?.Cast<object>().ToList());

        public string AsString() => Value == null ? null : Convert.ToString(ScalarOrThrow(), CultureInfo.InvariantCulture);

        public uint? AsUInt32() => Value == null ? (uint?)null : Convert.ToUInt32(ScalarOrThrow(), CultureInfo.InvariantCulture);
        public int? AsSInt32() => Value == null ? (int?)null : Convert.ToInt32(ScalarOrThrow(), CultureInfo.InvariantCulture);
        public ulong? AsUInt64() => Value == null ? (ulong?)null : Convert.ToUInt64(ScalarOrThrow(), CultureInfo.InvariantCulture);
        public long? AsSInt64() => Value == null ? (long?)null : Convert.ToInt64(ScalarOrThrow(), CultureInfo.InvariantCulture);

        /// <summary>A CIM datetime as UTC; reads DateTime values and ISO 8601 text (WS-Man cim:Datetime).</summary>
        public DateTime? AsDateTime()
        {
            if (Value == null) return null;
            var v = ScalarOrThrow();
            if (v is DateTime d) return d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d.ToUniversalTime();
            if (v is DateTimeOffset o) return o.UtcDateTime;
            return DateTimeOffset.Parse(Convert.ToString(v, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal).UtcDateTime;
        }

        public static CimValue FromDateTime(DateTime v) => new CimValue(CimType.DateTime, false, v);
        public static CimValue FromUInt32Array(IEnumerable<uint> v) =>
            new CimValue(CimType.UInt32, true, v?.Cast<object>().ToList());

        public bool? AsBoolean()
        {
            if (Value == null) return null;
            var v = ScalarOrThrow();
            if (v is bool b) return b;
            var s = Convert.ToString(v, CultureInfo.InvariantCulture);
            if (string.Equals(s, "true", StringComparison.OrdinalIgnoreCase) || s == "1") return true;
            if (string.Equals(s, "false", StringComparison.OrdinalIgnoreCase) || s == "0") return false;
            throw new FormatException("'" + s + "' is not a CIM boolean.");
        }

        /// <summary>Array elements converted with <paramref name="convert"/>; a scalar is a one-element array.</summary>
        public IReadOnlyList<T> AsArray<T>(Func<CimValue, T> convert)
        {
            if (Value == null) return null;
            if (Value is IEnumerable<object> items && !(Value is string))
                return items.Select(i => convert(new CimValue(Type, false, i))).ToList();
            return new[] { convert(this) };
        }

        public IReadOnlyList<string> AsStringArray() => AsArray(v => v.AsString());

        public CimObject AsInstance() => Value as CimObject;

        public override string ToString() => Value == null ? "<null>" :
            IsArray && Value is IEnumerable<object> e ? "[" + string.Join(", ", e) + "]" : Convert.ToString(Value, CultureInfo.InvariantCulture);

        private object ScalarOrThrow()
        {
            if (Value is string) return Value;
            if (Value is IEnumerable<object>) throw new InvalidCastException("The CIM value is an array, not a scalar.");
            return Value;
        }
    }

    /// <summary>An instance read from a target: class name and case-insensitive properties.</summary>
    public sealed class CimObject
    {
        public CimObject(string className, IDictionary<string, CimValue> properties)
        {
            ClassName = className;
            Properties = new Dictionary<string, CimValue>(properties ?? new Dictionary<string, CimValue>(), StringComparer.OrdinalIgnoreCase);
        }

        public string ClassName { get; }
        public IReadOnlyDictionary<string, CimValue> Properties { get; }

        public CimValue this[string name] => Properties.TryGetValue(name, out var v) ? v : CimValue.Null;
    }
}
