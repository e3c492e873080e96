using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What has no runner here must still not rot: every .ps1 parses, every exported
/// cmdlet has its PlatyPS page (listing exactly its parameters) and its Pester spec.</summary>
public sealed class RepositoryTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(TestHost.RepoRoot, "*.ps1", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/bin/") && !f.Contains("/obj/") && !f.Contains("/out/")))
            data.Add(Path.GetRelativePath(TestHost.RepoRoot, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void EveryScriptParses(string relative)
    {
        Parser.ParseFile(Path.Combine(TestHost.RepoRoot, relative), out _, out var errors);
        Assert.Empty(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));
    }

    /// <summary>CmdletsToExport, read with the parser (Import-PowerShellDataFile is not a Core cmdlet).</summary>
    private static string[] ManifestCmdlets()
    {
        var ast = Parser.ParseFile(Path.Combine(TestHost.RepoRoot, "module", "UserNsContainer.psd1"), out _, out _);
        var table = (HashtableAst)ast.Find(a => a is HashtableAst, false)!;
        var cmdlets = table.KeyValuePairs.Single(kv => kv.Item1.Extent.Text == "CmdletsToExport").Item2;
        return cmdlets.FindAll(a => a is StringConstantExpressionAst, true).Cast<StringConstantExpressionAst>().Select(s => s.Value).ToArray();
    }

    public static TheoryData<string> ExportedCmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var c in ManifestCmdlets())
            data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void EveryExportedCmdletHasDocsWithItsParametersAndAPesterSpec(string cmdlet)
    {
        var doc = Path.Combine(TestHost.RepoRoot, "docs", "cmdlets", cmdlet + ".md");
        Assert.True(File.Exists(doc), doc);
        Assert.True(File.Exists(Path.Combine(TestHost.RepoRoot, "tests", "Pester", cmdlet + ".Tests.ps1")));
        var text = File.ReadAllText(doc);
        foreach (var section in new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "## INPUTS", "## OUTPUTS", "## RELATED LINKS" })
            Assert.Contains(section, text);
        var documented = text.Split('\n').Where(l => l.StartsWith("### -")).Select(l => l[5..].Trim()).OrderBy(x => x).ToArray();
        var r = TestHost.Run($"(Get-Command {cmdlet}).Parameters.Keys");
        var common = PSCmdlet.CommonParameters.Concat(PSCmdlet.OptionalCommonParameters).Except(new[] { "WhatIf", "Confirm" });
        var actual = r.Lines.Except(common).OrderBy(x => x).ToArray();
        Assert.Equal(actual, documented);
    }

    [Fact]
    public void TheManifestCarriesItsMetadataAndTheRepositoryItsLicenseAndChangelog()
    {
        var r = TestHost.Run(@"$m = Get-Module UserNsContainer
            $m.Author; $m.CompanyName; $m.Copyright; $m.Description; $m.ProjectUri; $m.LicenseUri; ($m.Tags -join ','); $m.ReleaseNotes");
        Assert.True(r.Lines.Length == 8 && r.Lines.All(l => l.Length > 0), string.Join(" | ", r.Lines));
        Assert.Contains("Linux", r.Lines[6]);
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(TestHost.RepoRoot, "LICENSE")));
        Assert.Contains("## " + TestHost.Run("(Get-Module UserNsContainer).Version.ToString()").Lines.Single(), File.ReadAllText(Path.Combine(TestHost.RepoRoot, "CHANGELOG.md")));
    }

    [Fact]
    public void TheManifestExportsEveryCmdletInTheAssemblyAndNothingElse()
    {
        var r = TestHost.Run("(Get-Module UserNsContainer).ExportedCmdlets.Keys; (Get-Module UserNsContainer).Version.ToString()");
        var exported = ManifestCmdlets().OrderBy(x => x);
        Assert.Equal(exported, r.Lines.SkipLast(1).OrderBy(x => x));
        Assert.Equal("0.1.0", r.Lines.Last());
    }

    [Fact]
    public void TheHandleTableLeavesRoomAtEightyColumnsAndTheListViewShowsEveryPublicProperty()
    {
        var all = System.Xml.Linq.XDocument.Load(Path.Combine(TestHost.RepoRoot, "module", "UserNsContainer.format.ps1xml"));
        var doc = new System.Xml.Linq.XElement("Views", all.Descendants("View").Where(v => (string?)v.Element("ViewSelectedBy")?.Element("TypeName") == "UserNsContainer.ContainerHandle"));
        var widths = doc.Descendants("TableColumnHeader").Select(h => (string?)h.Element("Width")).ToList();
        int fixedWidth = widths.Where(w => w is not null).Sum(w => int.Parse(w!)) + widths.Count - 1; // one space between columns
        Assert.True(80 - fixedWidth >= 8, $"the fixed columns take {fixedWidth} of 80, leaving too little for Command");
        Assert.Equal(new[] { "Id", "Name", "State", "ExitCode" }, doc.Descendants("TableColumnHeader").Take(4).Select(h => (string?)h.Element("Label")));
        var listed = doc.Descendants("ListItem").Select(i => (string?)i.Element("PropertyName") ?? (string?)i.Element("Label")).ToHashSet();
        var publicProperties = typeof(ContainerHandle).GetProperties().Where(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), false).Length == 0).Select(p => p.Name);
        Assert.DoesNotContain(publicProperties, p => !listed.Contains(p));
    }

    /// <summary>The ErrorIds the code can raise: the first argument of every engine exception,
    /// the ids of the setup-error table, and the error records the cmdlets make themselves.</summary>
    private static SortedSet<string> RaisedErrorIds()
    {
        var patterns = new[]
        {
            @"new (?:InvalidSpecException|UserNsContainerException)\(\s*""([A-Za-z]+)""",
            @":\s*base\(\s*""([A-Za-z]+)""",
            @"(?:=>|return) \(""([A-Za-z]+)"",",
            @"new ErrorRecord\([^;]*?, ""([A-Za-z]+)"", ErrorCategory",
        };
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestHost.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/") && !f.Contains("/bin/")))
        {
            var text = File.ReadAllText(file);
            foreach (var pattern in patterns)
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, pattern))
                    ids.Add(m.Groups[1].Value);
        }
        return ids;
    }

    /// <summary>The ErrorIds the help lists: the first column of about_UserNsContainer's table.</summary>
    private static SortedSet<string> DocumentedErrorIds()
    {
        var lines = File.ReadAllLines(Path.Combine(TestHost.RepoRoot, "docs", "cmdlets", "about_UserNsContainer.md"));
        var table = lines.SkipWhile(l => !l.StartsWith("| ErrorId |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'));
        return new SortedSet<string>(table.SelectMany(l => l.Split('|')[1].Split(',').Select(id => id.Trim())), StringComparer.Ordinal);
    }

    [Fact]
    public void EveryErrorIdTheCodeRaisesIsDocumentedAndEveryDocumentedOneExists()
    {
        var raised = RaisedErrorIds();
        var documented = DocumentedErrorIds();
        Assert.True(raised.Count > 60, $"only {raised.Count} ErrorIds found: the patterns no longer match the code");
        Assert.Empty(raised.Except(documented));   // raised, but not in about_UserNsContainer
        Assert.Empty(documented.Except(raised));   // documented, but raised nowhere
    }

    public static TheoryData<string> PesterSpecs()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(TestHost.RepoRoot, "tests", "Pester"), "*.Tests.ps1").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    /// <summary>Pester 5 evaluates -Skip: and -ForEach during Discovery, before any BeforeAll:
    /// a variable they use must come from Capabilities.ps1, dot-sourced in BeforeDiscovery.</summary>
    [Theory]
    [MemberData(nameof(PesterSpecs))]
    public void PesterSpecsUseOnlyDiscoveryTimeVariablesInSkipAndForEach(string spec)
    {
        var dir = Path.Combine(TestHost.RepoRoot, "tests", "Pester");
        var capabilities = Parser.ParseFile(Path.Combine(dir, "Capabilities.ps1"), out _, out _)
            .FindAll(a => a is AssignmentStatementAst, true).Cast<AssignmentStatementAst>()
            .Select(a => a.Left).OfType<VariableExpressionAst>().Select(v => v.VariablePath.UserPath).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ast = Parser.ParseFile(Path.Combine(dir, spec), out _, out _);
        var discovery = ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "BeforeDiscovery", true).Cast<CommandAst>().ToList();
        var used = ast.FindAll(a => a is CommandParameterAst p && (p.ParameterName is "Skip" or "ForEach") && p.Argument is not null, true)
            .Cast<CommandParameterAst>()
            .SelectMany(p => p.Argument!.FindAll(v => v is VariableExpressionAst, true).Cast<VariableExpressionAst>())
            .Select(v => v.VariablePath.UserPath).Where(n => !n.Equals("true", StringComparison.OrdinalIgnoreCase) && !n.Equals("false", StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var name in used)
            Assert.True(capabilities.Contains(name), $"{spec}: -Skip/-ForEach uses ${name}, which Capabilities.ps1 does not set (BeforeAll runs too late for Discovery)");
        if (used.Count > 0)
            Assert.True(discovery.Any(d => d.Parent.Extent.Text.Contains("Capabilities.ps1")), $"{spec}: uses capability variables but has no BeforeDiscovery that dot-sources Capabilities.ps1");
    }
}
