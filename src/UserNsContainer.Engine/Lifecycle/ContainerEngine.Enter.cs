using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>Running a command in a running container's namespaces (Enter-ContainerNamespace).</summary>
public sealed partial class ContainerEngine
{
    /// <summary>Runs a command in the namespaces of a running container (or any process of
    /// yours): checks first, then the helper joins user first and mnt last and execs.</summary>
    public EnteredProcess Enter(EnterRequest request, StdioMode stdio)
    {
        int pid = request.TargetPid;
        if (request.TargetStartTime is { } t && !ProcessInfo.IsSame(pid, t))
            throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{request.ContainerName}' is not running (its init, pid {pid}, has exited{(ProcessInfo.StartTime(pid) is null ? "" : " and the pid now belongs to another process")}).",
                request.ContainerName, "Start a new container, or look at its ExitCode with Get-UserNsContainer.");
        if (request.Container is { } record)
            EnsureGenuine(record);
        Entering.CheckAccess(pid, request.ContainerName);
        var joined = Entering.NamespacesToJoin(pid, request.Namespaces);
        var spec = request.Process;
        if (request.Container is { } container)
            InheritFrom(container, spec);
        bool joinsMnt = joined.Contains("mnt"), joinsUser = joined.Contains("user");
        var root = joinsMnt ? $"/proc/{pid}/root" : "/";
        spec.ResolveAccountNames(RootPath.Resolve(root, "/etc/passwd"), RootPath.Resolve(root, "/etc/group"), "the container's");
        if (spec.User is { } uid && joinsUser && !IdMapRange.Maps(IdMapWriter.Read(pid, IdMapWriter.Kind.Uid), uid))
            throw new InvalidSpecException("UserNotMapped", "User", uid, $"a uid the container's uid map covers ({string.Join(",", IdMapWriter.Read(pid, IdMapWriter.Kind.Uid).AsEnumerable())})");
        spec.ValidateProcess(root, Environment.GetEnvironmentVariable("TERM"));
        var plan = new List<string[]>
        {
            new[] { "target", pid.ToString(CultureInfo.InvariantCulture) },
            new[] { "join" }.Concat(joined).ToArray(),
            new[] { "argv" }.Concat(spec.Command!).ToArray(),
            new[] { "env" }.Concat(spec.EnvironmentBlock()).ToArray(),
        };
        plan.AddRange(SeccompProfile.Records(spec.Seccomp, spec.FakeRoot));
        plan.AddRange(ResourceLimits.Records(spec.Limits));
        if (request.Container is { } entered)
            plan.Add(LinkRecord(entered));
        plan.AddRange(PlanBuilder.FaultRecords());
        if (stdio == StdioMode.Inherit)
            plan.Add(new[] { "tty" });
        if (spec.WorkingDirectory is not null || joinsMnt)
            plan.Add(new[] { "cwd", spec.WorkingDirectory ?? "/" });
        if (joinsUser || spec.User is not null)
            plan.Add(new[] { "user", (spec.User ?? 0).ToString(CultureInfo.InvariantCulture), (spec.Group ?? spec.User ?? 0).ToString(CultureInfo.InvariantCulture) });
        plan.Add(new[] { "end" });
        Verbose($"Entering {(request.ContainerName is null ? $"process {pid}" : $"container '{request.ContainerName}'")}: joining {(joined.Length == 0 ? "no namespace (all shared)" : string.Join(", ", joined))}.");
        // "go" right behind the plan: nothing is decided between the helper's pid and the start
        ContainerSession? session = null;
        try
        {
            session = ContainerSession.Launch(spec, plan, stdio, "enter", release: new[] { new[] { "go" } });
            session.AwaitStarted();
        }
        catch (Exception e)
        {
            session?.Abort();
            AfterHelperFailure(request.Container, e);
            throw;
        }
        return new EnteredProcess(session, joined);
    }

    /// <summary>What exec in a container starts from (docker and podman exec): its environment,
    /// with -Environment adding or overriding; its working directory and user unless given.</summary>
    private static void InheritFrom(ContainerHandle container, ContainerSpec spec)
    {
        foreach (var (name, value) in container.Environment)
            spec.Environment.TryAdd(name, value);
        spec.WorkingDirectory ??= container.WorkingDirectory;
        // root emulation is the container's, as for every process of a ch-run --seccomp container
        spec.FakeRoot |= container.FakeRoot;
        // a FUSE root answers only processes inside the container's user namespace: the
        // command is not looked up beforehand (exec reports a missing one)
        spec.IsSquashFs = container.RootKind == RootKind.SquashFS;
        if (spec.User is null && spec.UserName is null)
        {
            spec.User = container.User;
            if (spec.Group is null && spec.GroupName is null)
                spec.Group = container.Group;
        }
    }
}
