using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The example in docs/Testing-With-Pester.md runs, with a minimal stand-in for
/// Pester's Describe/It/BeforeAll/AfterAll/Should (Pester itself cannot be installed here;
/// the specs under tests/Pester run in real Pester 5 elsewhere).</summary>
public sealed class PesterDocTests : ContainerTest
{
    private const string PesterStandIn = @"
        $script:TestDrive = [System.IO.Directory]::CreateTempSubdirectory('usnc-testdrive-').FullName
        $script:Blocks = @{}
        function BeforeDiscovery([scriptblock] $Body) { . $Body }
        function BeforeAll([scriptblock] $Body) { $script:Blocks.BeforeAll = $Body }
        function AfterAll([scriptblock] $Body) { $script:Blocks.AfterAll = $Body }
        function It([string] $Name, [scriptblock] $Body) { $script:Blocks[""It: $Name""] = $Body }
        function Describe([string] $Name, [scriptblock] $Body, [switch] $Skip) {
            if ($Skip) { 'skipped'; return }
            . $Body
            . $script:Blocks.BeforeAll
            try { foreach ($k in @($script:Blocks.Keys | Where-Object { $_ -like 'It: *' })) { . $script:Blocks[$k]; ""passed $k"" } }
            finally { . $script:Blocks.AfterAll; [System.IO.Directory]::Delete($script:TestDrive, $true) }
        }
        function Should([Parameter(ValueFromPipeline)] $Actual, $Be) { process { if ($Actual -ne $Be) { throw ""expected '$Be', got '$Actual'"" } } }
        function Set-Content($Path, $Value) { [System.IO.File]::WriteAllText($Path, ""$Value`n"") }
        function Get-Content($Path) { [System.IO.File]::ReadAllLines($Path) }
        function Join-Path($a, $b) { ""$a/$b"" }
        function Import-Module { }
        function Get-Module { $true }
    ";

    [Fact]
    public void TheDocumentedSuiteRunsAndPasses()
    {
        var doc = File.ReadAllText(Path.Combine(TestHost.RepoRoot, "docs", "Testing-With-Pester.md"));
        var suite = Regex.Match(doc, "```powershell\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var r = TestHost.Run(PesterStandIn + suite);
        Assert.True(r.Succeeded, string.Join("\n", r.Errors.Select(e => e.ToString())) + r.Terminating);
        Assert.Equal(new[] { "passed It: serves the page on port 80 inside its own network namespace", "passed It: writes into the bound test drive and nowhere else" },
            r.Lines.OrderBy(l => l));
    }
}
