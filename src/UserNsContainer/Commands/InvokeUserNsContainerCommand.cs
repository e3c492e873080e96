using System;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Runs a command in a fresh container in the foreground, then removes the container.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "UserNsContainer", SupportsShouldProcess = true)]
[OutputType(typeof(string), typeof(ContainerHandle), typeof(EnterResult))]
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

    /// <summary>ch-run's --join under a scheduler: the peers of this node (srun's tasks of one
    /// job step, mpirun's local ranks) share one container; tag and count come from the
    /// environment (-JoinTag, -JoinCount override).</summary>
    [Parameter]
    public SwitchParameter Join { get; set; }

    /// <summary>Charliecloud's --join: peers started with the same tag share one container;
    /// the first creates it, the others join, each runs its own -Command.</summary>
    [Parameter]
    public string? JoinTag { get; set; }

    /// <summary>How many peers share the tag's container (with -JoinTag; with -Join, overrides the count found in the environment).</summary>
    [Parameter]
    public int JoinCount { get; set; } = 1;

    /// <summary>Seconds a peer waits for all -JoinCount peers to arrive (default 30).</summary>
    [Parameter]
    public int JoinTimeout { get; set; } = 30;

    protected override void EndProcessing()
    {
        if (JoinTag is not null || Join)
        {
            RunJoined();
            return;
        }
        var spec = BuildSpec(DefaultShell);
        bool terminal = ForegroundOutput.UseTerminal(this, MyInvocation.BoundParameters.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
        if (!ShouldProcess(spec.Command is { } c ? string.Join(' ', c) : $"the command of image {Image}", "Run in a new container"))
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

    /// <summary>-JoinTag: arrive (create or join), run this peer's command inside, leave.</summary>
    private void RunJoined()
    {
        if (JoinTag is not null && (!ContainerSpec.IsValidName(JoinTag) || JoinTag.Length > JoinEnvironment.MaxTagLength))
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("InvalidJoinTag", nameof(JoinTag), JoinTag,
                $"1 to {JoinEnvironment.MaxTagLength} characters: letters, digits, '_', '.', '-', starting with a letter or digit")));
        bool countGiven = MyInvocation.BoundParameters.ContainsKey(nameof(JoinCount));
        if (JoinCount < 1)
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("InvalidJoinCount", nameof(JoinCount), JoinCount, "a count of at least 1")));
        if (JoinTimeout < 0)
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("InvalidJoinTimeout", nameof(JoinTimeout), JoinTimeout, "seconds, 0 or more")));
        var group = Join
            ? Terminating(() => JoinEnvironment.Resolve(System.Environment.GetEnvironmentVariables(), JoinTag, countGiven ? JoinCount : null))
            : new JoinGroup(JoinTag!, JoinCount, "-JoinTag", countGiven ? "-JoinCount" : "the default of -JoinCount");
        WriteVerbose($"Join group '{group.Tag}' (from {group.TagSource}) of {group.Count} peers (from {group.CountSource}).");
        var tag = group.Tag;
        // the container: this invocation's spec without a command (an idle init the peers enter)
        var containerSpec = BuildSpec();
        var process = new ContainerSpec
        {
            Command = containerSpec.Command ?? DefaultShell,
            Environment = containerSpec.Environment,
            WorkingDirectory = containerSpec.WorkingDirectory,
            User = containerSpec.User,
            Group = containerSpec.Group,
        };
        containerSpec.Command = null;
        containerSpec.Idle = true;
        containerSpec.Name ??= "join-" + tag;
        containerSpec.Environment = new System.Collections.Generic.Dictionary<string, string>();
        containerSpec.WorkingDirectory = null;
        containerSpec.User = containerSpec.Group = null;
        if (!ShouldProcess(tag, $"Run '{string.Join(' ', process.Command)}' in the container shared by {group.Count} peers"))
            return;
        var coordinator = Terminating(() => new JoinCoordinator(Engine));
        var handle = Terminating(() => coordinator.Arrive(tag, group.Count, TimeSpan.FromSeconds(JoinTimeout),
            () => Engine.Create(containerSpec, new CreateOptions { Foreground = false }), Cancel));
        try
        {
            bool terminal = ForegroundOutput.UseTerminal(this, MyInvocation.BoundParameters.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
            using var entered = Terminating(() => Engine.Enter(
                new EnterRequest { TargetPid = handle.Pid, TargetStartTime = handle.PidStartTime, ContainerName = handle.Name, Process = process },
                terminal ? StdioMode.Inherit : StdioMode.Capture));
            var exit = ForegroundOutput.Stream(this, entered.ReadOutput(Cancel));
            if (PassThru)
                WriteObject(new EnterResult { Container = handle.Name, TargetPid = handle.Pid, Joined = entered.Joined, Command = process.Command, ExitCode = exit?.ExitCode, Signal = exit?.Signal });
        }
        finally
        {
            coordinator.Leave(tag);
        }
        if (Cancel.IsCancellationRequested)
            throw new PipelineStoppedException();
    }
}
