using System;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Get-Help from the built module (out/UserNsContainer/en-US, generated from
/// docs/cmdlets by the build): every exported cmdlet has its synopsis, description, parameter
/// descriptions, inputs, outputs and examples; about_UserNsContainer is found.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var line in TestHost.Run("(Get-Module UserNsContainer).ExportedCmdlets.Keys").Lines)
            data.Add(line);
        return data;
    }

    /// <summary>The first paragraph under a "## SECTION" of the cmdlet's markdown page.</summary>
    private static string Section(string cmdlet, string section) =>
        File.ReadAllLines(Path.Combine(TestHost.RepoRoot, "docs", "cmdlets", cmdlet + ".md"))
            .SkipWhile(l => l != "## " + section).Skip(1).SkipWhile(l => l.Length == 0).First();

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpShowsWhatTheDocsSay(string cmdlet)
    {
        var r = TestHost.Run(@"$h = Get-Help $cmdlet -Full
            $h.Synopsis
            @($h.description | ForEach-Object Text)[0].TrimEnd()
            @($h.examples.example).Count
            @(Get-Help $cmdlet -Examples).examples.example[0].code
            $h.inputTypes.inputType.type.name
            $h.returnValues.returnValue.type.name
            foreach ($p in (Get-Command $cmdlet).Parameters.Keys) {
                if ([System.Management.Automation.PSCmdlet]::CommonParameters -contains $p -or [System.Management.Automation.PSCmdlet]::OptionalCommonParameters -contains $p) { continue }
                $d = ((Get-Help $cmdlet -Parameter $p).description.Text -join ' ').TrimEnd()
                ""$p=$d""
            }", new System.Collections.Generic.Dictionary<string, object?> { ["cmdlet"] = cmdlet });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var doc = File.ReadAllText(Path.Combine(TestHost.RepoRoot, "docs", "cmdlets", cmdlet + ".md"));
        Assert.Equal(Section(cmdlet, "SYNOPSIS"), r.Lines[0]);
        Assert.Equal(Section(cmdlet, "DESCRIPTION"), r.Lines[1]);
        Assert.Equal(doc.Split("### Example ").Length - 1, int.Parse(r.Lines[2]));
        Assert.Contains(r.Lines[3], doc);
        Assert.Equal(Section(cmdlet, "INPUTS")[4..], r.Lines[4]);
        Assert.Equal(Section(cmdlet, "OUTPUTS")[4..], r.Lines[5]);
        foreach (var p in r.Lines.Skip(6))
        {
            var (name, text) = (p[..p.IndexOf('=')], p[(p.IndexOf('=') + 1)..]);
            Assert.False(string.IsNullOrWhiteSpace(text), $"-{name} has no description in Get-Help");
            Assert.Contains(text, doc);
        }
    }

    [Fact]
    public void TheAboutTopicIsFound()
    {
        var r = TestHost.Run("Get-Help about_UserNsContainer");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.StartsWith("TOPIC", r.Text.TrimStart());
        Assert.Contains("about_UserNsContainer", r.Text);
        Assert.Contains("StateDirectoryUnusable", r.Text);
    }
}
