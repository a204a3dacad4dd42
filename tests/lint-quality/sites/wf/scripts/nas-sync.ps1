<#
.SYNOPSIS
  Mirror finished CAM programs from the CAM workstation to the NAS (Westford).
.DESCRIPTION
  Runs as a scheduled task on cam-ws01 at 06:30 and 13:30 (before each shift).
  See docs/storage.md in the wf repo for the share layout.
#>
[CmdletBinding()]
param(
    [string]$Source = 'D:\CAM\Released',
    [string]$Target = '\\nas01.wf.lan\cam\outgoing',
    [string]$LogDir = 'C:\ProgramData\wf-sync\logs',
    [int]$KeepLogDays = 30
)

$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $LogDir | Out-Null
$log = Join-Path $LogDir ("nas-sync-{0:yyyyMMdd-HHmm}.log" -f (Get-Date))

if (-not (Test-Path $Target)) {
    Write-EventLog -LogName Application -Source 'wf-sync' -EventId 1001 -EntryType Error `
        -Message "Target $Target not reachable"
    exit 1
}

# /XO: never overwrite a newer file on the NAS (a machine may have edited it)
robocopy $Source $Target *.nc *.h *.lst /S /XO /R:2 /W:10 /NP /LOG:$log | Out-Null
$rc = $LASTEXITCODE
if ($rc -ge 8) {
    Write-EventLog -LogName Application -Source 'wf-sync' -EventId 1002 -EntryType Error `
        -Message "robocopy failed with code $rc, see $log"
    exit $rc
}

Get-ChildItem $LogDir -Filter 'nas-sync-*.log' |
    Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-$KeepLogDays) } |
    Remove-Item -Force
exit 0
