using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// The audit trail a target cmdlet is given: it decides what is recorded and where; a cmdlet only reports each
    /// change it made. Any thread: workers report their changes as soon as they are made.
    /// </summary>
    internal interface IAuditTrail
    {
        /// <summary>A removal that ended on <paramref name="computerName"/>; <paramref name="warn"/> must be safe on the calling thread.</summary>
        void AuditRemoval(string computerName, ReportAction action, string policyName, string policySha256, Action<string> warn);

        /// <summary>An exemption change made to <paramref name="computerName"/>'s device store, or (null) to a policy file here.</summary>
        void AuditExemptionChange(string computerName, ExemptionChange change, Action<string> warn);
    }

    /// <summary>
    /// Writes removals and exemption changes made to this machine to the Application event log under source AppBan,
    /// when the module runs elevated on Windows. A removal is recorded when it ran a command or was refused here;
    /// removals and device changes on other computers are not. The source is registered by the first change to record,
    /// so -WhatIf and remote-only work never register it. System.Diagnostics.EventLog is reached by reflection, so
    /// nothing Windows-only is loaded anywhere else (the module must import on Linux, and one build serves .NET
    /// Framework, where EventLog lives in System.dll, and PowerShell 7, which ships System.Diagnostics.EventLog.dll).
    /// Thread-safe.
    /// </summary>
    internal sealed class EventLogAuditTrail : IAuditTrail
    {
        // A source is usable only once Windows has refreshed its list of sources; a write right after registering may
        // fail (EventLog.CreateEventSource docs). [guess W045] A couple of seconds is enough.
        private const int FreshSourceAttempts = 5;
        private static readonly TimeSpan FreshSourceRetryDelay = TimeSpan.FromMilliseconds(500);

        private readonly object _gate = new object();
        private bool _openAttempted;
        private EventLogWriter _writer;

        public static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public void AuditRemoval(string computerName, ReportAction action, string policyName, string policySha256, Action<string> warn)
        {
            if (!AuditMessages.IsAudited(action) || !CimTarget.IsThisComputer(computerName)) return;
            Writer(warn)?.Write(AuditMessages.Removal(action, OperatorIdentity.Current(), policyName, policySha256),
                AuditMessages.LevelOf(action), AuditMessages.EventIdOf(action), warn);
        }

        public void AuditExemptionChange(string computerName, ExemptionChange change, Action<string> warn)
        {
            if (computerName != null && !CimTarget.IsThisComputer(computerName)) return;
            var writer = Writer(warn);
            if (writer == null) return;
            var record = ReportRecords.FromExemptionChange(change);
            writer.Write(AuditMessages.ExemptionChange(record), AuditMessages.Level.Information, AuditMessages.EventIdOf(record), warn);
        }

        /// <summary>The event log writer, opened by the first change to record; null where the trail does not apply.</summary>
        private EventLogWriter Writer(Action<string> warn)
        {
            lock (_gate)
            {
                if (!_openAttempted)
                {
                    _openAttempted = true;
                    _writer = EventLogWriter.TryOpen(warn);
                }
                return _writer;
            }
        }

        /// <summary>The Application event log with the AppBan source registered.</summary>
        private sealed class EventLogWriter
        {
            private readonly MethodInfo _writeEntry;
            private readonly Type _entryType;
            private volatile bool _sourceIsFresh;

            private EventLogWriter(MethodInfo writeEntry, Type entryType, bool sourceIsFresh)
            {
                _writeEntry = writeEntry;
                _entryType = entryType;
                _sourceIsFresh = sourceIsFresh;
            }

            /// <summary>
            /// The writer, or null when the trail does not apply (not Windows, not elevated) or the source cannot be
            /// registered, in which case <paramref name="warn"/> says why.
            /// </summary>
            public static EventLogWriter TryOpen(Action<string> warn)
            {
                if (!IsWindows || !IsElevated()) return null;
                try
                {
                    var api = EventLogApi.Bind();
                    if (api == null)
                    {
                        warn("The AppBan event log audit trail is off: System.Diagnostics.EventLog is not available in this PowerShell.");
                        return null;
                    }
                    var created = false;
                    if (!(bool)api.SourceExists.Invoke(null, new object[] { AuditMessages.EventSource }))
                    {
                        api.CreateEventSource.Invoke(null, new[] { api.NewSourceData(AuditMessages.EventSource, AuditMessages.LogName, FrameworkMessageFile()) });
                        created = true;
                    }
                    return new EventLogWriter(api.WriteEntry, api.EntryType, created);
                }
                catch (Exception ex)
                {
                    var inner = Unwrap(ex);
                    warn("Cannot register the event log source '" + AuditMessages.EventSource + "' in the " + AuditMessages.LogName +
                         " log, so removals and exemption changes are not written there: " + inner.Message);
                    return null;
                }
            }

            public void Write(string message, AuditMessages.Level level, int eventId, Action<string> warn)
            {
                // EventLogEntryType: Error = 1, Warning = 2, Information = 4.
                var type = Enum.ToObject(_entryType, level == AuditMessages.Level.Error ? 1 : level == AuditMessages.Level.Warning ? 2 : 4);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        _writeEntry.Invoke(null, new object[] { AuditMessages.EventSource, message, type, eventId });
                        _sourceIsFresh = false;
                        return;
                    }
                    catch (Exception ex)
                    {
                        if (_sourceIsFresh && attempt < FreshSourceAttempts)
                        {
                            Thread.Sleep(FreshSourceRetryDelay);
                            continue;
                        }
                        var inner = Unwrap(ex);
                        warn("Cannot write to the " + AuditMessages.LogName + " event log: " + inner.Message);
                        return;
                    }
                }
            }
        }

        /// <summary>What a member called by reflection threw, rather than the reflection wrapper around it.</summary>
        private static Exception Unwrap(Exception ex) =>
            ex is TargetInvocationException tie && tie.InnerException != null ? tie.InnerException : ex;

        /// <summary>
        /// The .NET Framework's EventLogMessages.dll (one "%1" message for every id), which every Windows with .NET
        /// Framework 4 has. PowerShell 7 would register the copy in its own runtime folder, whose path changes with each
        /// PowerShell update and then leaves the events without a description. Null when it is not there.
        /// </summary>
        private static string FrameworkMessageFile()
        {
            var windows = Environment.GetEnvironmentVariable("SystemRoot");
            if (string.IsNullOrEmpty(windows)) return null;
            var framework = Environment.Is64BitOperatingSystem ? "Framework64" : "Framework";
            var path = Path.Combine(windows, "Microsoft.NET", framework, "v4.0.30319", "EventLogMessages.dll");
            return File.Exists(path) ? path : null;
        }

        /// <summary>The members of System.Diagnostics.EventLog the audit trail calls, found by name.</summary>
        internal sealed class EventLogApi
        {
            public MethodInfo SourceExists, CreateEventSource, WriteEntry;
            public Type EntryType, SourceDataType;
            public PropertyInfo MessageResourceFile;

            /// <summary>An EventSourceCreationData for the source in the log, with the message file when there is one.</summary>
            public object NewSourceData(string source, string log, string messageFile)
            {
                var data = Activator.CreateInstance(SourceDataType, source, log);
                if (messageFile != null) MessageResourceFile.SetValue(data, messageFile);
                return data;
            }

            /// <summary>Null when this runtime has no EventLog; throws when it has one without the members AppBan calls.</summary>
            public static EventLogApi Bind()
            {
                var eventLog = Type.GetType("System.Diagnostics.EventLog, System.Diagnostics.EventLog", false)
                    ?? Type.GetType("System.Diagnostics.EventLog, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089", false);
                if (eventLog == null) return null;
                var entryType = eventLog.Assembly.GetType("System.Diagnostics.EventLogEntryType", true);
                var sourceDataType = eventLog.Assembly.GetType("System.Diagnostics.EventSourceCreationData", true);
                return new EventLogApi
                {
                    SourceExists = Required(eventLog.GetMethod("SourceExists", new[] { typeof(string) }), "SourceExists"),
                    CreateEventSource = Required(eventLog.GetMethod("CreateEventSource", new[] { sourceDataType }), "CreateEventSource"),
                    SourceDataType = sourceDataType,
                    MessageResourceFile = sourceDataType.GetProperty("MessageResourceFile") ?? throw new MissingMemberException(sourceDataType.FullName, "MessageResourceFile"),
                    WriteEntry = Required(eventLog.GetMethod("WriteEntry", new[] { typeof(string), typeof(string), entryType, typeof(int) }), "WriteEntry"),
                    EntryType = entryType,
                };
            }

            private static MethodInfo Required(MethodInfo method, string name) =>
                method ?? throw new MissingMethodException("System.Diagnostics.EventLog", name);
        }

        /// <summary>Whether the process token is in the Administrators role (elevated), by reflection for the same reason.</summary>
        internal static bool IsElevated()
        {
            if (!IsWindows) return false;
            try
            {
                var identityType = Type.GetType("System.Security.Principal.WindowsIdentity, System.Security.Principal.Windows", false)
                    ?? Type.GetType("System.Security.Principal.WindowsIdentity, mscorlib", false);
                if (identityType == null) return false;
                var principalType = identityType.Assembly.GetType("System.Security.Principal.WindowsPrincipal", true);
                var roleType = identityType.Assembly.GetType("System.Security.Principal.WindowsBuiltInRole", true);
                var identity = identityType.GetMethod("GetCurrent", Type.EmptyTypes).Invoke(null, null);
                var principal = Activator.CreateInstance(principalType, identity);
                var administrator = Enum.ToObject(roleType, 544); // WindowsBuiltInRole.Administrator
                return (bool)principalType.GetMethod("IsInRole", new[] { roleType }).Invoke(principal, new[] { administrator });
            }
            catch (Exception)
            {
                return false;
            }
        }
    }
}
