using System;
using System.Globalization;
using System.Linq;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>Binds added to a container after it was described: to a Created container's plan,
/// or live into a running one (through the helper's hot-bind and hot-unbind modes).</summary>
public sealed partial class ContainerEngine
{
    /// <summary>Mount-ContainerBind: adds a bind to a Created container's plan (mounted at
    /// Start, after the earlier ones), or, on a running container, binds it live.</summary>
    public void AddBind(ContainerHandle handle, BindMount bind)
    {
        Refresh(handle);
        bind = bind.Validate("Source", "Target");
        if (bind.SourceMissing)
        {
            Verbose($"Bind source '{bind.Source}' does not exist; skipped (-Optional).");
            return;
        }
        switch (handle.State)
        {
            case ContainerState.Created:
                HiddenDirectories.Check(bind, HiddenDirectories.For(Store), live: false, "Source");
                if (!Sessions.ContainsKey(handle.Id))
                    throw new UserNsContainerException("ContainerOwnedElsewhere", FailureKind.InvalidOperation,
                        $"Container '{handle.Name}' was created with -NoStart by another PowerShell process (pid {handle.OwnerPid}); only that process can add to its plan.", handle);
                Verbose($"Adding bind {bind} to the plan of container '{handle.Name}'.");
                handle.Binds = handle.Binds.Append(bind).ToArray();
                Store.Save(handle);
                break;
            case ContainerState.Running:
                HiddenDirectories.Check(bind, HiddenDirectories.For(Store), live: true, "Source");
                HotPlug(handle, bind);
                handle.Binds = handle.Binds.Append(bind with { Live = true }).ToArray();
                Store.Save(handle);
                break;
            default:
                throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                    $"Container '{handle.Name}' has exited; there is nothing to bind into.", handle);
        }
    }

    /// <summary>Dismount-ContainerBind: drops a bind from a Created container's plan, or
    /// detaches one bound live into a running container.</summary>
    public void RemoveBind(ContainerHandle handle, string target)
    {
        Refresh(handle);
        var bind = handle.Binds.LastOrDefault(b => b.Target == target)
            ?? throw new UserNsContainerException("BindNotFound", FailureKind.ObjectNotFound,
                $"Container '{handle.Name}' has no bind at '{target}' (its binds: {(handle.Binds.Length == 0 ? "none" : string.Join(", ", handle.Binds.Select(b => b.Target)))}).",
                target, "List them with (Get-UserNsContainer -Name NAME).Binds.");
        if (handle.State == ContainerState.Running)
        {
            if (!bind.Live)
                throw new UserNsContainerException("BindLocked", FailureKind.InvalidOperation,
                    $"The bind at '{target}' was mounted when container '{handle.Name}' started; those mounts are locked by the kernel for the container's life (nothing may be unmounted to show what lies beneath).",
                    target, "Binds added with Mount-ContainerBind to a running container can be dismounted; others go with the container.");
            Verbose($"Detaching the bind at '{target}' inside container '{handle.Name}'.");
            RunHelperOnce("hot-unbind", handle, new[] { "op", "unbind", target });
        }
        else if (handle.State != ContainerState.Created)
            throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' has exited; its binds went with it.", handle);
        var list = handle.Binds.ToList();
        list.RemoveAt(list.LastIndexOf(bind));
        handle.Binds = list.ToArray();
        Store.Save(handle);
    }

    private void HotPlug(ContainerHandle handle, BindMount bind)
    {
        if (!handle.Nested)
            throw new UserNsContainerException("BindNeedsMountNamespace", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' has no mount namespace of its own.", handle);
        Verbose($"Binding {bind} live into container '{handle.Name}' (pid {handle.Pid}).");
        var flags = (bind.NonRecursive ? "" : "r") + (bind.ReadOnly ? "o" : "") + (bind.NoCreate ? "" : "c") + (bind.IdMap ? "i" : "");
        // the container's own tmpfs mounts, where a missing target is made; elsewhere the
        // helper covers the target's parent with an overmount instead of writing into it
        RunHelperOnce("hot-bind", handle, new[] { "op", "bind", bind.Source, bind.Target, flags }.Concat(PlanBuilder.ScratchMounts(handle.HostTmp)).ToArray());
    }

    /// <summary>Where a helper asks the container's monitor for its namespaces, and what the
    /// monitor must prove: the container's Id, and its pid as recorded.</summary>
    private string[] LinkRecord(ContainerHandle handle) =>
        new[] { "link", Store.SocketPath(handle.Id), handle.Id, handle.MonitorPid.ToString(CultureInfo.InvariantCulture) };

    /// <summary>A helper that acts once on a running container and reports "exit".</summary>
    private void RunHelperOnce(string mode, ContainerHandle handle, string[] op)
    {
        using var watch = PidWatch.Open(handle.Pid, handle.PidStartTime)
            ?? throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{handle.Name}' is not running.", handle);
        EnsureGenuine(handle);
        var received = HelperProcess.RunOnce(mode, new[] { new[] { "target", handle.Pid.ToString(CultureInfo.InvariantCulture) }, LinkRecord(handle) }
            .Concat(PlanBuilder.FaultRecords()).Append(op).Append(new[] { "end" }));
        if (received.FirstOrDefault(r => r[0] == "error") is { } error)
            throw AfterHelperFailure(handle, SetupErrors.FromRecord(error, new ContainerSpec()));
    }
}
