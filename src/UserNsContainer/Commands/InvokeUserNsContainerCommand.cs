using System;
using System.Management.Automation;
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
        bool terminal = ForegroundOutput.UseTerminal(this, MyInvocation.BoundParameters.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
        if (!ShouldProcess(string.Join(' ', spec.Command!), "Run in a new container"))
            return;
        var options = new CreateOptions { Foreground = true, Stdio = terminal ? StdioMode.Inherit : StdioMode.Capture };
        var handle = Terminating(() => Engine.Create(spec, options));
        try
        {
            ForegroundOutput.Stream(this, Engine.ReadOutput(handle, Cancel));
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
