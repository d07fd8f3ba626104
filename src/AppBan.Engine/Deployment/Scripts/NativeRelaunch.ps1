# Intune runs scripts in 32-bit Windows PowerShell unless "Run script in 64-bit PowerShell" is set, and any 32-bit
# host may start this script the same way: there %ProgramFiles% is the x86 folder, so the module is not found, and
# registry reads see the 32-bit view. WOW64 sets PROCESSOR_ARCHITEW6432 only in a 32-bit process on 64-bit Windows,
# and %WINDIR%\SysNative is how such a process reaches the 64-bit System32 [doc: File System Redirector]. Returns the
# command line that restarts this script in 64-bit Windows PowerShell, or nothing when no restart is needed or possible.
function Get-AppBanNativeRelaunch([string] $ScriptPath, [string[]] $Arguments) {
    if (-not $env:PROCESSOR_ARCHITEW6432 -or -not $env:WINDIR -or -not $ScriptPath) { return }
    $powerShell = [System.IO.Path]::Combine($env:WINDIR, 'SysNative', 'WindowsPowerShell', 'v1.0', 'powershell.exe')
    if (-not [System.IO.File]::Exists($powerShell)) { return }
    # The execution policy this process runs under, so that the restart is allowed no more than the first start was.
    # [guess W022] Windows PowerShell 5.1 drops empty strings when it passes arguments to a program; none is expected here.
    @($powerShell, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', [string] (Get-ExecutionPolicy), '-File', $ScriptPath) + @($Arguments)
}
