using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UserNsContainer.Tests;

/// <summary>What the tests that run real services (pasta, Slurm, docker-registry) share: a
/// free port on 127.0.0.1, and a daemon started in the background and stopped by pid.</summary>
public static class Daemons
{
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Starts <paramref name="psi"/> with its output drained (never blocking on a full pipe).</summary>
    public static Process Start(ProcessStartInfo psi)
    {
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Kills the daemon with its children and reaps it.</summary>
    public static void Stop(Process p)
    {
        try
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // it ended meanwhile
        }
        p.Dispose();
    }
}
