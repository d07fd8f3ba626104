using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Adds and removes exemption entries in a policy document. Each change happens under <see cref="PolicyFileLock"/>:
    /// read the current file, edit its "exemptions" array as a JObject (everything else is kept, in its order), check
    /// the result, write it to a temp file in the same directory and move that over the original in one rename. A
    /// reader sees the old document or the new one, never half of one; a crash leaves at most a stray temp file.
    /// </summary>
    public sealed class PolicyExemptionWriter
    {
        private static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);

        public PolicyExemptionWriter(string policyPath)
        {
            if (string.IsNullOrWhiteSpace(policyPath)) throw new ArgumentException("A policy path is required.", nameof(policyPath));
            PolicyPath = Path.GetFullPath(policyPath);
        }

        public string PolicyPath { get; }

        /// <summary>How long to wait for another process's grant or revoke on the same file.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>
        /// Checks the edited document before it replaces the file: returns its problems, none when it is a valid
        /// policy. The cmdlets plug the policy validator in here, so a grant can never leave an invalid policy.
        /// </summary>
        public Func<string, IReadOnlyList<string>> ValidateDocument { get; set; }

        /// <summary>The exemptions in the file as it is now (no lock: a rename-replaced file is always whole).</summary>
        public IReadOnlyList<Exemption> ReadAll()
        {
            var doc = Load(ReadText(out _));
            var array = ExemptionArray(doc, create: false);
            if (array == null) return Array.Empty<Exemption>();
            var list = new List<Exemption>();
            foreach (var item in array)
            {
                if (!(item is JObject o)) throw Invalid("an entry of \"exemptions\" is not an object");
                try { list.Add(PolicyExemptionJson.FromEntry(o, PolicyPath)); }
                catch (FormatException ex) { throw Invalid(ex.Message); }
            }
            return list;
        }

        /// <summary>Appends <paramref name="exemption"/>; its id must not be in the file yet.</summary>
        public void Add(Exemption exemption, CancellationToken ct = default)
        {
            if (exemption == null) throw new ArgumentNullException(nameof(exemption));
            if (!ExemptionId.IsValid(exemption.Id)) throw new ArgumentException("'" + exemption.Id + "' is not an exemption id: expected a GUID.", nameof(exemption));
            if (string.IsNullOrWhiteSpace(exemption.Reason)) throw new ArgumentException("An exemption needs a reason.", nameof(exemption));
            Edit(doc =>
            {
                var array = ExemptionArray(doc, create: true);
                if (FindEntry(array, exemption.Id) != null)
                    throw new ExemptionException(ExemptionErrorKind.ExemptionExists, PolicyPath,
                        "An exemption with id " + exemption.Id + " already exists in " + PolicyPath + "; nothing was written.");
                array.Add(PolicyExemptionJson.ToEntry(exemption));
                return true;
            }, ct);
            exemption.Source = ExemptionSource.Policy;
            exemption.Location = PolicyPath;
        }

        /// <summary>Removes the entry with that id and returns it as it was; null (and no write) when there is none.</summary>
        public Exemption Remove(string id, CancellationToken ct = default)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("An exemption id is required.", nameof(id));
            Exemption removed = null;
            Edit(doc =>
            {
                var entry = FindEntry(ExemptionArray(doc, create: false), id);
                if (entry == null) return false;
                try { removed = PolicyExemptionJson.FromEntry(entry, PolicyPath); }
                catch (FormatException) { removed = new Exemption { Id = id, Source = ExemptionSource.Policy, Location = PolicyPath }; }
                entry.Remove();
                return true;
            }, ct);
            return removed;
        }

        private void Edit(Func<JObject, bool> change, CancellationToken ct)
        {
            using (PolicyFileLock.Acquire(PolicyPath, LockTimeout, ct))
            {
                var text = ReadText(out var hadBom);
                var doc = Load(text);
                if (!change(doc)) return;
                var updated = Serialize(doc, text);
                var problems = ValidateDocument?.Invoke(updated);
                if (problems != null && problems.Count > 0)
                    throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath,
                        "The edited policy would not be valid, so " + PolicyPath + " was left unchanged: " + string.Join("; ", problems));
                ct.ThrowIfCancellationRequested();
                ReplaceAtomically(updated, hadBom);
            }
        }

        private string ReadText(out bool hadBom)
        {
            byte[] bytes;
            try
            {
                using (var fs = new FileStream(PolicyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var ms = new MemoryStream())
                {
                    fs.CopyTo(ms);
                    bytes = ms.ToArray();
                }
            }
            catch (FileNotFoundException ex) { throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath, "The policy file " + PolicyPath + " does not exist.", ex); }
            catch (DirectoryNotFoundException ex) { throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath, "The policy file " + PolicyPath + " does not exist.", ex); }
            hadBom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF;
            return hadBom ? Utf8NoBom.GetString(bytes, 3, bytes.Length - 3) : Utf8NoBom.GetString(bytes);
        }

        private JObject Load(string text)
        {
            try
            {
                using (var reader = new JsonTextReader(new StringReader(text))
                {
                    DateParseHandling = DateParseHandling.None,
                    FloatParseHandling = FloatParseHandling.Decimal,
                })
                {
                    var doc = JObject.Load(reader, new JsonLoadSettings
                    {
                        CommentHandling = CommentHandling.Load,
                        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                    });
                    while (reader.Read())
                        if (reader.TokenType != JsonToken.Comment)
                            throw Invalid("there is more after the top-level object");
                    return doc;
                }
            }
            catch (JsonException ex)
            {
                throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath,
                    "The policy file " + PolicyPath + " is not a JSON object: " + ex.Message, ex);
            }
        }

        private JArray ExemptionArray(JObject doc, bool create)
        {
            var prop = doc.Properties().FirstOrDefault(p => string.Equals(p.Name, PolicyExemptionJson.ArrayName, StringComparison.OrdinalIgnoreCase));
            if (prop == null || prop.Value.Type == JTokenType.Null)
            {
                if (!create) return null;
                var array = new JArray();
                if (prop == null) doc.Add(PolicyExemptionJson.ArrayName, array);
                else prop.Value = array;
                return array;
            }
            if (!(prop.Value is JArray existing)) throw Invalid("\"exemptions\" is not an array");
            return existing;
        }

        private static JObject FindEntry(JArray array, string id)
        {
            if (array == null) return null;
            foreach (var item in array)
            {
                if (!(item is JObject o)) continue;
                var value = o.GetValue(PolicyExemptionJson.Id, StringComparison.OrdinalIgnoreCase);
                if (value != null && value.Type == JTokenType.String && ExemptionId.AreSame((string)value, id)) return o;
            }
            return null;
        }

        /// <summary>Writes the document back with the original's indentation, line ending and final newline.</summary>
        private static string Serialize(JObject doc, string original)
        {
            var newLine = original.Contains("\r\n") ? "\r\n" : "\n";
            var indented = original.IndexOf('\n') >= 0;
            var indentChar = ' ';
            var indentation = 2;
            foreach (var line in original.Split('\n').Skip(1))
            {
                var width = 0;
                while (width < line.Length && (line[width] == ' ' || line[width] == '\t')) width++;
                if (width == 0 || width == line.TrimEnd('\r').Length) continue;
                indentChar = line[0];
                indentation = width;
                break;
            }
            var sw = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = newLine };
            using (var writer = new JsonTextWriter(sw)
            {
                Formatting = indented ? Formatting.Indented : Formatting.None,
                Indentation = indentation,
                IndentChar = indentChar,
            })
            {
                doc.WriteTo(writer);
            }
            var text = sw.ToString();
            if (original.EndsWith("\n", StringComparison.Ordinal)) text += newLine;
            return text;
        }

        private void ReplaceAtomically(string text, bool withBom)
        {
            var directory = Path.GetDirectoryName(PolicyPath);
            var temp = Path.Combine(directory, "." + Path.GetFileName(PolicyPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                var bytes = Utf8NoBom.GetBytes(text);
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    if (withBom) fs.Write(new byte[] { 0xEF, 0xBB, 0xBF }, 0, 3);
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
                // File.Replace is ReplaceFile on Windows (keeps the original's ACL and attributes) and rename(2) on
                // Unix; both swap the whole file in one step. On Windows a reader that opened the policy without
                // FILE_SHARE_DELETE blocks the swap for a moment, so a few short retries are allowed.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        File.Replace(temp, PolicyPath, null, ignoreMetadataErrors: true);
                        return;
                    }
                    catch (IOException) when (attempt < 10 && File.Exists(temp))
                    {
                        Thread.Sleep(50 * attempt);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new ExemptionException(ExemptionErrorKind.WriteFailed, PolicyPath,
                    "Could not write " + PolicyPath + ": " + ex.Message + ". The file was left unchanged.", ex);
            }
            finally
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        private ExemptionException Invalid(string what) =>
            new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath, "The policy file " + PolicyPath + " cannot be edited: " + what + ".");
    }
}
