using System;
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
                    if (exit is { Lost: true })
                        cmdlet.WriteError(new ErrorRecord(new UserNsContainerException("HelperDied", FailureKind.InvalidOperation,
                            "The container's monitor ended while the command ran (it was killed), so how the command ended is unknown; the container is gone.", null),
                            "HelperDied", ErrorCategory.InvalidResult, null));
                    break;
            }
        }
        return exit;
    }

    /// <summary>Whether to hand the terminal over: as asked with -Interactive; otherwise, when
    /// stdin and stdout are terminals, for a shell at a console (no command given) or whenever
    /// the output would go straight to Out-Default (PowerShell's own rule for native commands:
    /// '$x = ...' or '... | Select-String' keep the pipeline).</summary>
    public static bool UseTerminal(PSCmdlet cmdlet, bool interactiveBound, bool interactive, bool commandGiven)
    {
        if (interactiveBound)
            return interactive;
        if (!ContainerEngine.IsTerminal(0) || !ContainerEngine.IsTerminal(1))
            return false;
        return (!commandGiven && cmdlet.Host.Name == "ConsoleHost") || OutputGoesToOutDefault(cmdlet);
    }

    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    /// <summary>True when the cmdlet's output pipe feeds Out-Default directly (read through the
    /// engine's internals; false wherever they differ from what is expected).</summary>
    private static bool OutputGoesToOutDefault(PSCmdlet cmdlet)
    {
        try
        {
            var runtime = cmdlet.CommandRuntime;
            var pipe = runtime.GetType().GetProperty("OutputPipe", Internal)?.GetValue(runtime);
            var downstream = pipe?.GetType().GetProperty("DownstreamCmdlet", Internal)?.GetValue(pipe);
            var command = downstream?.GetType().GetProperty("Command", Internal)?.GetValue(downstream);
            return command?.GetType().Name == "OutDefaultCommand";
        }
        catch (Exception e) when (e is TargetInvocationException or AmbiguousMatchException or MethodAccessException)
        {
            return false;
        }
    }
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
