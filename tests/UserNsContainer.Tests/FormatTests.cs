using System;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What a handle looks like in real pwsh: the table uses the window's width and shows
/// the root (the image, else the path) and the published ports; a port prints as podman prints it.</summary>
public sealed class FormatTests : ContainerTest
{
    [Fact]
    public void TheTableUsesTheWindowAndPortsPrintAsPodmanPrintsThem()
    {
        var name = "format-a-rather-long-container-name-" + Guid.NewGuid().ToString("N")[..8];
        var (output, errors, code) = RealPwsh.Run($$"""
            $PSStyle.OutputRendering = 'PlainText'
            $c = New-UserNsContainer -Name {{name}} -Network Private -Publish 18391:80 -Command sleep, 60
            try {
                'ports:' + ($c.Ports | Out-String).Trim()
                $c | Format-Table | Out-String -Width 200
            } finally { $c | Remove-UserNsContainer -Force }
            """);
        Assert.True(code == 0 && errors.Length == 0, output + errors);
        Assert.Contains("ports:127.0.0.1:18391->80/tcp", output);
        var header = output.Split('\n').First(l => l.StartsWith("Id ", StringComparison.Ordinal));
        Assert.Equal(new[] { "Id", "Name", "State", "ExitCode", "Pid", "Root", "Ports", "Command" }, header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var row = output.Split('\n').First(l => l.Contains(name, StringComparison.Ordinal)); // the whole name, not cut at 16
        Assert.Contains("127.0.0.1:18391->80/tcp", row);
        Assert.Contains("sleep 60", row);
    }
}
