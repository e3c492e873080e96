using System;
using System.IO;

namespace UserNsContainer.Engine;

/// <summary>Facts about host processes read from /proc.</summary>
public static class ProcessInfo
{
    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null when the pid is gone.</summary>
    public static ulong? StartTime(int pid)
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
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.TryParse(rest[19], out var t) ? t : null;
    }

    /// <summary>True when <paramref name="pid"/> is alive and is still the process that started at <paramref name="startTime"/>.</summary>
    public static bool IsSame(int pid, ulong startTime) =>
        pid > 0 && StartTime(pid) is { } t && t == startTime &&
        !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
