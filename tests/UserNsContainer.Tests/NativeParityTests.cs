using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// The parity table with native commands (docs/cmdlets/about_UserNsContainer_NativeParity.md):
/// each row runs one shell snippet twice in the same real pwsh, as `&amp; /bin/sh -c X` on the
/// host and as `Invoke-UserNsContainer -Command /bin/sh, -c, X`, and compares what a script can
/// observe of it. All rows run in one pwsh process (one start-up), each row reports both
/// observations, and each row is its own test case. The rows where PowerShell gives a cmdlet no
/// way to match are in <see cref="CmdletOnlyRows"/>: the documented parameter is tested instead.
/// </summary>
public sealed class NativeParityTests : ContainerTest
{
    /// <summary>Row name, the shell snippet X, and the observer: PowerShell in which {CMD} stands
    /// for the command; what it outputs is the observation.</summary>
    public static readonly (string Name, string Snippet, string Observer)[] Rows =
    {
        ("output objects", "echo a; echo b", "$r = {CMD}; ($r | ForEach-Object { $_.GetType().Name + ':' + $_ }) -join '|'"),
        ("exit 0: $? and $LASTEXITCODE", "true", "{CMD}; \"$? $LASTEXITCODE\""),
        ("exit 7: $? and $LASTEXITCODE", "exit 7", "{CMD}; \"$? $LASTEXITCODE\""),
        ("killed by a signal: $LASTEXITCODE", "kill -9 $$", "{CMD}; \"$? $LASTEXITCODE\""),
        ("stderr: $Error", "echo err >&2", "$Error.Clear(); {CMD}; \"$? $($Error.Count)\""),
        ("2>&1", "echo err >&2; sleep 0.2; echo out", "$r = {CMD} 2>&1; ($r | ForEach-Object { $_.GetType().Name + ':' + $_ + ':' + ($_.FullyQualifiedErrorId -split ',')[0] }) -join '|'; \"$?\""),
        ("2>&1 and $Error", "echo err >&2", "$Error.Clear(); $null = {CMD} 2>&1; \"$? $($Error.Count)\""),
        ("2>$null", "echo err >&2; echo out", "$Error.Clear(); $r = {CMD} 2>$null; \"$r $? $($Error.Count)\""),
        ("2>file", "echo err >&2; echo out", "$f = New-TemporaryFile; $r = {CMD} 2>$f; \"$r [$((Get-Content $f) -join ',')] $?\"; Remove-Item $f"),
        ("*>&1", "echo err >&2; sleep 0.2; echo out", "({CMD} *>&1 | ForEach-Object { $_.GetType().Name + ':' + $_ }) -join '|'"),
        ("| Out-String", "echo a; echo b", "({CMD} | Out-String) -replace \"`n\", '\\n'"),
        ("stdout lines: CRLF, CR, no final newline", "printf 'a\\r\\nb\\rc\\n\\nd'", "({CMD} | ForEach-Object { \"[$_]\" }) -join ''"),
        ("UTF-8 text", "printf 'gr\\303\\274n \\342\\202\\254\\n'", "{CMD}"),
        ("pwsh -c ... 2>/dev/null: fd 1", "echo out; echo err >&2", "(Invoke-Child '{CMD}').Stdout"),
        ("pwsh -c ... 1>/dev/null: fd 2", "echo out; echo err >&2", "(Invoke-Child '{CMD}').Stderr"),
        ("pwsh -c ...: exit status", "exit 5", "(Invoke-Child '{CMD}; exit $LASTEXITCODE').Code"),
        ("$PSNativeCommandUseErrorActionPreference on, $ErrorActionPreference Stop", "exit 3",
            "$PSNativeCommandUseErrorActionPreference = $true; $ErrorActionPreference = 'Stop'; try { {CMD}; 'no-throw' } catch { 'caught ' + ($_.FullyQualifiedErrorId -split ',')[0] + ' ' + $_.Exception.GetType().Name + ' ' + $_.Exception.ExitCode }"),
        ("$PSNativeCommandUseErrorActionPreference on, Continue", "exit 3",
            "$PSNativeCommandUseErrorActionPreference = $true; $Error.Clear(); {CMD}; \"$? $LASTEXITCODE $($Error.Count) $(($Error[0].FullyQualifiedErrorId -split ',')[0])\""),
        ("$PSNativeCommandUseErrorActionPreference off, $ErrorActionPreference Stop", "exit 3",
            "$ErrorActionPreference = 'Stop'; try { {CMD}; \"no-throw $LASTEXITCODE\" } catch { 'caught' }"),
        ("$PSNativeCommandUseErrorActionPreference on, stderr only", "echo err >&2",
            "$PSNativeCommandUseErrorActionPreference = $true; $ErrorActionPreference = 'Stop'; try { {CMD} 2>$null; \"no-throw $?\" } catch { 'caught' }"),
        ("pipeline input: lines", "cat", "'alpha', 'beta' | {CMD}"),
        ("pipeline input: numbers and objects", "cat", "(1, 2.5, [pscustomobject]@{ A = 1 } | {CMD}) -join '|'"),
        ("pipeline input: an empty pipeline", "wc -c", "@() | {CMD}"),
        ("pipeline input: $null", "wc -c", "$null | {CMD}"),
        ("pipeline input: 100 MB of lines", "wc -c", "$s = 'x' * 1023; 1..102400 | ForEach-Object { $s } | {CMD}"),
        ("pipeline input: the command stops reading", "head -n 1", "1..100000 | {CMD}; \"$?\""),
        ("byte input: Get-Content -AsByteStream -Raw", "cksum", "Get-Content -AsByteStream -Raw $bin | {CMD}"),
        ("byte input: Get-Content -AsByteStream -ReadCount 0 (arrays of bytes become text lines)", "cksum", "Get-Content -AsByteStream -ReadCount 0 $bin | {CMD}"),
        ("byte input: Get-Content -AsByteStream, byte by byte", "cksum", "Get-Content -AsByteStream $bin | {CMD}"),
    };

