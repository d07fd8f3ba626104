using System;
using System.Globalization;
using System.Linq;

namespace AppBan.Engine.Inventory
{
    /// <summary>
    /// The name a target gives itself: where it is read and which names AppBan carries. The value is written on the device,
    /// so it is hostile text until <see cref="TryValidate"/> accepts it.
    /// </summary>
    public static class MachineNames
    {
        /// <summary>
        /// The running NetBIOS name (REG_SZ); ComputerName\ComputerName beside it holds the name the next start will take
        /// [guess W117]. One GetStringValue per scan.
        /// </summary>
        public const string ActiveComputerNameKey = @"SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName";
        public const string ComputerNameValue = "ComputerName";

        /// <summary>The longest name AppBan carries: a DNS label's limit [doc: Computer Names, "each component can be up to 63 bytes"].</summary>
        public const int MaxLength = 63;

        /// <summary>Names Windows keeps for devices, also before an extension ("nul.corp") [doc: Naming Files, Paths, and Namespaces].</summary>
        private static readonly string[] DeviceNames =
            new[] { "CON", "PRN", "AUX", "NUL", "CLOCK$" }
                .Concat(Enumerable.Range(0, 10).Select(i => "COM" + i.ToString(CultureInfo.InvariantCulture)))
                .Concat(Enumerable.Range(0, 10).Select(i => "LPT" + i.ToString(CultureInfo.InvariantCulture)))
                .ToArray();

        /// <summary>True for a name a report, a CSV cell and a file name can carry as it is (see <see cref="TryValidate"/>).</summary>
        public static bool IsValid(string name) => TryValidate(name, out _);

        /// <summary>
        /// Accepts 1 to 63 ASCII letters, digits, '-', '_' and '.', not starting or ending with '.', and not a Windows device
        /// name (a report file is named after it). Windows' own rules are
        /// wider and narrower at once: a NetBIOS name is at most 15 OEM bytes of letters, digits, hyphens and periods
        /// [doc: Computer Names], Setup also allows multi-byte characters [doc: Unattend Microsoft-Windows-Shell-Setup
        /// ComputerName], and SetComputerNameEx refuses control characters, leading or trailing spaces and
        /// " / \ [ ] : | &lt; &gt; + = ; , ? [doc: SetComputerNameEx]. AppBan keeps to the set every file system, HTML and CSV
        /// carry unchanged; a name outside it (a non-ASCII one included) is refused
        /// with <paramref name="reason"/>, never repaired: the target is then named by the address it was reached at.
        /// </summary>
        public static bool TryValidate(string name, out string reason)
        {
            if (string.IsNullOrEmpty(name)) { reason = "it is empty"; return false; }
            if (name.Length > MaxLength)
            {
                reason = "it is " + name.Length.ToString(CultureInfo.InvariantCulture) + " characters long (at most " +
                         MaxLength.ToString(CultureInfo.InvariantCulture) + ")";
                return false;
            }
            foreach (var c in name)
            {
                var ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                if (!ok)
                {
                    reason = "it holds a character other than ASCII letters, digits, '-', '_' and '.'";
                    return false;
                }
            }
            if (name[0] == '.' || name[name.Length - 1] == '.') { reason = "it starts or ends with '.'"; return false; }
            var dot = name.IndexOf('.');
            var stem = dot < 0 ? name : name.Substring(0, dot);
            if (DeviceNames.Any(d => string.Equals(d, stem, StringComparison.OrdinalIgnoreCase))) { reason = "it is a Windows device name"; return false; }
            reason = null;
            return true;
        }
    }
}
