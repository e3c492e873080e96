// Id maps: ranges, the maps a spec asks for, /etc/subuid and /etc/subgid, and writing them
// (directly, or through newuidmap and newgidmap).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>
/// Writes a waiting process's id maps from the engine (the kernel allows this from a
/// multithreaded process). Root writes /proc/PID/uid_map and gid_map directly; an ordinary
/// user writes a map of just its own id directly (gid: after denying setgroups) and anything
/// else through newuidmap/newgidmap. Every prerequisite is checked first, so a refusal says
/// what to change rather than surfacing as a bare EPERM.
/// </summary>
public static class IdMapWriter
{
    public enum Kind { Uid, Gid }

    private sealed record Tool(string Name, string SubFile, string MapFile, string Parameter);

    private static Tool For(Kind kind) => kind == Kind.Uid
        ? new Tool("newuidmap", SubordinateIds.UidFile, "uid_map", "UidMap")
        : new Tool("newgidmap", SubordinateIds.GidFile, "gid_map", "GidMap");

    private static bool IsSelfMap(IReadOnlyList<IdMapRange> map, uint id) =>
        map.Count == 1 && map[0].HostId == id && map[0].Count == 1;

    /// <summary>Whether setgroups is denied before the gid map is written: always for an ordinary
    /// user writing directly (the kernel's condition), and whenever the map holds a single id, as
    /// bwrap and ch-run do: with one group there is nothing to set, and a process that tries gets
    /// EPERM rather than the EINVAL of an unmapped group (what apt and CPython expect).</summary>
    public static bool DeniesSetgroups(IReadOnlyList<IdMapRange> gidMap, uint euid) =>
        euid != 0 || gidMap.Sum(r => (long)r.Count) == 1;

    /// <summary>True when both maps can be written straight to /proc (no newuidmap): root, or
    /// an ordinary user mapping just its own ids (the gid map after denying setgroups).</summary>
    public static bool IsDirect(IReadOnlyList<IdMapRange> uidMap, IReadOnlyList<IdMapRange> gidMap, uint euid, uint egid) =>
        euid == 0 || (IsSelfMap(uidMap, euid) && IsSelfMap(gidMap, egid));

    /// <summary>Everything that can be known before writing: the caller may map these host ids,
    /// and the tools needed are installed and privileged. Throws with the fix.</summary>
    public static void CheckAllowed(IReadOnlyList<IdMapRange> map, Kind kind, uint euid, uint ownId)
    {
        if (euid == 0 || IsSelfMap(map, ownId))
            return;
        var tool = For(kind);
        var user = SubordinateIds.UserName(euid);
        var ranges = SubordinateIds.For(tool.SubFile, user, euid);
        var needed = (uint)Math.Min(uint.MaxValue, map.Where(r => !(r.HostId == ownId && r.Count == 1)).Sum(r => (long)r.Count));
        if (ranges.Count == 0)
            throw new UserNsContainerException("SubordinateIdsMissing", FailureKind.PermissionDenied,
                $"-{tool.Parameter} {string.Join(",", map)} maps host ids other than your own ({ownId}), but {tool.SubFile} gives '{user}' no range.",
                tool.SubFile,
                $"As root, add the line '{SubordinateIds.SuggestedLine(tool.SubFile, user, Math.Max(65536u, needed))}' to {tool.SubFile} " +
                $"(or: usermod --add-sub{(kind == Kind.Uid ? "uids" : "gids")} START-END {user}), or map only your own id.");
        if (!SubordinateIds.Covers(ranges, ownId, map))
            throw new UserNsContainerException("SubordinateRangeTooSmall", FailureKind.PermissionDenied,
                $"-{tool.Parameter} {string.Join(",", map)} reaches host ids outside what {tool.SubFile} gives '{user}' " +
                $"({string.Join(", ", ranges.Select(r => $"{r.Start}..{(ulong)r.Start + r.Count - 1}"))}).",
                tool.SubFile,
                $"Map host ids inside your range (e.g. 1:{ranges[0].Start}:{Math.Min(ranges[0].Count, 65536u)}), or as root add the line " +
                $"'{SubordinateIds.SuggestedLine(tool.SubFile, user, Math.Max(65536u, needed))}' to {tool.SubFile}.");
        CheckTool(tool);
    }

    private static void CheckTool(Tool tool)
    {
        var path = FindOnPath(tool.Name);
        if (path is null)
            throw new UserNsContainerException("IdMapToolMissing", FailureKind.NotInstalled,
                $"{tool.Name} is needed to map ids other than your own, and it is not on PATH.", tool.Name,
                "Install it: apt-get install uidmap (Debian, Ubuntu), dnf install shadow-utils (Fedora).");
        if (!IsPrivileged(path))
            throw new UserNsContainerException("IdMapToolNotPrivileged", FailureKind.PermissionDenied,
                $"{path} has neither the setuid bit (owned by root) nor file capabilities, so it cannot write another user's map.", path,
                $"As root: chmod u+s {path} (or setcap cap_{(tool.Name == "newuidmap" ? "setuid" : "setgid")}+ep {path}), or reinstall the uidmap package.");
    }

