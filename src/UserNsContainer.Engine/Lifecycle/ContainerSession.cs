using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>What a foreground container sends back: a line or a chunk of bytes of output, or its end.</summary>
public sealed record ContainerOutput(ContainerOutputKind Kind, string? Line, ContainerExit? Exit = null, byte[]? Bytes = null);

public enum ContainerOutputKind { Stdout, Stderr, Exited }

/// <summary>How the main process ended, as the helper reported it.</summary>
public sealed record ContainerExit(string Kind, int Value)
{
    /// <summary>Shell convention: the exit code, 128+N for signal N, 125 for a failed setup.</summary>
    public int ExitCode => Kind switch { "exited" => Value, "signaled" => 128 + Value, _ => 125 };
    public int? Signal => Kind == "signaled" ? Value : null;
    /// <summary>The container's monitor ended without reporting how the command ended.</summary>
    public bool Lost => Kind == "lost";

    internal string Describe() => Kind switch
    {
        "exited" => $"exit code {Value}",
        "signaled" => $"signal {Value}",
        "lost" => "its monitor ended without a report",
        _ => "setup failed",
    };

    internal static ContainerExit FromRecord(string[] rec) =>
        new((rec.Length > 1 ? rec[1] : "2") switch { "0" => "exited", "1" => "signaled", _ => "failed" },
            rec.Length > 2 && int.TryParse(rec[2], out var v) ? v : 0);
}

