using System;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Exemption ids are GUIDs, written as "D" (with hyphens) or "N" (32 hex digits). A device exemption's id is a
    /// registry key name, so every id that comes in from a user, a pipeline or a registry enumeration is checked
    /// here before it is used to build a path.
    /// </summary>
    public static class ExemptionId
    {
        /// <summary>A new id, lower-case "D" format.</summary>
        public static string New() => Guid.NewGuid().ToString("D");

        public static bool IsValid(string id) => TryParse(id, out _);

        public static bool TryParse(string id, out Guid guid)
        {
            guid = Guid.Empty;
            if (string.IsNullOrEmpty(id) || (id.Length != 36 && id.Length != 32)) return false;
            // Exact formats only: no braces, no whitespace (Guid parsing trims it), nothing that could extend a path.
            foreach (var c in id)
                if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
            return (Guid.TryParseExact(id, "D", out guid) || Guid.TryParseExact(id, "N", out guid)) && guid != Guid.Empty;
        }

        /// <summary>The id in canonical form (lower-case "D"); throws <see cref="ArgumentException"/> when invalid.</summary>
        public static string Normalize(string id)
        {
            if (!TryParse(id, out var guid))
                throw new ArgumentException("'" + id + "' is not an exemption id: expected a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.", nameof(id));
            return guid.ToString("D");
        }

        /// <summary>True when both are the same GUID, whatever the format and case.</summary>
        public static bool AreSame(string a, string b) =>
            TryParse(a, out var x) && TryParse(b, out var y) ? x == y : string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
