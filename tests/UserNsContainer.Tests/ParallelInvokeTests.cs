using System;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Many runspaces of one pwsh at once (issue 27): 100 Invoke-UserNsContainer calls from
/// ForEach-Object -Parallel -ThrottleLimit 16, each runspace with its own import of the module,
/// all in one state directory. Every call gets its own output and exit code, none fails, and
/// nothing is left.</summary>
public sealed class ParallelInvokeTests : ContainerTest
{
    [Fact]
    public void AHundredInvokesFromForEachObjectParallelAllSucceed()
    {
        var (output, errors, code) = RealPwsh.Run("""
            $results = 1..100 | ForEach-Object -ThrottleLimit 16 -Parallel {
                $out = Invoke-UserNsContainer -Command sh, -c, "echo run-$_; exit $($_ % 3)" 2>&1
                [pscustomobject]@{ N = $_; Out = "$out"; Code = $LASTEXITCODE }
            }
            $bad = @($results | Where-Object { $_.Out -ne "run-$($_.N)" -or $_.Code -ne ($_.N % 3) })
            "count $($results.Count) bad $($bad.Count)"
            $bad | Select-Object -First 5 | ForEach-Object { "bad: $($_.N) [$($_.Out)] $($_.Code)" }
            "left $(@(Get-UserNsContainer).Count)"
            """);
        Assert.True(code == 0, output + errors);
        Assert.Contains("count 100 bad 0", output);
        Assert.Contains("left 0", output);
        Assert.Empty(NewHelperProcesses());
    }
}
