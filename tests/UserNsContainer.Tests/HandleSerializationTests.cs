using System.Linq;
using System.Management.Automation;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Handles that went through serialization (remoting, jobs, Export-Clixml) work
/// wherever a live handle does, rebound by Id; stale or foreign ones are ContainerNotFound.</summary>
public sealed class HandleSerializationTests : ContainerTest
{
    private const string Roundtrip =
        "function Roundtrip($o) { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($o)) }\n";

    [Fact]
    public void ASerializedHandlePipesIntoGetEnterStopAndRemove()
    {
        var r = TestHost.Run(Roundtrip + """
            $c = New-UserNsContainer -Name ser-rt -Hostname ser-rt -Command sleep, 60
            $d = Roundtrip $c
            $d.PSObject.TypeNames[0]
            ($d | Get-UserNsContainer).State.ToString()
            $d | Enter-ContainerNamespace -Command hostname
            Enter-ContainerNamespace $d -Command hostname
            ($d | Stop-UserNsContainer -PassThru).State.ToString()
            $d | Remove-UserNsContainer
            @(Get-UserNsContainer | Where-Object Id -eq $c.Id).Count
            """);
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "Deserialized.UserNsContainer.ContainerHandle", "Running", "ser-rt", "ser-rt", "Exited", "0" }, r.Lines);
    }

    [Fact]
    public void ASerializedListOfHandlesBindsByParameterToo()
    {
        var r = TestHost.Run(Roundtrip + """
            $a = New-UserNsContainer -Name ser-a -Command sleep, 60
            $b = New-UserNsContainer -Name ser-b -Command sleep, 60
            $d = Roundtrip @($a, $b)
            (Stop-UserNsContainer -Container $d -PassThru | ForEach-Object { $_.Name + '=' + $_.State }) -join ','
            Remove-UserNsContainer -Container $d
            """);
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "ser-a=Exited,ser-b=Exited" }, r.Lines);
    }

    [Fact]
    public void AStaleOrForeignSerializedHandleIsContainerNotFound()
    {
        var r = TestHost.Run(Roundtrip + """
            $c = New-UserNsContainer -Name ser-stale -Command sleep, 60
            $d = Roundtrip $c
            $c | Remove-UserNsContainer -Force
            $d | Stop-UserNsContainer -ErrorVariable e1 -ErrorAction SilentlyContinue
            $e1[0].FullyQualifiedErrorId
            $e1[0].Exception.Message
            # one from another user or machine: an Id this user's state does not hold
            $f = Roundtrip ([UserNsContainer.ContainerHandle]@{ Id = '0123456789ab'; Name = 'elsewhere' })
            $f | Enter-ContainerNamespace -Command /bin/true -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId
            """);
        Assert.Equal(new[]
        {
            "ContainerNotFound,UserNsContainer.Commands.StopUserNsContainerCommand",
            $"No container named 'ser-stale' with Id '{r.Lines[1].Split('\'')[3]}' exists for this user (it may have been removed, or belong to another user).",
            "ContainerNotFound,UserNsContainer.Commands.EnterContainerNamespaceCommand",
        }, r.Lines);
    }

    [Fact]
    public void OtherObjectsAreLeftToPowerShell()
    {
        // an object with an Id is converted by PowerShell itself (property by property) and
        // looked up like any handle; a number is no handle at all
        var r = TestHost.Run("""
            Stop-UserNsContainer -Container ([pscustomobject]@{ Id = 'feedfacecafe' }) -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId
            try { Stop-UserNsContainer -Container 5 } catch { $_.FullyQualifiedErrorId }
            """);
        Assert.Equal(new[]
        {
            "ContainerNotFound,UserNsContainer.Commands.StopUserNsContainerCommand",
            "CannotConvertArgumentNoMessage,UserNsContainer.Commands.StopUserNsContainerCommand",
        }, r.Lines);
    }
}