    /// <summary>Rows PowerShell gives a cmdlet no way to match (or a native command no way to
    /// try): the documented way to the same outcome, tested on the cmdlet alone.</summary>
    public static readonly (string Name, string Script, string Expected)[] CmdletOnlyRows =
    {
        ("-ErrorVariable (a native command has none)",
            "$null = Invoke-UserNsContainer -Command /bin/sh, -c, 'echo err >&2' -ErrorVariable ev; \"$($ev.Count) $ev\"", "1 err"),
        ("-ErrorAction Stop under $PSNativeCommandUseErrorActionPreference (a native command takes it as an argument)",
            "$PSNativeCommandUseErrorActionPreference = $true; try { Invoke-UserNsContainer -Command /bin/sh, -c, 'exit 4' -ErrorAction Stop; 'no-throw' } catch { 'caught ' + ($_.FullyQualifiedErrorId -split ',')[0] }",
            "caught ProgramExitedWithNonZeroCode"),
        ("exact bytes out (PowerShell 7.4 pipes a native command's bytes only to another native command or a file): -RedirectStandardOutput",
            "Invoke-UserNsContainer -RedirectStandardOutput $out -Command /bin/sh, -c, 'cat' -RedirectStandardInput $bin; (Get-FileHash $out).Hash -eq (Get-FileHash $bin).Hash",
            "True"),
        ("exact bytes out: -AsByteStream into Set-Content",
            "Invoke-UserNsContainer -AsByteStream -Command cat -RedirectStandardInput $bin | Set-Content -AsByteStream $out; (Get-FileHash $out).Hash -eq (Get-FileHash $bin).Hash",
            "True"),
        ("stderr bytes: -RedirectStandardError",
            "Invoke-UserNsContainer -RedirectStandardError $out -Command /bin/sh, -c, 'printf ''e1\\r\\ne2'' >&2'; [IO.File]::ReadAllBytes($out) -join ','",
            "101,49,13,10,101,50"),
        ("bare words that PowerShell reads as the cmdlet's parameters: --",
            "Invoke-UserNsContainer -- sh -c 'echo $0 $1' x -p", "x -p"),
        ("bare words that are not the cmdlet's parameters",
            "Invoke-UserNsContainer ls -la /etc/hostname", " /etc/hostname"),
    };

