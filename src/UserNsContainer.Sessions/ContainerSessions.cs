using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using UserNsContainer.Engine;

namespace UserNsContainer.Sessions;

/// <summary>The one entry point the cmdlet calls (through reflection: this assembly loads only
/// on PowerShell 7.6 and later): wraps started servers into open PSSessions.</summary>
public static class ContainerSessions
{
    public const string TransportName = "UserNsContainer";

    /// <summary>Opens a runspace over each server, all at once (each server's start-up is a pwsh
    /// start-up, so N sessions take about as long as one), and returns, per server, its PSSession
    /// (added to the caller's session list, Get-PSSession) or the exception that kept it from
    /// opening, whose server is then ended. Runs on the cmdlet's pipeline thread.</summary>
    public static object[] OpenAll(PSCmdlet cmdlet, IReadOnlyList<SessionServer> servers, IReadOnlyList<string?> names)
    {
        var results = new object[servers.Count];
        var runspaces = new Runspace?[servers.Count];
        var settled = new ManualResetEventSlim[servers.Count];
        try
        {
            for (int i = 0; i < servers.Count; i++)
            {
                var done = settled[i] = new ManualResetEventSlim();
                try
                {
                    var runspace = runspaces[i] = RunspaceFactory.CreateRunspace(new ContainerConnectionInfo(servers[i]), cmdlet.Host, TypeTable.LoadDefaultTypeFiles());
                    runspace.StateChanged += (_, e) =>
                    {
                        if (e.RunspaceStateInfo.State is not (RunspaceState.BeforeOpen or RunspaceState.Opening))
                            done.Set();
                    };
                    runspace.OpenAsync();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    results[i] = e;
                    done.Set();
                }
            }
            for (int i = 0; i < servers.Count; i++)
            {
                while (!settled[i].Wait(100))
                    if (cmdlet.Stopping)
                        throw new PipelineStoppedException();
                if (results[i] is not null)
                    continue;
                var runspace = runspaces[i]!;
                if (runspace.RunspaceStateInfo.State == RunspaceState.Opened)
                {
                    var session = PSSession.Create(runspace, TransportName, cmdlet);
                    if (!string.IsNullOrEmpty(names[i]))
                        session.Name = names[i];
                    results[i] = session;
                }
                else
                    results[i] = runspace.RunspaceStateInfo.Reason ?? new InvalidOperationException($"the session ended in state {runspace.RunspaceStateInfo.State}");
            }
        }
        finally
        {
            for (int i = 0; i < servers.Count; i++)
            {
                if (results[i] is PSSession)
                    continue;
                runspaces[i]?.Dispose();
                servers[i].Dispose();
            }
            foreach (var e in settled)
                e?.Dispose();
        }
        return results;
    }
}