/// <summary>
/// The engine's live connection to one helper: from spawn to start (and, for a foreground
/// container, to exit). Owns the control socket, the spawned helper's pid and the pipes.
/// </summary>
internal sealed class ContainerSession : IDisposable
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);
    private readonly ControlChannel _channel;
    private readonly HelperProcess.Spawned _spawned;
    private readonly bool _detached;
    private bool _reaped;
    private ForegroundIo? _io;
    private ProcessStreams? _streams;
    private TerminalState? _terminal;
    private StdioMode _stdio;
    private string _mode = "create";

    private ContainerSession(ControlChannel channel, HelperProcess.Spawned spawned, bool detached)
    {
        _channel = channel;
        _spawned = spawned;
        _detached = detached;
    }

    /// <summary>Opaque: who made it (<see cref="ContainerEngine.Owner"/>).</summary>
    public object? Owner { get; set; }
    public int InitPid { get; private set; }
    public int MonitorPid { get; private set; }
    public ContainerSpec Spec { get; private set; } = null!;
    public ContainerExit? Exit { get; private set; }
    /// <summary>Per-phase timings, when USERNSCONTAINER_TIMINGS=1.</summary>
    public PhaseTimer? Timer { get; set; }

    /// <summary>Spawns the helper, hands it the plan and waits for the init's pid. The init
    /// then waits at the barrier, before any mount, until <see cref="Release"/>.</summary>
    /// <param name="release">The setup operations and "go", sent right behind the plan when the
    /// monitor writes the maps itself (the init then goes on without waiting for the engine).</param>
    public static ContainerSession Launch(ContainerSpec spec, IReadOnlyList<string[]> plan, StdioMode stdio, string mode = "create",
        IReadOnlyList<string[]>? release = null, PhaseTimer? timer = null)
    {
        ControlChannel channel;
        HelperProcess.Spawned spawned;
        if (mode == "create" && SpareHelpers.Take(stdio) is { } spare)
            (channel, spawned) = (spare.Channel, spare.Spawned);
        else
        {
            int helperFd;
            (channel, helperFd) = ControlChannel.CreatePair();
            try
            {
                spawned = HelperProcess.Spawn(helperFd, stdio, mode);
            }
            catch
            {
                channel.Dispose();
                throw;
            }
            finally
            {
                HelperProcess.CloseAll(helperFd);
            }
        }
        timer?.Mark("spawn");
        var session = new ContainerSession(channel, spawned, stdio == StdioMode.Detached) { Spec = spec, Timer = timer, _stdio = stdio, _mode = mode };
        if (stdio == StdioMode.Inherit)
            session._terminal = TerminalState.Save(0);
        try
        {
            channel.SendAll(plan);
            if (release is not null)
            {
                session.Released = true;
                try
                {
                    channel.SendAll(release);
                }
                catch (SystemCallException)
                {
                    // the helper ended early (a refused clone or map): its error record is read next
                }
            }
            var rec = session.ExpectRecord("pid");
            session.InitPid = int.Parse(rec[1]);
            session.MonitorPid = int.Parse(rec[2]);
            if (session._detached)
                session.ReapSpawned(); // the first half exits once the second half is on its own
            return session;
        }
        catch
        {
            session.Abort();
            throw;
        }
    }

    /// <summary>True once the setup operations and "go" are sent.</summary>
    public bool Released { get; private set; }

    /// <summary>The setup operations and "go" (the monitor hands them to the init).</summary>
    public void Send(IEnumerable<string[]> release)
    {
        Released = true;
        _channel.SendAll(release);
    }

    /// <summary>Returns once the main process runs (mounts, pivot and exec done).</summary>
    public void AwaitStarted()
    {
        ExpectRecord("started");
        if (_detached)
            _channel.Dispose();
        // the next container of this process starts from a helper spawned now, while this one runs
        if (_mode == "create")
            SpareHelpers.Refill(_stdio);
    }

    private string[] ExpectRecord(string verb)
    {
        string[]? rec;
        try
        {
            rec = _channel.Receive(SetupTimeout, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            throw new UserNsContainerException("HelperTimeout", FailureKind.OperationTimeout,
                $"The helper did not report '{verb}' within {SetupTimeout.TotalSeconds} s.", InitPid);
        }
        if (rec is null)
            throw new UserNsContainerException("HelperDied", FailureKind.InvalidOperation,
                $"The container's helper ended {Phase(verb)}, without reporting why (it was killed, or crashed).", InitPid,
                "Nothing of the container is left; run the command again.");
        if (rec[0] == "error")
        {
            var failure = SetupErrors.FromRecord(rec, Spec);
            try
            {
                if (_channel.Receive(TimeSpan.FromSeconds(5), CancellationToken.None) is { } next && next[0] == "exit")
                    Exit = ContainerExit.FromRecord(next);
            }
            catch (TimeoutException)
            {
                // the error said why; the helper is ended by Abort
            }
            throw failure;
        }
        if (rec[0] == "exit" && verb == "started")
        {
            Exit = ContainerExit.FromRecord(rec);
            throw new UserNsContainerException("SetupInterrupted", FailureKind.OperationStopped,
                $"The container ended {Phase(verb)} ({Exit.Describe()}), before its command started: its init was killed or ended during setup.", InitPid,
                "Nothing of the container is left; run the command again.");
        }
        if (rec[0] == "timings" && verb == "started")
        {
            Timer?.Helper(rec.Skip(1));
            return ExpectRecord(verb);
        }
        if (rec[0] != verb)
            throw new UserNsContainerException("ProtocolError", FailureKind.InvalidOperation,
                $"The helper sent '{rec[0]}' where '{verb}' was expected.", InitPid);
        return rec;
    }

    /// <summary>Where the start was when the engine waited for <paramref name="verb"/>.</summary>
    private static string Phase(string verb) => verb switch
    {
        "pid" => "before it made the container's namespaces (step: clone)",
        "started" => "during the container's setup (step: mounts, pivot_root and exec of the command)",
        _ => $"before it reported '{verb}'",
    };

    /// <summary>The command's standard streams (once: the pipes are the returned object's from
    /// here on). <paramref name="onExit"/> runs when the exit record arrives.</summary>
    public ForegroundIo OpenIo(OutputForms forms, Action<ContainerExit>? onExit = null)
    {
        if (_io is not null)
            throw new InvalidOperationException("The container's streams are already open.");
        return _io = new ForegroundIo(this, _spawned.StdinFd, _spawned.StdoutFd, _spawned.StderrFd, forms, onExit);
    }

    /// <summary>The command's standard streams as blocking streams (once, instead of <see cref="OpenIo"/>).</summary>
    public ProcessStreams OpenStreams()
    {
        if (_io is not null || _streams is not null)
            throw new InvalidOperationException("The container's streams are already open.");
        return _streams = new ProcessStreams(this, _spawned.StdinFd, _spawned.StdoutFd, _spawned.StderrFd);
    }

    internal int ControlFd => _channel.Fd;

    /// <summary>Reads one record from the control socket: the exit (or, when the monitor is gone
    /// without one, "lost") is returned once, when it arrives.</summary>
    internal ContainerExit? ReadControl()
    {
        if (Exit is not null)
            return null;
        var rec = _channel.IsOpen ? _channel.ReadRecord() : null;
        if (rec is null)
            Exit = new ContainerExit("lost", 0); // the monitor died: no exit record
        else if (rec[0] == "exit")
            Exit = ContainerExit.FromRecord(rec);
        if (Exit is not null)
            RestoreTerminal();
        return Exit;
    }

    public void Kill(int signal)
    {
        int pidfd = Libc.PidfdOpen(InitPid);
        if (pidfd >= 0)
        {
            Libc.PidfdSendSignal(pidfd, signal);
            Libc.close(pidfd);
        }
    }

    /// <summary>Ends a container that will not start: tells the helper, kills the init, reaps.</summary>
    public void Abort()
    {
        if (InitPid > 0 && Exit is null)
            Kill(9);
        if (_channel.IsOpen)
        {
            try { _channel.Send("abort"); } catch (UserNsContainerException) { }
        }
        _channel.Dispose();
        ReapSpawned();
        RestoreTerminal();
        CloseStreams();
    }

    private void CloseStreams()
    {
        if (_io is not null)
            _io.Dispose();
        else if (_streams is not null)
            _streams.Dispose();
        else
            HelperProcess.CloseAll(_spawned.StdinFd, _spawned.StdoutFd, _spawned.StderrFd);
    }

    private void ReapSpawned()
    {
        if (_reaped)
            return;
        _reaped = true;
        HelperProcess.Reap(_spawned.Pid);
    }

    /// <summary>After the helper is gone: the caller's terminal as it was before the container.</summary>
    private void RestoreTerminal()
    {
        _terminal?.Restore();
        _terminal = null;
    }

    public void Dispose()
    {
        CloseStreams();
        _channel.Dispose();
        ReapSpawned();
        RestoreTerminal();
    }
}
