using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>
/// One pwsh in server mode inside a container: the far end of a PowerShell session
/// (New-UserNsContainerSession). It is either the main process of a foreground container made
/// for the session, so the container's identity, namespaces, seccomp filter and limits are its
/// own and the container ends with it, or a process entered into a running container, as
/// Enter-ContainerNamespace starts one. Its stdin and stdout carry PSRP; its stderr is kept
/// (the last lines) to say why a server that ends early ended.
/// </summary>
public sealed class SessionServer : IDisposable
{
    private const int ErrorTail = 4096;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
    private readonly ContainerEngine _engine;
    private readonly EnteredProcess? _entered;
    private readonly StringBuilder _stderr = new();
    private readonly Thread _stderrReader;
    private int _disposed;

    private SessionServer(ContainerEngine engine, ContainerHandle container, bool owned, EnteredProcess? entered, ProcessStreams streams)
    {
        _engine = engine;
        Container = container;
        OwnsContainer = owned;
        _entered = entered;
        Streams = streams;
        _stderrReader = new Thread(KeepErrors) { IsBackground = true, Name = "usnc session stderr" };
        _stderrReader.Start();
    }

    /// <summary>The container the server runs in.</summary>
    public ContainerHandle Container { get; }
    /// <summary>The container was made for the session and ends with it.</summary>
    public bool OwnsContainer { get; }
    public ProcessStreams Streams { get; }
    public int ProcessId => _entered?.ProcessId ?? Container.Pid;

    /// <summary>Makes a foreground container from <paramref name="spec"/> whose main process is the server.</summary>
    public static SessionServer InNewContainer(ContainerEngine engine, ContainerSpec spec, PowerShellInstall pwsh)
    {
        spec.Command = pwsh.ServerCommand();
        spec.Binds = spec.Binds.Concat(pwsh.Binds()).ToList();
        foreach (var (name, value) in pwsh.ServerEnvironment(dir => spec.Image is null && spec.RootFs is null && HasIcu(dir)))
            spec.Environment.TryAdd(name, value);
        ContainerHandle handle;
        try
        {
            handle = engine.Create(spec, new CreateOptions { Foreground = true, Stdio = StdioMode.Capture });
        }
        catch (UserNsContainerException e) when (e.ErrorId is "CommandNotFound" or "CommandNotExecutable" && spec.RootFs is { } root)
        {
            throw RuntimeMissing(pwsh, dir => RootPath.Resolve(root, dir) is { } p && File.Exists(p), spec.Image ?? root, e);
        }
        try
        {
            return new SessionServer(engine, handle, owned: true, null, engine.OpenStreams(handle));
        }
        catch
        {
            engine.ReleaseForeground(handle);
            throw;
        }
    }

