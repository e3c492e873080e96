# The quick-start demo: a real container on the default root (the host's / read-only).
# Run it in pwsh after 'dotnet build -c Release' (the README's first command does both):
#   dotnet pwsh -NoProfile -File samples/demo.ps1
#Requires -Version 7.4
$ErrorActionPreference = 'Stop'
if (-not (Get-Module UserNsContainer)) { Import-Module (Join-Path $PSScriptRoot '../out/UserNsContainer/UserNsContainer.psd1') }

'--- one-shot container: who am I, which id map, which host name ---'
Invoke-UserNsContainer -Hostname demo-box -Command sh, -c, 'id; cat /proc/self/uid_map; hostname; echo "pid in container: $$"'
"exit code: $LASTEXITCODE"

'--- long-lived containers are objects in the pipeline ---'
$worker = New-UserNsContainer -Name demo-worker -Command sh, -c, 'echo working; sleep 30'
$idle = New-UserNsContainer -Name demo-idle
Get-UserNsContainer | Out-Default

'--- stop and remove them ---'
$worker, $idle | Stop-UserNsContainer -Timeout 2 -PassThru | Out-Default
"log of demo-worker: $($worker | Get-UserNsContainerLog)"
$worker, $idle | Remove-UserNsContainer
"containers left: $(@(Get-UserNsContainer).Count)"
