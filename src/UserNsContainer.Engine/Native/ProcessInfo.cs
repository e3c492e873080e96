using System;
using System.IO;

namespace UserNsContainer.Engine;

/// <summary>Facts about host processes read from /proc.</summary>
public static class ProcessInfo
{
    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null when the pid is gone.</summary>
    public static ulong? StartTime(int pid) => Stat(pid) is { } f && ulong.TryParse(f[19], out var t) ? t : null;

    /// <summary>Fields of /proc/PID/stat from the third (state) on, or null when the pid is gone.</summary>
    private static string[]? Stat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // comm may hold spaces and parentheses: fields start after the last ')'
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>The parent's pid (field 4 of /proc/PID/stat), or null when the pid is gone.</summary>
    public static int? ParentOf(int pid) => Stat(pid) is { } f && int.TryParse(f[1], out var p) ? p : null;

    /// <summary>True when <paramref name="init"/> and <paramref name="monitor"/> (with their start
    /// times) are a container's init and the helper monitoring it: the init is the monitor's child,
    /// and the monitor runs the module's helper. False for any other pair of live processes.</summary>
    public static bool IsHelperPair(int init, ulong initStart, int monitor, ulong monitorStart)
    {
        if (!IsSame(init, initStart) || !IsSame(monitor, monitorStart) || ParentOf(init) != monitor)
            return false;
        try
        {
            var argv0 = File.ReadAllText($"/proc/{monitor}/cmdline").Split('\0')[0];
            return Path.GetFileName(argv0).StartsWith("usnc-helper", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>True when <paramref name="pid"/> is alive and is still the process that started at <paramref name="startTime"/>.</summary>
    public static bool IsSame(int pid, ulong startTime) =>
        pid > 0 && Stat(pid) is { } f && f[0] != "Z" && ulong.TryParse(f[19], out var t) && t == startTime;
}
