using System;
using System.Reflection;
using System.Runtime.InteropServices;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Writes removals and exemption changes to the Application event log under source AppBan, when the module runs
    /// elevated on Windows against the local machine. System.Diagnostics.EventLog is reached by reflection, so nothing
    /// Windows-only is loaded anywhere else (the module must import on Linux, and one build serves .NET Framework,
    /// where EventLog lives in System.dll, and PowerShell 7, which ships System.Diagnostics.EventLog.dll).
    /// </summary>
    internal sealed class EventLogAuditTrail
    {
        private readonly MethodInfo _writeEntry;
        private readonly Type _entryType;

        private EventLogAuditTrail(MethodInfo writeEntry, Type entryType)
        {
            _writeEntry = writeEntry;
            _entryType = entryType;
        }

        public static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>
        /// The audit trail for this run, or null when it does not apply (not Windows, not local, not elevated) or the
        /// source cannot be registered, in which case <paramref name="warn"/> says why.
        /// </summary>
        public static EventLogAuditTrail TryOpen(bool localTarget, Action<string> warn)
        {
            if (!IsWindows || !localTarget || !IsElevated()) return null;
            try
            {
                var eventLog = FindEventLogType();
                if (eventLog == null)
                {
                    warn("The AppBan event log audit trail is off: System.Diagnostics.EventLog is not available in this PowerShell.");
                    return null;
                }
                var sourceExists = eventLog.GetMethod("SourceExists", new[] { typeof(string) });
                if (!(bool)sourceExists.Invoke(null, new object[] { AuditMessages.EventSource }))
                    eventLog.GetMethod("CreateEventSource", new[] { typeof(string), typeof(string) })
                        .Invoke(null, new object[] { AuditMessages.EventSource, AuditMessages.LogName });
                var entryType = eventLog.Assembly.GetType("System.Diagnostics.EventLogEntryType", true);
                var writeEntry = eventLog.GetMethod("WriteEntry", new[] { typeof(string), typeof(string), entryType, typeof(int) });
                return new EventLogAuditTrail(writeEntry, entryType);
            }
            catch (Exception ex)
            {
                var inner = ex is TargetInvocationException tie && tie.InnerException != null ? tie.InnerException : ex;
                warn("Cannot register the event log source '" + AuditMessages.EventSource + "' in the " + AuditMessages.LogName +
                     " log, so removals and exemption changes are not written there: " + inner.Message);
                return null;
            }
        }

        public void Write(ReportAction action, string operatorName, string policyName, string policySha256, Action<string> warn) =>
            Write(AuditMessages.Removal(action, operatorName, policyName, policySha256), AuditMessages.LevelOf(action), AuditMessages.EventIdOf(action), warn);

        public void Write(ReportExemptionChange change, Action<string> warn) =>
            Write(AuditMessages.ExemptionChange(change), AuditMessages.Level.Information, AuditMessages.EventIdOf(change), warn);

        private void Write(string message, AuditMessages.Level level, int eventId, Action<string> warn)
        {
            // EventLogEntryType: Error = 1, Warning = 2, Information = 4.
            var type = Enum.ToObject(_entryType, level == AuditMessages.Level.Error ? 1 : level == AuditMessages.Level.Warning ? 2 : 4);
            try
            {
                _writeEntry.Invoke(null, new object[] { AuditMessages.EventSource, message, type, eventId });
            }
            catch (Exception ex)
            {
                var inner = ex is TargetInvocationException tie && tie.InnerException != null ? tie.InnerException : ex;
                warn("Cannot write to the " + AuditMessages.LogName + " event log: " + inner.Message);
            }
        }

        private static Type FindEventLogType() =>
            Type.GetType("System.Diagnostics.EventLog, System.Diagnostics.EventLog", false)
            ?? Type.GetType("System.Diagnostics.EventLog, System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089", false);

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
