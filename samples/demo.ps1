# The quick-start demo: a real container on the default root (the host's / read-only).
# Run it with pwsh (after Import-Module ./out/UserNsContainer) or with the bundled host:
#   dotnet run -c Release --project tools/UsncShell -- samples/demo.ps1
#Requires -Version 7.4
$ErrorActionPreference = 'Stop'

'--- one-shot container: who am I, which id map, which host name ---'
Invoke-UserNsContainer -Hostname demo-box -Command sh, -c, 'id; cat /proc/self/uid_map; hostname; echo "pid in container: $$"'
"exit code: $LASTEXITCODE"

'--- long-lived containers are objects in the pipeline ---'
$worker = New-UserNsContainer -Name demo-worker -Command sh, -c, 'echo working; sleep 30'
$idle = New-UserNsContainer -Name demo-idle
Get-UserNsContainer | Out-Default

'--- stop and remove them ---'
$worker, $idle | Stop-UserNsContainer -Timeout 2 -PassThru | Out-Default
"log of demo-worker: $([System.IO.File]::ReadAllText($worker.LogPath).Trim())"
$worker, $idle | Remove-UserNsContainer
"containers left: $(@(Get-UserNsContainer).Count)"
