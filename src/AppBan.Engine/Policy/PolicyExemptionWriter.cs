using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using AppBan.Engine.Exemptions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Adds and removes exemption entries in a policy document. Each change happens under <see cref="PolicyFileLock"/>:
    /// read the current file, edit its "exemptions" array as a JObject (everything else is kept, in its order), check
    /// the result with the policy validator, write it to a temp file in the same directory and move that over the
    /// original in one rename. A reader sees the old document or the new one, never half of one; a crash leaves at
    /// most a stray temp file. An edit that would leave an invalid policy is refused and the file stays as it was.
    /// </summary>
    public sealed class PolicyExemptionWriter
    {
        private const string ArrayName = "exemptions";
        private const string IdName = "id";

        public PolicyExemptionWriter(string policyPath)
        {
            if (string.IsNullOrWhiteSpace(policyPath)) throw new ArgumentException("A policy path is required.", nameof(policyPath));
            PolicyPath = Path.GetFullPath(policyPath);
        }

        public string PolicyPath { get; }

        /// <summary>How long to wait for another process's grant or revoke on the same file.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Appends <paramref name="exemption"/> in the policy's exemption shape; its id must not be in the file yet.</summary>
        public void Add(Exemption exemption, CancellationToken ct = default)
        {
            if (exemption == null) throw new ArgumentNullException(nameof(exemption));
            if (!ExemptionId.IsValid(exemption.Id)) throw new ArgumentException("'" + exemption.Id + "' is not an exemption id: expected a GUID.", nameof(exemption));
            if (string.IsNullOrWhiteSpace(exemption.Reason)) throw new ArgumentException("An exemption needs a reason.", nameof(exemption));
            Edit((doc, _) =>
            {
                var array = ExemptionArray(doc, create: true);
                if (FindEntry(array, exemption.Id) != null)
                    throw new ExemptionException(ExemptionErrorKind.ExemptionExists, PolicyPath,
                        "An exemption with id " + exemption.Id + " already exists in " + PolicyPath + "; nothing was written.");
                array.Add(PolicyWriter.ToJObject(exemption));
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
            Edit((doc, text) =>
            {
                var entry = FindEntry(ExemptionArray(doc, create: false), id);
                if (entry == null) return false;
                var entryId = (string)entry.GetValue(IdName, StringComparison.OrdinalIgnoreCase);
                removed = ReadAsPolicyLoaderDoes(text, entryId)
                          ?? new Exemption { Id = entryId, Source = ExemptionSource.Policy, Location = PolicyPath };
                entry.Remove();
                return true;
            }, ct);
            return removed;
        }

        /// <summary>The exemption as the policy loader reads it, or null when the document does not load as it is.</summary>
        private Exemption ReadAsPolicyLoaderDoes(string text, string id)
        {
            try
            {
                return PolicyLoader.LoadJson(text, PolicyPath).Exemptions
                    .FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));
            }
            catch (PolicyException)
            {
                return null;
            }
        }

        private void Edit(Func<JObject, string, bool> change, CancellationToken ct)
        {
            using (PolicyFileLock.Acquire(PolicyPath, LockTimeout, ct))
            {
                var text = ReadText(out var encoding);
                var doc = Load(text);
                if (!change(doc, text)) return;
                var updated = Serialize(doc, text);
                var problems = PolicyValidator.ValidateJson(updated, PolicyPath);
                if (problems.Count > 0)
                    throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath,
                        "The edited policy would not be valid, so " + PolicyPath + " was left unchanged: " +
                        string.Join("; ", problems.Select(p => p.ToString())));
                ct.ThrowIfCancellationRequested();
                ReplaceAtomically(updated, encoding);
            }
        }

        /// <summary>The file's text, and the encoding to write it back in (its byte order mark, or UTF-8 without one).</summary>
        private string ReadText(out Encoding encoding)
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
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new ExemptionException(ExemptionErrorKind.InvalidPolicy, PolicyPath, "The policy file " + PolicyPath + " does not exist.", ex);
            }
            encoding = EncodingOf(bytes);
            return PolicyLoader.Decode(bytes);
        }

        // Windows PowerShell 5.1 writes UTF-16 with a BOM by default; a file keeps the encoding it had.
        private static Encoding EncodingOf(byte[] b)
        {
            if (b.Length >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) return new UTF8Encoding(true);
            if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0xFE) return new UnicodeEncoding(false, true);
            if (b.Length >= 2 && b[0] == 0xFE && b[1] == 0xFF) return new UnicodeEncoding(true, true);
            return new UTF8Encoding(false);
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
            var prop = doc.Properties().FirstOrDefault(p => string.Equals(p.Name, ArrayName, StringComparison.OrdinalIgnoreCase));
            if (prop == null || prop.Value.Type == JTokenType.Null)
            {
                if (!create) return null;
                var array = new JArray();
                if (prop == null) doc.Add(ArrayName, array);
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
                var value = o.GetValue(IdName, StringComparison.OrdinalIgnoreCase);
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

        private void ReplaceAtomically(string text, Encoding encoding)
        {
            var directory = Path.GetDirectoryName(PolicyPath);
            var temp = Path.Combine(directory, "." + Path.GetFileName(PolicyPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                var preamble = encoding.GetPreamble();
                var bytes = encoding.GetBytes(text);
                using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    fs.Write(preamble, 0, preamble.Length);
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
