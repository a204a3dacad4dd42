<#
.SYNOPSIS
    PowerShell counterpart of nsh.sh for admins on Windows workstations.

.DESCRIPTION
    Works on a checkout of the netstack pattern repo. Lists patterns, searches them,
    prints the published URL of a pattern and the site values it declares.

.EXAMPLE
    .\Invoke-NsHelper.ps1 -Command list
    .\Invoke-NsHelper.ps1 -Command search -Words restic,sftp
    .\Invoke-NsHelper.ps1 -Command url -Id backup-cron-pattern
    .\Invoke-NsHelper.ps1 -Command values -Id wireguard-site-link-pattern
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('list', 'search', 'url', 'values', 'help')]
    [string] $Command = 'help',

    [string]   $Id,
    [string[]] $Words,
    [string]   $Repo    = $(if ($env:NSH_REPO) { $env:NSH_REPO } else { (git rev-parse --show-toplevel 2>$null) }),
    [string]   $BaseUrl = $(if ($env:NSH_BASE_URL) { $env:NSH_BASE_URL } else { 'https://netstack.org' })
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

if (-not $Repo) { $Repo = (Get-Location).Path }
$Docs = Join-Path $Repo 'docs'
if (-not (Test-Path $Docs)) { throw "No docs/ folder under '$Repo'. Set NSH_REPO or pass -Repo." }

function Get-NsPattern {
    Get-ChildItem -Path $Docs -Recurse -Filter '*.md' | ForEach-Object {
        $head = Get-Content -LiteralPath $_.FullName -TotalCount 25 -ErrorAction SilentlyContinue
        $isPattern = $_.Name -like '*-pattern.md' -or
                     ($head -match '^# Pattern:') -or
                     ($head -match '^kind:\s*pattern')
        if ($isPattern) {
            $title = ($head | Where-Object { $_ -match '^# ' } | Select-Object -First 1)
            [pscustomobject]@{
                Id    = $_.BaseName
                Title = if ($title) { $title.Substring(2).Trim() } else { $_.BaseName }
                Path  = [IO.Path]::GetRelativePath($Repo, $_.FullName) -replace '\\', '/'
            }
        }
    } | Sort-Object Path
}

function Get-NsPatternPath([string] $PatternId) {
    $p = Get-NsPattern | Where-Object Id -eq $PatternId
    if (-not $p) { throw "No pattern with id '$PatternId'." }
    $p.Path
}

function Get-NsValues([string] $PatternId) {
    $lines = Get-Content -LiteralPath (Join-Path $Repo (Get-NsPatternPath $PatternId))
    if ($lines[0] -ne '---') { return }
    $inValues = $false
    foreach ($line in $lines[1..($lines.Count - 1)]) {
        if ($line -eq '---') { break }
        if ($line -match '^values:\s*\[(.*)\]') {
            $Matches[1] -split ',\s*' | ForEach-Object { $_.Trim() }
            break
        }
        if ($line -match '^values:\s*$') { $inValues = $true; continue }
        if ($inValues) {
            if ($line -match '^\s+-\s*(\S+)')            { $Matches[1]; continue }
            if ($line -match '^\s+([A-Za-z_]+)\s*:')     { $Matches[1]; continue }
            if ($line -match '^\S')                      { $inValues = $false }
        }
    }
}

switch ($Command) {
    'list'   { Get-NsPattern | Format-Table Id, Title -AutoSize }
    'search' {
        if (-not $Words) { throw 'search needs -Words word1,word2' }
        $files = Get-ChildItem -Path $Docs -Recurse -Filter '*.md'
        foreach ($w in $Words) {
            $files = $files | Where-Object { Select-String -LiteralPath $_.FullName -SimpleMatch -Pattern $w -Quiet }
        }
        $files | ForEach-Object { [IO.Path]::GetRelativePath($Repo, $_.FullName) -replace '\\', '/' }
    }
    'url' {
        if (-not $Id) { throw 'url needs -Id <pattern-id>' }
        $rel = (Get-NsPatternPath $Id) -replace '\.md$', '' -replace '/README$', ''
        '{0}/{1}/' -f $BaseUrl.TrimEnd('/'), $rel
    }
    'values' {
        if (-not $Id) { throw 'values needs -Id <pattern-id>' }
        Get-NsValues $Id
    }
    default {
        @'
Invoke-NsHelper.ps1 -Command list
Invoke-NsHelper.ps1 -Command search -Words word1,word2
Invoke-NsHelper.ps1 -Command url    -Id <pattern-id>
Invoke-NsHelper.ps1 -Command values -Id <pattern-id>
'@
    }
}