    private const string Prelude = """
        $ErrorActionPreference = 'Continue'
        $bin = Join-Path ([IO.Path]::GetTempPath()) "usnc-parity-$PID.bin"
        $out = Join-Path ([IO.Path]::GetTempPath()) "usnc-parity-$PID.out"
        $bytes = [byte[]]::new(300000); [Random]::new(7).NextBytes($bytes); [IO.File]::WriteAllBytes($bin, $bytes)
        # a child pwsh started as a script starts one, its stdout and stderr read apart (by fd)
        function Invoke-Child([string] $script) {
            $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            if ((Split-Path -Leaf $psi.FileName) -like 'dotnet*') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($psi)
            $e = $p.StandardError.ReadToEndAsync(); $o = $p.StandardOutput.ReadToEnd(); $p.WaitForExit()
            [pscustomobject]@{ Stdout = $o.TrimEnd() -replace "`n", '\n'; Stderr = $e.Result.TrimEnd() -replace "`n", '\n'; Code = $p.ExitCode }
        }
        function Show($value) { (@($value) | ForEach-Object { "$_" }) -join '\n' }
        """;

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    /// <summary>Every row, both ways, in one real pwsh: name → (native, container).</summary>
    private static readonly Lazy<Dictionary<string, (string Native, string Container)>> Observed = new(() =>
    {
        var script = new System.Text.StringBuilder(Prelude);
        for (int i = 0; i < Rows.Length; i++)
        {
            var (_, snippet, observer) = Rows[i];
            var native = "& /bin/sh -c " + Quote(snippet);
            var container = "Invoke-UserNsContainer -Command /bin/sh, -c, " + Quote(snippet);
            foreach (var (side, cmd) in new[] { ("native", native), ("container", container) })
            {
                // inside Invoke-Child's single-quoted script the command's quotes are doubled
                var body = observer.Contains("Invoke-Child '{CMD}", StringComparison.Ordinal)
                    ? observer.Replace("{CMD}", cmd.Replace("'", "''"))
                    : observer.Replace("{CMD}", cmd);
                script.Append($"$v = & {{ {body} }} 2>&1 | ForEach-Object {{ \"$_\" }}; 'ROW {i} {side} ' + ((@($v) -join '\\n') -replace \"`r\", '\\r')\n");
            }
        }
        script.Append("Remove-Item $bin, $out -ErrorAction Ignore\n");
        var (output, errors, code) = RealPwsh.Run(script.ToString());
        var result = new Dictionary<string, (string, string)>();
        var seen = new Dictionary<(int, string), string>();
        foreach (Match m in Regex.Matches(output, @"^ROW (\d+) (native|container) ?(.*)$", RegexOptions.Multiline))
            seen[(int.Parse(m.Groups[1].Value), m.Groups[2].Value)] = m.Groups[3].Value.TrimEnd('\r');
        for (int i = 0; i < Rows.Length; i++)
            result[Rows[i].Name] = (seen.GetValueOrDefault((i, "native"), $"<no report: exit {code}: {errors}>"),
                                    seen.GetValueOrDefault((i, "container"), $"<no report: exit {code}: {errors}>"));
        return result;
    });

    public static TheoryData<string> RowNames() => new(Rows.Select(r => r.Name));

    public static TheoryData<int> CmdletOnly() => new(Enumerable.Range(0, CmdletOnlyRows.Length));

    [Theory]
    [MemberData(nameof(RowNames))]
    public void TheContainerBehavesAsTheNativeCommand(string row)
    {
        var (native, container) = Observed.Value[row];
        Assert.False(native.StartsWith("<no report", StringComparison.Ordinal), native);
        Assert.Equal(native, container);
    }

    [Theory]
    [MemberData(nameof(CmdletOnly))]
    public void WhereNoParityIsPossibleTheDocumentedParameterGivesTheOutcome(int index)
    {
        var (name, script, expected) = CmdletOnlyRows[index];
        var (output, errors, code) = RealPwsh.Run(Prelude + script + "\nRemove-Item $bin, $out -ErrorAction Ignore\n");
        Assert.True(output.TrimEnd().EndsWith(expected, StringComparison.Ordinal), $"{name}: expected '{expected}', got:\n{output}\n{errors}\nexit {code}");
    }

    /// <summary>A table cell: the observation as code, '|' escaped for the table.</summary>
    private static string Cell(string text) => "`" + text.Replace("|", "\\|") + "`";

    /// <summary>The docs' table holds every row with the outcome observed now (both sides of a
    /// parity row are equal: the test above checks that), and every cmdlet-only row.</summary>
    [Fact]
    public void TheDocsCarryEveryRowWithItsOutcome()
    {
        var doc = File.ReadAllText(Path.Combine(TestHost.RepoRoot, "docs", "cmdlets", "about_UserNsContainer_NativeParity.md"));
        var expected = Rows.Select(r => $"| {r.Name.Replace("|", "\\|")} | {Cell(Observed.Value[r.Name].Native)} |")
            .Concat(CmdletOnlyRows.Select(r => $"| {r.Name.Replace("|", "\\|")} | {Cell(r.Expected)} |")).ToList();
        var missing = expected.Where(line => !doc.Contains(line, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "rows missing from the parity table, or with another outcome:\n" + string.Join("\n", missing));
    }
}
