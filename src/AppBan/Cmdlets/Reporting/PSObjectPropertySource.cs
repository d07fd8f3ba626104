using System.Management.Automation;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>Reads properties of anything on the pipeline: live objects, deserialized ones, hashtables.</summary>
    internal sealed class PSObjectPropertySource : IPropertySource
    {
        private readonly PSObject _object;

        private PSObjectPropertySource(PSObject value) { _object = value; }

        public static IPropertySource Of(object value)
        {
            if (value == null) return null;
            var ps = PSObject.AsPSObject(value);
            if (ps.BaseObject is System.Collections.IDictionary dictionary) return new HashtableSource(dictionary);
            return new PSObjectPropertySource(ps);
        }

        public object Get(string name)
        {
            var property = _object.Properties[name];
            if (property == null) return null;
            object value;
            try { value = property.Value; }
            catch (GetValueException) { return null; }
            return Unwrap(value);
        }

        public bool Has(string name) => _object.Properties[name] != null;

        public IPropertySource Wrap(object value) => Of(value);

        internal static object Unwrap(object value) =>
            value is PSObject ps && !(ps.BaseObject is PSCustomObject) ? ps.BaseObject : value;

        private sealed class HashtableSource : IPropertySource
        {
            private readonly System.Collections.IDictionary _values;
            public HashtableSource(System.Collections.IDictionary values) { _values = values; }
            public object Get(string name) => _values.Contains(name) ? Unwrap(_values[name]) : null;
            public bool Has(string name) => _values.Contains(name);
            public IPropertySource Wrap(object value) => Of(value);
        }
    }
}
