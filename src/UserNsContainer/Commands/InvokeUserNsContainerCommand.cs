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
public sealed class InvokeUserNsContainerCommand : SpecCmdletBase, IDisposable
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

    /// <summary>Input for the command's stdin, as for a native command: strings as lines,
    /// bytes and byte[] raw, other objects as Out-String shows them. (An image object piped in
    /// is the image to run instead.)</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>A file whose bytes are the command's stdin (Start-Process's name).</summary>
    [Parameter]
    public string? RedirectStandardInput { get; set; }

    /// <summary>A file that gets the command's stdout, byte for byte (created or overwritten).</summary>
    [Parameter]
    public string? RedirectStandardOutput { get; set; }

    /// <summary>A file that gets the command's stderr, byte for byte (created or overwritten).</summary>
    [Parameter]
    public string? RedirectStandardError { get; set; }

    /// <summary>stdout as byte[] chunks in the pipeline instead of lines.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    private Redirections? _redirections;
    private ForegroundRun? _run;
    private ContainerHandle? _handle;
    private bool _terminal;
    private bool _declined;
    private System.Collections.Generic.List<object>? _joinedInput; // -Join: the peer's streams exist only once it has arrived

    protected override void ProcessRecord()
    {
        if (InputObject is null)
            return;
        if (ImageArgument.From(InputObject) is { } image)
        {
            Image = image; // an image object piped in: the image to run
            return;
        }
        if (JoinTag is not null || Join)
        {
            // the joined peer's streams exist once it has arrived, at the end
            (_joinedInput ??= new()).Add(InputObject);
            return;
        }
        StartForeground(withInput: true)?.Input(InputObject);
    }

    protected override void EndProcessing()
    {
        if (JoinTag is not null || Join)
        {
            RunJoined();
            return;
        }
        var run = StartForeground(withInput: false);
        if (run is null)
            return;
        if (_redirections?.Stdin is { } stdin)
            run.InputFile(stdin);
        run.Finish();
        Engine.ReleaseForeground(_handle!);
        _released = true;
        if (Cancel.IsCancellationRequested)
            throw new PipelineStoppedException();
        WriteVerbose($"Container '{_handle!.Name}' exited with code {_handle.ExitCode}.");
        if (PassThru)
            WriteObject(_handle);
    }

    /// <summary>The first pipeline object (or, without input, the end) creates the container.</summary>
    private ForegroundRun? StartForeground(bool withInput)
    {
        if (_run is not null || _handle is not null || _declined)
            return _run; // started, or -WhatIf / a "no" answered once for the whole pipeline
        var spec = BuildSpec(DefaultShell);
        if (!ShouldProcess(spec.Command is { } c ? string.Join(' ', c) : $"the command of image {Image}", "Run in a new container"))
        {
            _declined = true; // -WhatIf touches no file either
            return null;
        }
        _redirections = Terminating(() => Redirections.Open(this, RedirectStandardInput, RedirectStandardOutput, RedirectStandardError, withInput));
        _terminal = _redirections.AllowsTerminal && !withInput && !AsByteStream
            && ForegroundOutput.UseTerminal(this, MyInvocation.BoundParameters.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
        var options = new CreateOptions { Foreground = true, Stdio = _terminal ? StdioMode.Inherit : StdioMode.Capture };
        try
        {
            _handle = Engine.Create(spec, options);
        }
        catch (UserNsContainerException e)
        {
            _redirections.Discard();
            SessionState.PSVariable.Set("global:LASTEXITCODE", 125);
            ThrowTerminatingError(ToErrorRecord(e));
        }
        var targets = _redirections.Targets(AsByteStream, !_terminal && NativeParity.ErrorGoesToConsole(this));
        _run = new ForegroundRun(this, Engine.OpenIo(_handle!, targets.Forms), targets,
            spec.Command is { Length: > 0 } cmd ? cmd[0] : "sh", _handle!.Pid, Cancel);
        return _run;
    }

    /// <summary>Ctrl+C or a failing pipeline before the end: the command is asked to end (SIGINT,
    /// then SIGTERM and SIGKILL) and nothing of it is left.</summary>
    public void Dispose()
    {
        _run?.Dispose();
        if (_handle is not null && !_released)
            Engine.ReleaseForeground(_handle);
        _released = true;
        _redirections?.Dispose();
    }

    private bool _released;

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
            bool terminal = _joinedInput is null && ForegroundOutput.UseTerminal(this, MyInvocation.BoundParameters.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
            using var entered = Terminating(() => Engine.Enter(
                new EnterRequest { TargetPid = handle.Pid, TargetStartTime = handle.PidStartTime, ContainerName = handle.Name, Process = process },
                terminal ? StdioMode.Inherit : StdioMode.Capture));
            var exit = ForegroundRun.Without(this, entered.OpenIo, terminal, process.Command[0], entered.ProcessId, Cancel, _joinedInput);
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
