BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Uid = & id -u
    $script:Gid = & id -g
    $script:User = & id -un
    $script:SubUid = Get-Content /etc/subuid -ErrorAction SilentlyContinue | Where-Object { $_ -match "^($script:User|$script:Uid):" } | Select-Object -First 1
    # a two-range map this caller may write: root any ids, others 0 to self plus their range
    $script:Map = if ($script:IsRoot) { '0:0:1,1:100000:65536' }
                  elseif ($script:SubUid) { "0:$($script:Uid):1,1:$(($script:SubUid -split ':')[1]):65536" }
}

Describe 'Set-IdMap' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'writes the maps of a Created container, which Start then releases' -Skip:(-not $script:CanMapRanges) {
        $c = New-UserNsContainer -NoStart -Command sleep, 60 | Set-IdMap -UidMap $script:Map -GidMap ($script:Map -replace "0:$($script:Uid):", "0:$($script:Gid):") -PassThru | Start-UserNsContainer -PassThru
        $c.State | Should -Be 'Running'
        (Get-Content "/proc/$($c.Pid)/uid_map").Count | Should -Be 2
    }

    It 'maps a process that unshare put in a new user namespace' {
        $p = Start-Process unshare -ArgumentList '--user', 'sleep', '30' -PassThru
        try {
            Start-Sleep -Milliseconds 200
            Set-IdMap -ProcessId $p.Id -UidMap "0:$($script:Uid):1" -GidMap "0:$($script:Gid):1"
            ((Get-Content "/proc/$($p.Id)/uid_map").Trim() -split '\s+') | Should -Be @('0', $script:Uid, '1')
        }
        finally { $p | Stop-Process -Force }
    }

    It 'refuses a second, different map' {
        $c = New-UserNsContainer -NoStart
        $c | Set-IdMap -UidMap "0:$($script:Uid):1"
        { $c | Set-IdMap -UidMap "0:$($script:Uid):1,1:300000:5" -ErrorAction Stop } |
            Should -Throw -ErrorId 'IdMapAlreadyWritten,UserNsContainer.Commands.SetIdMapCommand'
    }

    It 'refuses <Case>' -ForEach @(
        @{ Case = 'a malformed range'; Map = '0:1'; ErrorId = 'InvalidIdMap' }
        @{ Case = 'overlapping ranges'; Map = @('0:100000:10', '5:200000:10'); ErrorId = 'IdMapOverlap' }
    ) {
        $c = New-UserNsContainer -NoStart
        { $c | Set-IdMap -UidMap $Map } | Should -Throw -ErrorId "$ErrorId,UserNsContainer.Commands.SetIdMapCommand"
    }
}
