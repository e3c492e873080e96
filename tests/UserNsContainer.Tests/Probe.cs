using System;
using System.Diagnostics;
using System.IO;

namespace UserNsContainer.Tests;

/// <summary>probe/probe.c built once per run with cc -static into the scratch directory
/// (world-readable, so visible inside containers on the host root and to the unprivileged
/// pass): the system calls a hostile process inside would make.</summary>
public static class Probe
{
    private static readonly Lazy<string> Built = new(Build);

    public static string Path => Built.Value;

    private static string Build()
    {
        var source = System.IO.Path.Combine(TestHost.RepoRoot, "tests", "UserNsContainer.Tests", "probe", "probe.c");
        var output = System.IO.Path.Combine(TestHost.Scratch, "probe");
        var psi = new ProcessStartInfo("cc", new[] { "-static", "-O2", "-Wall", "-o", output, source }) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException("cc failed to build the probe: " + err);
        File.SetUnixFileMode(output, (UnixFileMode)0b111_101_101);
        return output;
    }
}
