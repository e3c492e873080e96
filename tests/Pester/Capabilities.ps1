# What this machine and caller can do, for -Skip. Pester 5 evaluates -Skip during Discovery,
# before any BeforeAll runs, so every spec that skips by capability dot-sources this file in
# BeforeDiscovery; Common.ps1 dot-sources it too, for the Run phase.
$script:IsRoot = (& id -u) -eq '0'
$script:HasBusybox = (Test-Path /bin/busybox) -and ((& ldd /bin/busybox 2>&1) -match 'not a dynamic executable')
$script:Uid = & id -u
$script:SubUid = Get-Content /etc/subuid -ErrorAction SilentlyContinue | Where-Object { $_ -match "^($(& id -un)|$script:Uid):" } | Select-Object -First 1
$script:SubStart = if ($script:SubUid) { ($script:SubUid -split ':')[1] }
# root may write any map; an ordinary user needs a /etc/subuid range for more than its own id
$script:CanMapRanges = $script:IsRoot -or [bool]$script:SubUid
# images: skopeo copies, umoci unpacks (and makes the test image); busybox fills it
$script:HasImageTools = $script:HasBusybox -and [bool](Get-Command skopeo -ErrorAction SilentlyContinue) -and [bool](Get-Command umoci -ErrorAction SilentlyContinue)
