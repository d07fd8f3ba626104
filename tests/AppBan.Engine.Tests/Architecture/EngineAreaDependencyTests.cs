using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Architecture
{
    /// <summary>
    /// The engine's areas (AppBan.Engine.&lt;Area&gt;, sub-namespaces such as Cim.WsMan folded into their area) depend on
    /// each other one way only. References are read from the compiled engine's metadata, so nothing a using directive
    /// hides (fully qualified names, method bodies, lambdas, async state machines) escapes.
    /// </summary>
    public class EngineAreaDependencyTests
    {
        private static readonly Lazy<Dictionary<string, HashSet<string>>> Graph =
            new Lazy<Dictionary<string, HashSet<string>>>(() => EngineReferences.AreaGraph(typeof(AppBanPolicy).Assembly.Location));

        [Fact]
        public void No_cycle_among_engine_areas()
        {
            var cycles = EngineReferences.Cycles(Graph.Value);
            Assert.True(cycles.Count == 0, "Engine areas that depend on each other: " + string.Join("; ", cycles.Select(c => string.Join(" -> ", c))));
        }

        [Fact]
        public void Policy_uses_exemptions_and_exemptions_never_use_policy()
        {
            var graph = Graph.Value;
            Assert.Contains("AppBan.Engine.Exemptions", graph["AppBan.Engine.Policy"]);
            Assert.DoesNotContain("AppBan.Engine.Policy", graph["AppBan.Engine.Exemptions"]);
            Assert.Contains("AppBan.Engine.Text", graph["AppBan.Engine.Policy"]);
            Assert.Contains("AppBan.Engine.Text", graph["AppBan.Engine.Exemptions"]);
        }

        [Fact]
        public void Deployment_uses_reporting_and_reporting_never_uses_deployment_or_is_used_by_remediation()
        {
            var graph = Graph.Value;
            // Script generation is deployment: it reads the exit codes of Reporting, and no report knows of it.
            Assert.Contains("AppBan.Engine.Reporting", graph["AppBan.Engine.Deployment"]);
            Assert.DoesNotContain("AppBan.Engine.Deployment", graph["AppBan.Engine.Reporting"]);
            // A report records removal results; a remediation run feeds it through IRemediationRecorder only.
            Assert.Contains("AppBan.Engine.Remediation", graph["AppBan.Engine.Reporting"]);
            Assert.DoesNotContain("AppBan.Engine.Reporting", graph["AppBan.Engine.Remediation"]);
        }

        [Fact]
        public void References_inside_method_bodies_are_seen()
        {
            // DeviceExemptionStore reaches the Text area only by calling IsoDate.TryParse inside a method body.
            var references = EngineReferences.NamespacesReferencedBy(typeof(AppBanPolicy).Assembly.Location, typeof(DeviceExemptionStore).FullName);
            Assert.Contains("AppBan.Engine.Text", references);
            // ... and the Cim area through its async state machines (nested, compiler-generated types).
            Assert.Contains("AppBan.Engine.Cim", references);
        }

        [Fact]
        public void The_cycle_finder_finds_a_cycle_and_ignores_an_area_using_itself()
        {
            var graph = new Dictionary<string, HashSet<string>>
            {
                ["A"] = new HashSet<string> { "A", "B" },
                ["B"] = new HashSet<string> { "C" },
                ["C"] = new HashSet<string> { "A" },
                ["D"] = new HashSet<string> { "A" },
            };
            var cycle = Assert.Single(EngineReferences.Cycles(graph));
            Assert.Equal(new[] { "A", "B", "C", "A" }, cycle);
            graph["C"].Clear();
            Assert.Empty(EngineReferences.Cycles(graph));
        }
    }

    /// <summary>Which namespaces each engine type refers to, read from the assembly's metadata tables and IL.</summary>
    internal static class EngineReferences
    {
        private const string Engine = "AppBan.Engine";

        /// <summary>Area -> the other areas its types refer to.</summary>
        public static Dictionary<string, HashSet<string>> AreaGraph(string assemblyPath)
        {
            var graph = new Dictionary<string, HashSet<string>>();
            foreach (var (owner, referenced) in Scan(assemblyPath))
            {
                var from = AreaOf(owner);
                if (from == null) continue;
                if (!graph.TryGetValue(from, out var edges)) graph[from] = edges = new HashSet<string>();
                foreach (var ns in referenced)
                {
                    var to = AreaOf(ns);
                    if (to != null && to != from) edges.Add(to);
                }
            }
            return graph;
        }

        public static HashSet<string> NamespacesReferencedBy(string assemblyPath, string topLevelTypeName)
        {
            var result = new HashSet<string>();
            foreach (var (_, referenced, typeName) in ScanTypes(assemblyPath))
                if (typeName == topLevelTypeName) result.UnionWith(referenced);
            return result;
        }

        /// <summary>Every cycle as a path that starts and ends at the same area (one per strongly connected group).</summary>
        public static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
        {
            var cycles = new List<List<string>>();
            var done = new HashSet<string>();
            foreach (var start in graph.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                if (done.Contains(start)) continue;
                var path = FindPathBack(graph, start);
                if (path != null)
                {
                    cycles.Add(path);
                    done.UnionWith(path);
                }
            }
            return cycles;
        }

        // Depth-first from start; the first path that comes back to start, or null.
        private static List<string> FindPathBack(Dictionary<string, HashSet<string>> graph, string start)
        {
            var visited = new HashSet<string>();
            var path = new List<string> { start };
            bool Walk(string node)
            {
                if (!graph.TryGetValue(node, out var next)) return false;
                foreach (var to in next.OrderBy(n => n, StringComparer.Ordinal))
                {
                    if (to == node) continue;
                    if (to == start)
                    {
                        path.Add(to);
                        return true;
                    }
                    if (!visited.Add(to)) continue;
                    path.Add(to);
                    if (Walk(to)) return true;
                    path.RemoveAt(path.Count - 1);
                }
                return false;
            }
            return Walk(start) ? path : null;
        }

        private static string AreaOf(string ns)
        {
            if (ns == Engine) return Engine;
            if (ns == null || !ns.StartsWith(Engine + ".", StringComparison.Ordinal)) return null;
            var dot = ns.IndexOf('.', Engine.Length + 1);
            return dot < 0 ? ns : ns.Substring(0, dot);
        }

        private static IEnumerable<(string Owner, HashSet<string> Referenced)> Scan(string assemblyPath) =>
            ScanTypes(assemblyPath).Select(t => (t.Owner, t.Referenced));

        /// <summary>For each type (nested types count as their outermost type): its namespace, what it refers to, its name.</summary>
        private static List<(string Owner, HashSet<string> Referenced, string TypeName)> ScanTypes(string assemblyPath)
        {
            var result = new List<(string, HashSet<string>, string)>();
            using (var stream = File.OpenRead(assemblyPath))
            using (var pe = new PEReader(stream))
            {
                var md = pe.GetMetadataReader();
                var names = new Names(md);
                foreach (var handle in md.TypeDefinitions)
                {
                    var type = md.GetTypeDefinition(handle);
                    var refs = new HashSet<string>();
                    void Add(IEnumerable<string> namespaces) => refs.UnionWith(namespaces);

                    if (!type.BaseType.IsNil) Add(names.Of(type.BaseType));
                    foreach (var i in type.GetInterfaceImplementations()) Add(names.Of(md.GetInterfaceImplementation(i).Interface));
                    Add(names.OfAttributes(type.GetCustomAttributes()));
                    foreach (var f in type.GetFields())
                    {
                        var field = md.GetFieldDefinition(f);
                        Add(field.DecodeSignature(names, null));
                        Add(names.OfAttributes(field.GetCustomAttributes()));
                    }
                    foreach (var p in type.GetProperties())
                    {
                        var property = md.GetPropertyDefinition(p);
                        var signature = property.DecodeSignature(names, null);
                        Add(signature.ReturnType);
                        foreach (var parameter in signature.ParameterTypes) Add(parameter);
                    }
                    foreach (var m in type.GetMethods())
                    {
                        var method = md.GetMethodDefinition(m);
                        var signature = method.DecodeSignature(names, null);
                        Add(signature.ReturnType);
                        foreach (var parameter in signature.ParameterTypes) Add(parameter);
                        Add(names.OfAttributes(method.GetCustomAttributes()));
                        if (method.RelativeVirtualAddress == 0) continue;
                        var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                        if (!body.LocalSignature.IsNil)
                            foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null)) Add(local);
                        foreach (var token in Il.Tokens(body.GetILBytes())) Add(names.Of(MetadataTokens.EntityHandle(token)));
                    }

                    var outer = handle;
                    while (!md.GetTypeDefinition(outer).GetDeclaringType().IsNil) outer = md.GetTypeDefinition(outer).GetDeclaringType();
                    var top = md.GetTypeDefinition(outer);
                    var ns = md.GetString(top.Namespace);
                    result.Add((ns, refs, ns + "." + md.GetString(top.Name)));
                }
            }
            return result;
        }

        /// <summary>The namespaces a handle or signature names (a generic instantiation names several).</summary>
        private sealed class Names : ISignatureTypeProvider<IEnumerable<string>, object>
        {
            private static readonly string[] None = Array.Empty<string>();
            private readonly MetadataReader md;

            public Names(MetadataReader md) => this.md = md;

            public IEnumerable<string> Of(EntityHandle handle)
            {
                switch (handle.Kind)
                {
                    case HandleKind.TypeDefinition: return new[] { NamespaceOf((TypeDefinitionHandle)handle) };
                    case HandleKind.TypeReference: return new[] { NamespaceOf((TypeReferenceHandle)handle) };
                    case HandleKind.TypeSpecification: return md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    case HandleKind.FieldDefinition: return new[] { NamespaceOf(md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()) };
                    case HandleKind.MethodDefinition: return new[] { NamespaceOf(md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()) };
                    case HandleKind.MethodSpecification:
                        var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                        return Of(spec.Method).Concat(spec.DecodeSignature(this, null).SelectMany(t => t));
                    case HandleKind.MemberReference:
                        var member = md.GetMemberReference((MemberReferenceHandle)handle);
                        var parent = member.Parent.Kind == HandleKind.MethodDefinition || member.Parent.Kind == HandleKind.ModuleReference
                            ? (member.Parent.Kind == HandleKind.MethodDefinition ? Of((EntityHandle)member.Parent) : None)
                            : Of((EntityHandle)member.Parent);
                        if (member.GetKind() == MemberReferenceKind.Field) return parent.Concat(member.DecodeFieldSignature(this, null));
                        var signature = member.DecodeMethodSignature(this, null);
                        return parent.Concat(signature.ReturnType).Concat(signature.ParameterTypes.SelectMany(t => t));
                    default: return None;
                }
            }

            public IEnumerable<string> OfAttributes(CustomAttributeHandleCollection attributes) =>
                attributes.SelectMany(a => Of(md.GetCustomAttribute(a).Constructor)).ToList();

            private string NamespaceOf(TypeDefinitionHandle handle)
            {
                var type = md.GetTypeDefinition(handle);
                var declaring = type.GetDeclaringType();
                return declaring.IsNil ? md.GetString(type.Namespace) : NamespaceOf(declaring);
            }

            private string NamespaceOf(TypeReferenceHandle handle)
            {
                var type = md.GetTypeReference(handle);
                return type.ResolutionScope.Kind == HandleKind.TypeReference
                    ? NamespaceOf((TypeReferenceHandle)type.ResolutionScope)
                    : md.GetString(type.Namespace);
            }

            public IEnumerable<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => new[] { NamespaceOf(handle) };
            public IEnumerable<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => new[] { NamespaceOf(handle) };
            public IEnumerable<string> GetTypeFromSpecification(MetadataReader reader, object context, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, context);
            public IEnumerable<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
            public IEnumerable<string> GetSZArrayType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetArrayType(IEnumerable<string> elementType, ArrayShape shape) => elementType;
            public IEnumerable<string> GetByReferenceType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetPointerType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetPinnedType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetGenericInstantiation(IEnumerable<string> genericType, ImmutableArray<IEnumerable<string>> typeArguments) =>
                genericType.Concat(typeArguments.SelectMany(t => t)).ToList();
            public IEnumerable<string> GetGenericMethodParameter(object context, int index) => None;
            public IEnumerable<string> GetGenericTypeParameter(object context, int index) => None;
            public IEnumerable<string> GetFunctionPointerType(MethodSignature<IEnumerable<string>> signature) =>
                signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(t => t)).ToList();
            public IEnumerable<string> GetModifiedType(IEnumerable<string> modifier, IEnumerable<string> unmodifiedType, bool isRequired) => unmodifiedType;
        }

        /// <summary>The metadata tokens IL operands name (types, methods, fields), read with the runtime's own opcode table.</summary>
        private static class Il
        {
            private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
                .GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (OpCode)f.GetValue(null))
                .ToDictionary(o => o.Value);

            public static IEnumerable<int> Tokens(byte[] il)
            {
                for (int i = 0; i < il.Length;)
                {
                    short value = il[i++];
                    if (value == 0xFE) value = unchecked((short)(0xFE00 | il[i++]));
                    var opCode = OpCodesByValue[value];
                    switch (opCode.OperandType)
                    {
                        case OperandType.InlineField:
                        case OperandType.InlineMethod:
                        case OperandType.InlineTok:
                        case OperandType.InlineType:
                            yield return BitConverter.ToInt32(il, i);
                            i += 4;
                            break;
                        case OperandType.InlineNone: break;
                        case OperandType.ShortInlineBrTarget:
                        case OperandType.ShortInlineI:
                        case OperandType.ShortInlineVar: i += 1; break;
                        case OperandType.InlineVar: i += 2; break;
                        case OperandType.InlineI8:
                        case OperandType.InlineR: i += 8; break;
                        case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                        default: i += 4; break;   // branch targets, int32, float32, strings, signatures
                    }
                }
            }
        }
    }
}