    /// <summary>Enters the server into a running container; binds the install live first where
    /// the container does not have it bound yet.</summary>
    public static SessionServer InContainer(ContainerEngine engine, ContainerHandle container, PowerShellInstall pwsh, ContainerSpec process)
    {
        engine.Refresh(container);
        if (container.State != ContainerState.Running)
            throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{container.Name}' is {container.State}; a session needs a running container.", container,
                container.State == ContainerState.Created ? "Start it first with Start-UserNsContainer." : "Create a new container, or let New-UserNsContainerSession make one.");
        // stat through the container's root: nothing is opened in it (a FIFO would block an open)
        var inside = $"/proc/{container.Pid}/root";
        if (container.RootKind != RootKind.SquashFS)
        {
            var interp = PowerShellInstall.Interpreter(pwsh.Executable);
            if (interp is not null && Libc.IdentityOf(inside + interp) is null)
                throw RuntimeMissing(pwsh, _ => false, container.Image ?? container.RootFs, null);
        }
        foreach (var bind in pwsh.Binds())
        {
            if (container.Binds.Any(b => b.Target == bind.Target && b.Source == bind.Source))
                continue; // a session before this one bound it
            engine.AddBind(container, bind);
        }
        process.Command = pwsh.ServerCommand();
        foreach (var (name, value) in pwsh.ServerEnvironment(dir => container.RootFs == "/" && container.Image is null ? HasIcu(dir) : HasIcu(inside + dir)))
            process.Environment.TryAdd(name, value);
        var entered = engine.Enter(new EnterRequest
        {
            TargetPid = container.Pid,
            TargetStartTime = container.PidStartTime,
            ContainerName = container.Name,
            Container = container,
            Process = process,
        }, StdioMode.Capture);
        try
        {
            return new SessionServer(engine, container, owned: false, entered, entered.OpenStreams());
        }
        catch
        {
            entered.Dispose();
            throw;
        }
    }

    private static bool HasIcu(string dir)
    {
        try
        {
            return Directory.Exists(dir) && Directory.EnumerateFiles(dir, "libicuuc.so*").Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static UserNsContainerException RuntimeMissing(PowerShellInstall pwsh, Func<string, bool> existsInside, string root, Exception? inner)
    {
        var interp = PowerShellInstall.Interpreter(pwsh.Executable);
        var missing = interp is not null && !existsInside(interp) ? $"its dynamic loader {interp} (glibc)" : "the C and C++ libraries it links (glibc, libstdc++)";
        return new UserNsContainerException("SessionRuntimeMissing", FailureKind.NotInstalled,
            $"pwsh cannot run in a container with the root '{root}': the .NET runtime it runs on ({pwsh.Executable}) needs {missing}, which that root does not have.",
            root, "Use an image with glibc, libstdc++ and OpenSSL 3 (Debian, Ubuntu, Fedora and most others; not busybox or Alpine), or the host's root (the default).", inner);
    }

    /// <summary>Why the server's output ended: the container's or the server's end, and the
    /// last lines it wrote to stderr.</summary>
    public string DescribeEnd()
    {
        var exit = Streams.WaitExit(TimeSpan.FromSeconds(2));
        string what;
        var c = OwnsContainer ? null : _engine.FindById(Container.Id);
        // a server killed by signal dies with its container's pid namespace a moment before the
        // monitor records the container's exit: give the record that moment
        if (c is { State: ContainerState.Running } && exit?.Signal is not null)
            _engine.Wait(c, TimeSpan.FromSeconds(1), CancellationToken.None);
        if (!OwnsContainer && c is not null && c.State != ContainerState.Running)
            what = $"container '{Container.Name}' {(c.State == ContainerState.Exited ? $"exited ({Describe(c.ExitCode, c.Signal)})" : "is no longer running")}, which ended its session server";
        else if (!OwnsContainer && c is null)
            what = $"container '{Container.Name}' was removed, which ended its session server";
        else if (OwnsContainer)
            what = $"container '{Container.Name}', whose command is the session server, ended{(exit is null ? "" : $" ({exit.Describe()})")}";
        else
            what = $"the session server (pwsh -s in container '{Container.Name}') ended{(exit is null ? "" : $" ({exit.Describe()})")}";
        _stderrReader.Join(TimeSpan.FromSeconds(1));
        string tail;
        lock (_stderr)
            tail = _stderr.ToString().Trim();
        return tail.Length == 0 ? what : $"{what}; it wrote: {tail}";
    }

    private static string Describe(int? code, int? signal) => signal is { } s ? $"killed by signal {s}" : $"exit code {code}";

    private void KeepErrors()
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = Streams.Error.Read(buffer, 0, buffer.Length)) > 0)
                lock (_stderr)
                {
                    _stderr.Append(Encoding.UTF8.GetString(buffer, 0, n));
                    if (_stderr.Length > ErrorTail)
                        _stderr.Remove(0, _stderr.Length - ErrorTail);
                }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Kills the server at once (SIGKILL; the whole container when it was made for the
    /// session): a server that breaks the protocol gets no further say.</summary>
    public void Kill()
    {
        if (OwnsContainer)
            _engine.Stop(Container, TimeSpan.Zero, CancellationToken.None);
        else
            _entered!.Kill(9);
    }

    /// <summary>Ends the server: its stdin closes (pwsh -s exits at EOF), then after a grace it
    /// is killed; a container made for the session goes with it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try { Streams.Input.Dispose(); } catch (IOException) { }
        Streams.WaitExit(CloseGrace);
        if (OwnsContainer)
            _engine.ReleaseForeground(Container); // kills what still runs, then deletes the record
        else
            _entered!.Dispose();
        Streams.Dispose();
    }
}
