using System;
using System.Management.Automation;
using System.Reflection;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Runs a command in a fresh container in the foreground, then removes the container.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "UserNsContainer", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(ContainerHandle))]
public sealed class InvokeUserNsContainerCommand : SpecCmdletBase
{
    private static readonly string[] DefaultShell = { "/bin/sh" };

    /// <summary>Also emit the finished container's handle.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Give the container this terminal (stdin, stdout, stderr) instead of the
    /// pipeline. The default is on when no -Command is given (a shell) and both stdin and
    /// stdout are terminals of a console host.</summary>
    [Parameter]
    public SwitchParameter Interactive { get; set; }

    protected override void EndProcessing()
    {
        var spec = BuildSpec(DefaultShell);
        bool terminal = MyInvocation.BoundParameters.ContainsKey(nameof(Interactive))
            ? Interactive.IsPresent
            : Command is null && Host.Name == "ConsoleHost" && ContainerEngine.IsTerminal(0) && ContainerEngine.IsTerminal(1);
        if (!ShouldProcess(string.Join(' ', spec.Command!), "Run in a new container"))
            return;
        var options = new CreateOptions { Foreground = true, Stdio = terminal ? StdioMode.Inherit : StdioMode.Capture };
        var handle = Terminating(() => Engine.Create(spec, options));
        try
        {
            foreach (var item in Engine.ReadOutput(handle, Cancel))
            {
                switch (item.Kind)
                {
                    case ContainerOutputKind.Stdout:
                        WriteObject(item.Line);
                        break;
                    case ContainerOutputKind.Stderr:
                        StandardError.Write(this, item.Line!);
                        break;
                    case ContainerOutputKind.Exited:
                        SessionState.PSVariable.Set("global:LASTEXITCODE", handle.ExitCode ?? 125);
                        break;
                }
            }
        }
        finally
        {
            Engine.ReleaseForeground(handle);
        }
        if (Cancel.IsCancellationRequested)
            throw new PipelineStoppedException();
        WriteVerbose($"Container '{handle.Name}' exited with code {handle.ExitCode}.");
        if (PassThru)
            WriteObject(handle);
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
