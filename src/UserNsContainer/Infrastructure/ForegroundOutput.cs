using System.Collections.Generic;
using System.Management.Automation;
using System.Reflection;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>How a foreground command's output reaches PowerShell, for Invoke-UserNsContainer
/// and Enter-ContainerNamespace alike: stdout lines as pipeline strings as they arrive,
/// stderr lines as a native command's, the exit code in $LASTEXITCODE.</summary>
internal static class ForegroundOutput
{
    public static ContainerExit? Stream(PSCmdlet cmdlet, IEnumerable<ContainerOutput> output)
    {
        ContainerExit? exit = null;
        foreach (var item in output)
        {
            switch (item.Kind)
            {
                case ContainerOutputKind.Stdout:
                    cmdlet.WriteObject(item.Line);
                    break;
                case ContainerOutputKind.Stderr:
                    StandardError.Write(cmdlet, item.Line!);
                    break;
                case ContainerOutputKind.Exited:
                    exit = item.Exit;
                    cmdlet.SessionState.PSVariable.Set("global:LASTEXITCODE", exit?.ExitCode ?? 125);
                    break;
            }
        }
        return exit;
    }

    /// <summary>Whether to hand the terminal over: as asked with -Interactive, else when no
    /// command was given (a shell) and a console host has terminals on stdin and stdout.</summary>
    public static bool UseTerminal(PSCmdlet cmdlet, bool interactiveBound, bool interactive, bool commandGiven) =>
        interactiveBound
            ? interactive
            : !commandGiven && cmdlet.Host.Name == "ConsoleHost" && ContainerEngine.IsTerminal(0) && ContainerEngine.IsTerminal(1);
}

/// <summary>
/// Writes a container's stderr line the way PowerShell writes a native command's: into the
/// error stream, so '2>&amp;1' captures it, but without failing the command ($? stays true,
/// -ErrorAction Stop does not throw). Uses the engine's internal native-stderr path where
/// the running PowerShell has it; elsewhere the line goes to the host's error output.
/// </summary>
internal static class StandardError
{
    private static readonly MethodInfo? NativeWrite = typeof(PSCmdlet).Assembly
        .GetType("System.Management.Automation.MshCommandRuntime")?
        .GetMethod("_WriteErrorSkipAllowCheck", BindingFlags.Instance | BindingFlags.NonPublic);

    public static void Write(PSCmdlet cmdlet, string line)
    {
        var record = new ErrorRecord(new RemoteException(line), "ContainerStandardError", ErrorCategory.NotSpecified, null);
        var parameters = NativeWrite?.GetParameters();
        if (NativeWrite is not null && parameters!.Length == 3 && parameters[2].ParameterType == typeof(bool))
        {
            NativeWrite.Invoke(cmdlet.CommandRuntime, new object?[] { record, null, true });
            return;
        }
        cmdlet.Host.UI.WriteErrorLine(line);
    }
}
