using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine.Images.Build;

/// <summary>
/// One RUN: an idle container of the step's image with -WriteFake (the writes stay in its
/// memory), the command entered into it as Enter-ContainerNamespace enters one (the step's
/// environment, directory and user; root emulation with -FakeRoot), its output passed on line
/// by line, then its writes taken as the layer while the container still runs. The container
/// is removed however the step ends. With -FakeRoot, apt is told to keep root for its
/// downloads (APT_CONFIG: APT::Sandbox::User "root"), as Charliecloud's builder does: apt
/// checks that its switch to _apt took, and under root emulation it cannot.
/// </summary>
internal sealed class RunStep
{
    private readonly ContainerEngine _engine;
    private readonly Action<string> _verbose;
    private readonly Action<BuildEvent> _event;

    public RunStep(ContainerEngine engine, Action<string> verbose, Action<BuildEvent> onEvent)
    {
        _engine = engine;
        _verbose = verbose;
        _event = onEvent;
    }

    private static bool RootWithoutRange =>
        ContainerEngine.CallerUid == 0 && !IdMapPlanner.HasAutoRange(0, ContainerEngine.CallerGid, 0);

    private const string AptConfig = "/run/usnc-build/apt.conf";

    public void Execute(ImageInfo image, string[] command, Dictionary<string, string> env, string workDir, string? user,
        BuildRequest request, Instruction ins, string file, Stream layer, CancellationToken cancel)
    {
        string? aptDir = null;
        var spec = new ContainerSpec
        {
            RootFs = image.RootFsPath,
            WriteFake = true,
            Idle = true,
            Network = request.Network,
            // root without a subordinate range maps its own ids 0-65535 (root is host root in any case)
            AutoIdMap = request.AutoIdMap && !RootWithoutRange,
            HostIdCount = request.AutoIdMap && RootWithoutRange ? IdMapPlanner.AutoCount : null,
            FakeRoot = request.FakeRoot,
        };
        if (request.FakeRoot)
        {
            aptDir = Directory.CreateTempSubdirectory("usnc-build-").FullName;
            File.WriteAllText(Path.Combine(aptDir, "apt.conf"), "APT::Sandbox::User \"root\";\n");
            spec.Binds.Add(new BindMount { Source = Path.Combine(aptDir, "apt.conf"), Target = AptConfig, ReadOnly = true });
        }
        ContainerHandle? handle = null;
        try
        {
            handle = _engine.Create(spec, new CreateOptions { Foreground = false, Start = true });
            _verbose($"RUN at line {ins.Line} in container '{handle.Name}' ({handle.Id}).");
            var process = new ContainerSpec { Command = command, WorkingDirectory = workDir, FakeRoot = request.FakeRoot };
            foreach (var (k, v) in env)
                process.Environment[k] = v;
            if (request.FakeRoot && !process.Environment.ContainsKey("APT_CONFIG"))
                process.Environment["APT_CONFIG"] = AptConfig;
            SetUser(process, user);
            var exit = RunCommand(handle, process, cancel);
            if (exit.ExitCode != 0)
                throw new UserNsContainerException("BuildStepFailed", FailureKind.InvalidOperation,
                    $"{Untrusted.Escape(file)}, line {ins.Line}: RUN {Untrusted.Escape(ins.Text)} {(exit.Signal is { } sig ? $"was killed by signal {sig}" : $"exited with code {exit.ExitCode}")}. Nothing was built from this step on.",
                    $"{file}:{ins.Line}", "Its output is above; fix the command and build again (the steps before it come from the cache).");
            if (request.FakeRoot)
                _verbose($"Line {ins.Line}: under -FakeRoot chown did nothing, so every file of this layer is owned by root.");
            _engine.CaptureLayer(handle, layer, cancel);
        }
        finally
        {
            if (handle is not null)
                _engine.Remove(handle, force: true, TimeSpan.Zero);
            if (aptDir is not null)
                Directory.Delete(aptDir, recursive: true);
        }
    }

    private static void SetUser(ContainerSpec process, string? user)
    {
        if (string.IsNullOrEmpty(user))
            return;
        var colon = user.IndexOf(':');
        var (u, g) = colon < 0 ? (user, null) : (user[..colon], user[(colon + 1)..]);
        if (uint.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            process.User = uid;
        else
            process.UserName = u;
        if (g is null)
            return;
        if (uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            process.Group = gid;
        else
            process.GroupName = g;
    }

    /// <summary>Enters the command and passes its output on, on this thread, until it ends.</summary>
    private ContainerExit RunCommand(ContainerHandle handle, ContainerSpec process, CancellationToken cancel)
    {
        using var entered = _engine.Enter(new EnterRequest
        {
            TargetPid = handle.Pid, TargetStartTime = handle.PidStartTime, ContainerName = handle.Name, Container = handle, Process = process,
        }, StdioMode.Capture);
        using var streams = entered.OpenStreams();
        streams.Input.Dispose();
        using var lines = new BlockingCollection<(bool Error, string Text)>(1024);
        int open = 2;
        void Pump(Stream s, bool error)
        {
            try
            {
                using var reader = new StreamReader(s);
                string? line;
                while ((line = reader.ReadLine()) is not null)
                    lines.Add((error, line));
            }
            catch (IOException)
            {
            }
            finally
            {
                if (Interlocked.Decrement(ref open) == 0)
                    lines.CompleteAdding();
            }
        }
        var threads = new[] { new Thread(() => Pump(streams.Output, false)), new Thread(() => Pump(streams.Error, true)) };
        foreach (var t in threads)
        {
            t.IsBackground = true;
            t.Start();
        }
        using (cancel.Register(() => entered.Kill(9)))
            foreach (var (error, text) in lines.GetConsumingEnumerable())
                _event(new BuildEvent("Output", 0, 0, text, error));
        foreach (var t in threads)
            t.Join();
        cancel.ThrowIfCancellationRequested();
        return streams.WaitExit(TimeSpan.FromSeconds(30)) ?? new ContainerExit("lost", 0);
    }
}
