using System;
using System.IO;
using System.Linq;
using System.Text;
using UserNsContainer.Engine;

namespace UsncBench;

/// <summary>The machine the figures come from, printed first: they mean little without it.</summary>
public static class Machine
{
    public static void Print()
    {
        Console.WriteLine($"machine: {Field("/etc/os-release", "PRETTY_NAME=")?.Trim('"')}, kernel {Read("/proc/sys/kernel/osrelease")}, " +
            $"{Environment.ProcessorCount} cores ({Field("/proc/cpuinfo", "model name")?.Split(':', 2)[1].Trim()}), " +
            $"{MemTotalGiB():0.0} GiB, .NET {Environment.Version}, helper linked with {HelperLibc()}");
    }

    private static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    private static string? Field(string path, string prefix) =>
        File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[(prefix.EndsWith('=') ? prefix.Length : 0)..] : null;

    private static double MemTotalGiB() =>
        double.TryParse(Field("/proc/meminfo", "MemTotal:")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kib) ? kib / 1024 / 1024 : 0;

    /// <summary>musl (the build's choice where musl-tools is installed) or glibc.</summary>
    private static string HelperLibc()
    {
        var helper = ContainerEngine.HelperPath;
        if (!File.Exists(helper))
            return "? (no helper at " + helper + ")";
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(helper));
        return text.Contains("GLIBC", StringComparison.Ordinal) ? "glibc" : "musl";
    }
}
