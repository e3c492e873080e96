using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>
/// Writes a waiting process's id maps from the engine (the kernel allows this from a
/// multithreaded process). Root writes directly; an ordinary user writes a single self
/// map directly, after denying setgroups, and anything else through newuidmap/newgidmap.
/// </summary>
public static class IdMapWriter
{
    public static void Write(int pid, IdMapRange[] uidMap, IdMapRange[] gidMap, uint euid, uint egid)
    {
        if (euid == 0)
        {
            WriteProc(pid, "uid_map", uidMap);
            WriteProc(pid, "gid_map", gidMap);
            return;
        }
        bool selfOnly = IsSelfMap(uidMap, euid) && IsSelfMap(gidMap, egid);
        if (selfOnly)
        {
            WriteProcText(pid, "setgroups", "deny");
            WriteProc(pid, "uid_map", uidMap);
            WriteProc(pid, "gid_map", gidMap);
            return;
        }
        RunSetuidTool("newuidmap", pid, uidMap);
        RunSetuidTool("newgidmap", pid, gidMap);
    }

    private static bool IsSelfMap(IdMapRange[] map, uint id) =>
        map.Length == 1 && map[0].HostId == id && map[0].Count == 1;

    private static void WriteProc(int pid, string file, IdMapRange[] map) =>
        WriteProcText(pid, file, IdMapRange.ToProcText(map));

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
                "An ordinary user may map only their own id directly; larger maps need newuidmap/newgidmap (package uidmap) and a range in /etc/subuid and /etc/subgid.",
                e);
        }
    }

    private static void RunSetuidTool(string tool, int pid, IdMapRange[] map)
    {
        var args = new[] { pid.ToString() }.Concat(map.SelectMany(r => new[] { r.ContainerId.ToString(), r.HostId.ToString(), r.Count.ToString() }));
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserNsContainerException("IdMapToolMissing", FailureKind.NotInstalled,
                $"{tool} is needed to map more than your own id, and it could not be run: {e.Message}", tool,
                "Install the uidmap package (apt-get install uidmap).", e);
        }
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new UserNsContainerException("IdMapWriteFailed", FailureKind.PermissionDenied,
                $"{tool} {string.Join(' ', psi.ArgumentList)} failed: {err.Trim()}", tool,
                $"Check that /etc/{(tool == "newuidmap" ? "subuid" : "subgid")} gives you the host ids in the map.");
    }
}