    /// <summary>True when the tool can write another user's map: setuid root, or file capabilities.</summary>
    internal static bool IsPrivileged(string path)
    {
        var mode = File.GetUnixFileMode(path);
        bool setuidRoot = (mode & UnixFileMode.SetUser) != 0 && Native.Libc.OwnerOf(path, followLinks: true) == 0;
        return setuidRoot || HasFileCapabilities(path);
    }

    /// <summary>The tool as the engine will run it: the first on PATH.</summary>
    internal static string? FindTool(string name) => FindOnPath(name);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static unsafe bool HasFileCapabilities(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        var name = Encoding.ASCII.GetBytes("security.capability\0");
        fixed (byte* p = bytes)
        fixed (byte* n = name)
            return Native.Libc.getxattr(p, n, null, 0) > 0;
    }

    /// <summary>Writes both maps of <paramref name="pid"/>. A map already written with the same
    /// ranges is left alone; one written with other ranges is an error (maps are write-once).</summary>
    public static void Write(int pid, IReadOnlyList<IdMapRange> uidMap, IReadOnlyList<IdMapRange> gidMap, uint euid, uint egid)
    {
        // every check before the first write, so a refusal leaves neither map half done
        bool uidPending = NeedsWrite(pid, uidMap, Kind.Uid), gidPending = NeedsWrite(pid, gidMap, Kind.Gid);
        if (uidPending)
            CheckAllowed(uidMap, Kind.Uid, euid, euid);
        if (gidPending)
            CheckAllowed(gidMap, Kind.Gid, euid, egid);
        if (uidPending)
            WriteOne(pid, uidMap, Kind.Uid, euid, euid);
        if (gidPending)
            WriteOne(pid, gidMap, Kind.Gid, euid, egid);
    }

    /// <summary>The map the kernel holds for <paramref name="pid"/> (empty when none was written yet).</summary>
    public static IdMapRange[] Read(int pid, Kind kind)
    {
        try
        {
            return IdMapRange.ParseProcText(File.ReadAllText($"/proc/{pid}/{For(kind).MapFile}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserNsContainerException("ProcessNotFound", FailureKind.ObjectNotFound,
                $"Cannot read the {For(kind).MapFile} of process {pid}: {e.Message}", pid, null, e);
        }
    }

    /// <summary>Checks, then writes one map of <paramref name="pid"/>.</summary>
    public static void WriteMap(int pid, IReadOnlyList<IdMapRange> map, Kind kind, uint euid, uint ownId)
    {
        if (!NeedsWrite(pid, map, kind))
            return;
        CheckAllowed(map, kind, euid, ownId);
        WriteOne(pid, map, kind, euid, ownId);
    }

    /// <summary>False when the same map is there already; an error when another one is (maps are write-once).</summary>
    private static bool NeedsWrite(int pid, IReadOnlyList<IdMapRange> map, Kind kind)
    {
        var existing = Read(pid, kind);
        if (existing.Length == 0)
            return true;
        if (existing.SequenceEqual(map))
            return false;
        throw new UserNsContainerException("IdMapAlreadyWritten", FailureKind.InvalidOperation,
            $"Process {pid} already has the {For(kind).MapFile} {string.Join(",", existing.AsEnumerable())}; a map can be written only once.", pid,
            "Set the maps before the container starts (New-UserNsContainer -NoStart | Set-IdMap ... | Start-UserNsContainer), or create a new container.");
    }

    private static void WriteOne(int pid, IReadOnlyList<IdMapRange> map, Kind kind, uint euid, uint ownId)
    {
        var tool = For(kind);
        if (euid == 0 || IsSelfMap(map, ownId))
        {
            if (kind == Kind.Gid && DeniesSetgroups(map, euid))
                WriteProcText(pid, "setgroups", "deny");
            WriteProcText(pid, tool.MapFile, IdMapRange.ToProcText(map));
            return;
        }
        RunTool(tool, pid, map);
    }

    private static void WriteProcText(int pid, string file, string text)
    {
        var path = $"/proc/{pid}/{file}";
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(text), 0); // one write(), as the kernel requires
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserNsContainerException("IdMapWriteFailed", FailureKind.PermissionDenied,
                $"Writing '{text.Trim().Replace("\n", "; ")}' to {path} failed: {e.Message}", path,
                "The process must be in a user namespace that has no map yet, and belong to you.", e);
        }
    }

    private static void RunTool(Tool tool, int pid, IReadOnlyList<IdMapRange> map)
    {
        var psi = new ProcessStartInfo(FindOnPath(tool.Name) ?? tool.Name) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var r in map)
        {
            psi.ArgumentList.Add(r.ContainerId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(r.HostId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            psi.ArgumentList.Add(r.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new UserNsContainerException("IdMapWriteFailed", FailureKind.PermissionDenied,
                $"{tool.Name} {string.Join(' ', psi.ArgumentList)} failed: {err.Trim()}", tool.Name,
                $"Check that {tool.SubFile} gives you the host ids in the map.");
    }
}
