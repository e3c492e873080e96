using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// UserNsContainer.Sessions.dll, the remoting transport, built against PowerShell 7.6's engine
/// (the public transport API came with 7.3; 7.6 is the only engine NuGet serves here). It is
/// loaded when a session is first opened, so the rest of the module runs on 7.4 as before;
/// on an older PowerShell New-UserNsContainerSession says so before anything is made.
/// </summary>
internal static class SessionsAssembly
{
    public static readonly Version Needed = new(7, 6);
    private static MethodInfo? _open;

    /// <summary>The running PowerShell's version (its engine assembly's).</summary>
    public static Version Running => typeof(PSObject).Assembly.GetName().Version ?? new Version(0, 0);

    /// <summary>Throws SessionNeedsNewerPowerShell where the transport cannot load.</summary>
    public static void Check()
    {
        var running = Running;
        if (running < Needed)
            throw new UserNsContainerException("SessionNeedsNewerPowerShell", FailureKind.NotInstalled,
                $"Container sessions need PowerShell {Needed} or later (this is {running.Major}.{running.Minor}.{running.Build}): their transport is built against PowerShell 7.6's remoting API. The rest of the module works on this version.",
                running.ToString(), "Run pwsh 7.6 (the current LTS) for New-UserNsContainerSession, or use Enter-ContainerNamespace and Invoke-UserNsContainer.");
    }

    /// <summary>Opens the PSSessions over started servers, all at once (ContainerSessions.OpenAll in
    /// the transport assembly): per server, its PSSession or the exception that stopped it.</summary>
    public static object[] OpenAll(PSCmdlet cmdlet, IReadOnlyList<SessionServer> servers, IReadOnlyList<string?> names)
    {
        if (_open is null)
        {
            var path = Path.Combine(Path.GetDirectoryName(typeof(SessionsAssembly).Assembly.Location)!, "UserNsContainer.Sessions.dll");
            _open = Assembly.LoadFrom(path).GetType("UserNsContainer.Sessions.ContainerSessions", throwOnError: true)!.GetMethod("OpenAll")!;
        }
        try
        {
            return (object[])_open.Invoke(null, new object?[] { cmdlet, servers, names })!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw; // not reached
        }
    }
}
