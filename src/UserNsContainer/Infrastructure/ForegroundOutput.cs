using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Whether a foreground command (Invoke-UserNsContainer, Enter-ContainerNamespace) gets
/// the caller's terminal or pipes (<see cref="ForegroundRun"/>).</summary>
internal static class ForegroundOutput
{
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
        return (!commandGiven && cmdlet.Host.Name == "ConsoleHost") || NativeParity.OutputGoesToOutDefault(cmdlet);
    }
}
