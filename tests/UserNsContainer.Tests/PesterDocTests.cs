using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The example suite in docs/Testing-With-Pester.md runs as written, in real pwsh and
/// real Pester 5.7.1, with the module found by name (Import-Module UserNsContainer) on
/// PSModulePath as an installed module is.</summary>
public sealed class PesterDocTests : ContainerTest
{
    /// <summary>Each suite of the document (a powershell block with a Describe), run alone: every
    /// It it names passes.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void TheDocumentedSuiteRunsAndPasses(int index)
    {
        var doc = File.ReadAllText(Path.Combine(TestHost.RepoRoot, "docs", "Testing-With-Pester.md"));
        var suites = Regex.Matches(doc, "```powershell\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)
            .Where(b => b.Contains("Describe ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, suites.Length);
        var suite = suites[index];
        var expected = Regex.Matches(suite, @"^\s*It '((?:[^']|'')*)'", RegexOptions.Multiline)
            .Select(m => "Passed: " + m.Groups[1].Value.Replace("''", "'")).OrderBy(l => l, StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(expected);
        var file = Path.Combine(TestHost.Scratch, $"doc-{Guid.NewGuid():N}.Tests.ps1");
        File.WriteAllText(file, suite);
        // a store of the test's own: the suite that builds an image keeps it (that is its point)
        var store = Path.Combine(TestHost.Scratch, $"doc-images-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", store);
        try
        {
            // out/ is on PSModulePath (TestHost), as an installed module's folder is
            var (output, errors, code) = RealPwsh.Pester(file, """
                foreach ($t in $r.Tests) { "$($t.Result): $($t.Name)" }
                foreach ($t in $r.Failed) { "error: $(($t.ErrorRecord | Select-Object -First 1).ToString())" }
                """);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(lines.Length >= 2, $"exit {code}: {output}\n{errors}");
            Assert.Equal(expected, lines.Where(l => !l.StartsWith("error: ", StringComparison.Ordinal)).OrderBy(l => l, StringComparer.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", null);
            File.Delete(file);
            if (Directory.Exists(store))
                Engine.Images.Tree.Delete(store);
        }
    }
}
