using System;
using System.Diagnostics;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// The fault-injection matrix: the helper's test-only switch (USERNSCONTAINER_FAULT=WHO@STEP)
/// ends its monitor, init, main process, entering helper or binding helper at each step of the
/// protocol, in each way a container is started, entered or bound into. Every case must end
/// (within 5 s) with an ErrorRecord that says where it broke, never a raw .NET exception or a
/// hang, and leave nothing behind (ContainerTest: no helper, record, mount or /tmp entry).
/// </summary>
public sealed class FaultTests : ContainerTest
{
    private const string Invoke = "Invoke-UserNsContainer -Command sh, -c, 'echo hi' -ErrorAction Stop; \"exit=$LASTEXITCODE\"";
    private const string New = "$null = New-UserNsContainer -Name fault-new -Command sleep, 30 -ErrorAction Stop; 'created'";

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // setup; the step under the fault; the fault; what the step must end with (a Created
        // container has its plan, and the fault, from New)
        { "", Invoke, "monitor@clone", "HelperDied" },
        { "", Invoke, "monitor@pid", "HelperDied" },
        { "", Invoke, "monitor@go", "HelperDied" },
        { "", Invoke, "monitor@running", "HelperDied" },
        { "", Invoke, "init@barrier", "SetupInterrupted" },
        { "", Invoke, "init@setup", "SetupInterrupted" },
        { "", Invoke, "init@main", "SetupInterrupted" },
        { "", Invoke, "main@exec", "exit=137" },
        { "", New, "monitor@clone", "HelperDied" },
        { "", New, "monitor@pid", "HelperDied" },
        { "", New, "monitor@go", "HelperDied" },
        { "", New, "init@barrier", "SetupInterrupted" },
        { "", New, "init@setup", "SetupInterrupted" },
        { "", New, "init@main", "SetupInterrupted" },
        { "$env:USERNSCONTAINER_FAULT = $fault; $c = New-UserNsContainer -NoStart -Command sleep, 30", "$c | Start-UserNsContainer -ErrorAction Stop; 'started'", "monitor@go", "HelperDied" },
        { "$env:USERNSCONTAINER_FAULT = $fault; $c = New-UserNsContainer -NoStart -Command sleep, 30", "$c | Start-UserNsContainer -ErrorAction Stop; 'started'", "init@setup", "SetupInterrupted" },
        { "$env:USERNSCONTAINER_FAULT = $fault; $c = New-UserNsContainer -NoStart -Command sleep, 30", "$c | Start-UserNsContainer -ErrorAction Stop; 'started'", "init@main", "SetupInterrupted" },
        { "$c = New-UserNsContainer -Command sleep, 30", "$c | Enter-ContainerNamespace -Command sh, -c, 'echo hi' -ErrorAction Stop; \"exit=$LASTEXITCODE\"", "enter@join", "HelperDied" },
        { "$c = New-UserNsContainer -Command sleep, 30", "$c | Enter-ContainerNamespace -Command sh, -c, 'echo hi' -ErrorAction Stop; \"exit=$LASTEXITCODE\"", "enter@started", "HelperDied" },
        { "$c = New-UserNsContainer -Command sleep, 30", "$c | Enter-ContainerNamespace -Command sh, -c, 'echo hi' -ErrorAction Stop; \"exit=$LASTEXITCODE\"", "main@exec", "exit=137" },
        { "$c = New-UserNsContainer -Command sleep, 30", "$c | Mount-ContainerBind -Source $d -Target /tmp/f -ErrorAction Stop; 'bound'", "bind@link", "HelperDied" },
        { "$c = New-UserNsContainer -Command sleep, 30", "$c | Mount-ContainerBind -Source $d -Target /tmp/f -ErrorAction Stop; 'bound'", "bind@mount", "HelperDied" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryWaitEndsWithAnErrorRecordAndNothingIsLeft(string setup, string step, string fault, string expected)
    {
        var d = HostDir("fault");
        var clock = new Stopwatch();
        var r = TestHost.Run($$"""
            {{setup}}
            $env:USERNSCONTAINER_FAULT = $fault
            $clock.Start()
            try { {{step}} } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.GetType().FullName; $_.Exception.Message }
            finally { $clock.Stop(); $env:USERNSCONTAINER_FAULT = $null }
            Get-UserNsContainer | Remove-UserNsContainer -Force
            """, Vars(("fault", fault), ("clock", clock), ("d", d)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{fault}: the step took {clock.Elapsed}");
        // the command's own output may come first (a monitor killed while it runs)
        int at = Array.IndexOf(r.Lines, expected);
        Assert.True(at >= 0, $"{fault}: expected {expected}, got {string.Join(" | ", r.Lines)}; errors: {string.Join("\n", r.Errors)}");
        if (at + 2 < r.Lines.Length)
        {
            // an ErrorRecord from the engine, with a message that says where the start broke
            Assert.StartsWith("UserNsContainer.", r.Lines[at + 1]);
            Assert.Matches("step|setup|killed|ended", r.Lines[at + 2]);
        }
    }
}
