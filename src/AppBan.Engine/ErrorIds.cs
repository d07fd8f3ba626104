namespace AppBan.Engine
{
    /// <summary>
    /// Every ErrorId the module emits (ErrorRecord ids, the ErrorId of result objects and of report errors). Scripts catch
    /// these, so they are a contract: docs/error-ids.md documents each one, and a test keeps the two in step. A string
    /// here never changes; a retired id stays in the document's retired table. No reference to any area, so every area
    /// may use it.
    /// </summary>
    public static class ErrorIds
    {
        // A target: the CIM failure kinds (CimErrorCodes.ErrorIdFor) and the failures around them.
        public const string TargetUnreachable = "TargetUnreachable";
        public const string AuthenticationFailed = "AuthenticationFailed";
        public const string AccessDenied = "AccessDenied";
        public const string InvalidNamespace = "InvalidNamespace";
        public const string InvalidClass = "InvalidClass";
        public const string NotFound = "NotFound";
        public const string InvalidQuery = "InvalidQuery";
        public const string InvalidParameter = "InvalidParameter";
        public const string NotSupported = "NotSupported";
        public const string Timeout = "Timeout";
        public const string QuotaExceeded = "QuotaExceeded";
        public const string ProviderFailure = "ProviderFailure";
        public const string ProtocolError = "ProtocolError";
        public const string TlsFailure = "TlsFailure";
        public const string EncryptionRequired = "EncryptionRequired";
        public const string OperationStopped = "OperationStopped";
        public const string InvalidArgument = "InvalidArgument";
        public const string TargetFailed = "TargetFailed";
        /// <summary>Only in reports built from piped compliance results: a target scanned in part.</summary>
        public const string TargetPartial = "TargetPartial";
        public const string InvalidComputerName = "InvalidComputerName";
        public const string LocalMachineUnsupported = "LocalMachineUnsupported";
        public const string LocalSessionNotElevated = "LocalSessionNotElevated";

        // The policy and its file.
        public const string InvalidPolicyPath = "InvalidPolicyPath";
        public const string InvalidPolicyName = "InvalidPolicyName";
        public const string InvalidPolicy = "InvalidPolicy";
        public const string PolicyFileNotFound = "PolicyFileNotFound";
        public const string PolicyFileAccessDenied = "PolicyFileAccessDenied";
        public const string PolicyFileUnreadable = "PolicyFileUnreadable";
        public const string PolicyPathIsFolder = "PolicyPathIsFolder";
        public const string PolicyFileExists = "PolicyFileExists";
        public const string PolicyFolderNotFound = "PolicyFolderNotFound";
        public const string PolicyWriteFailed = "PolicyWriteFailed";
        public const string PolicyAndPolicyPath = "PolicyAndPolicyPath";
        public const string UnknownRule = "UnknownRule";

        // Exemptions: the rules every exemption obeys (ExemptionRules) ...
        public const string ReasonRequired = "ReasonRequired";
        public const string ReasonInvalid = "ReasonInvalid";
        public const string ExpiryInPast = "ExpiryInPast";
        public const string NotBeforeAfterExpiry = "NotBeforeAfterExpiry";
        public const string InvalidUser = "InvalidUser";
        public const string InvalidComputer = "InvalidComputer";
        public const string MissingSubject = "MissingSubject";
        public const string ComputerNotAllowed = "ComputerNotAllowed";
        // ... the failures of a grant or revocation (ExemptionErrorKind) ...
        public const string UserNotFound = "UserNotFound";
        public const string UserAmbiguous = "UserAmbiguous";
        public const string ExemptionNotFound = "ExemptionNotFound";
        public const string ExemptionExists = "ExemptionExists";
        public const string WriteFailed = "WriteFailed";
        public const string PolicyLocked = "PolicyLocked";
        public const string InvalidRequest = "InvalidRequest";
        // ... and the cmdlets' own.
        public const string InvalidExemptionId = "InvalidExemptionId";
        public const string NoSessionForTarget = "NoSessionForTarget";

        // Removal.
        public const string ComputerNameWithFindings = "ComputerNameWithFindings";
        public const string UninstallFailed = "UninstallFailed";
        public const string UninstallTimedOut = "UninstallTimedOut";

        // Reports and unattended runs.
        public const string ReportFormatUnknown = "ReportFormatUnknown";
        public const string ReportFileExists = "ReportFileExists";
        public const string UnsupportedReportInput = "UnsupportedReportInput";
        public const string StaleAfterInvalid = "StaleAfterInvalid";
        public const string ReportHistoryUnreadable = "ReportHistoryUnreadable";
        public const string ExpectedTargetUnnamed = "ExpectedTargetUnnamed";
        public const string ReportWriteFailed = "ReportWriteFailed";
        public const string DeviceReportNotWritten = "DeviceReportNotWritten";
        public const string RunTimeLimitReached = "RunTimeLimitReached";

        // Device reports a collector reads.
        public const string NoDeviceReportFound = "NoDeviceReportFound";

        // Deployment scripts.
        public const string ScriptFileExists = "ScriptFileExists";
        public const string ScriptWriteFailed = "ScriptWriteFailed";
    }
}
