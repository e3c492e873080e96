using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using UserNsContainer.Engine;

namespace UserNsContainer.Sessions;

/// <summary>The one entry point the cmdlet calls (through reflection: this assembly loads only
/// on PowerShell 7.6 and later): wraps a started server into an open PSSession.</summary>
public static class ContainerSessions
{
    public const string TransportName = "UserNsContainer";

    /// <summary>Opens a runspace over <paramref name="server"/> and returns its PSSession, added
    /// to the caller's session list (Get-PSSession). A failure ends the server.</summary>
    public static PSSession Open(PSCmdlet cmdlet, SessionServer server, string? name)
    {
        Runspace? runspace = null;
        try
        {
            var info = new ContainerConnectionInfo(server);
            runspace = RunspaceFactory.CreateRunspace(info, cmdlet.Host, TypeTable.LoadDefaultTypeFiles());
            runspace.Open();
            var session = PSSession.Create(runspace, TransportName, cmdlet);
            if (!string.IsNullOrEmpty(name))
                session.Name = name;
            return session;
        }
        catch
        {
            runspace?.Dispose();
            server.Dispose();
            throw;
        }
    }
}
