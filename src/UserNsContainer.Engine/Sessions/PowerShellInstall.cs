using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The PowerShell that runs this process, as a container sees it: its $PSHOME, and the .NET
/// runtime it runs on where that lies outside $PSHOME (a framework-dependent pwsh, such as the
/// `dotnet tool` one), each bound read-only at a fixed path under /run, where a container's
/// private /run lets a bind make its mount point, whatever the root. The server is this very
/// pwsh in server mode, so a session speaks the client's own protocol version.
/// </summary>
public sealed class PowerShellInstall
{
    /// <summary>Where $PSHOME appears inside.</summary>
    public const string HomeInside = "/run/usnc-pwsh/home";
    /// <summary>Where the .NET runtime's root (the folder holding `dotnet` and `shared/`) appears inside.</summary>
    public const string DotnetInside = "/run/usnc-pwsh/dotnet";

    private PowerShellInstall(string home, string? dotnetRoot, bool muxer)
    {
        Home = home;
        DotnetRoot = dotnetRoot;
        ThroughMuxer = muxer;
    }

    /// <summary>$PSHOME on the host.</summary>
    public string Home { get; }
    /// <summary>The .NET root on the host, when the runtime is not inside $PSHOME.</summary>
    public string? DotnetRoot { get; }
    /// <summary>pwsh runs as `dotnet pwsh.dll` (the process is the dotnet muxer), not as its own executable.</summary>
    public bool ThroughMuxer { get; }

    /// <summary>The install of this process, whose $PSHOME is <paramref name="psHome"/>; throws
    /// SessionServerNotFound when this process is not pwsh (PowerShell hosted in another program).</summary>
    public static PowerShellInstall OfThisProcess(string psHome)
    {
        var process = Environment.ProcessPath ?? "";
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        bool muxer = Path.GetFileName(process) == "dotnet";
        bool appHost = Path.GetDirectoryName(process) == psHome.TrimEnd('/') && Path.GetFileName(process) == "pwsh";
        if (!File.Exists(Path.Combine(psHome, "pwsh.dll")) || !(muxer || appHost))
            throw new UserNsContainerException("SessionServerNotFound", FailureKind.NotInstalled,
                $"A container session runs the PowerShell that opens it in server mode, and this process ({(process.Length == 0 ? "unknown" : process)}) is not pwsh: " +
                $"$PSHOME ({psHome}) has no pwsh.dll beside a pwsh or dotnet executable.", psHome,
                "Open the session from pwsh itself (pwsh, or 'dotnet pwsh' with the tool manifest), not from a program that hosts PowerShell.");
        // self-contained: the runtime is $PSHOME itself; else its root is three levels up (ROOT/shared/Microsoft.NETCore.App/VERSION)
        string? dotnetRoot = runtime.StartsWith(psHome.TrimEnd('/'), StringComparison.Ordinal)
            ? null
            : Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        if (muxer && dotnetRoot is null)
            dotnetRoot = Path.GetDirectoryName(process);
        return new PowerShellInstall(psHome.TrimEnd('/'), dotnetRoot, muxer);
    }

    /// <summary>The read-only binds that show this install inside a container.</summary>
    public IReadOnlyList<BindMount> Binds()
    {
        var binds = new List<BindMount> { new() { Source = Home, Target = HomeInside, ReadOnly = true } };
        if (DotnetRoot is not null)
            binds.Add(new() { Source = DotnetRoot, Target = DotnetInside, ReadOnly = true });
        return binds;
    }

    /// <summary>The host file the server's first exec runs (its ELF interpreter must exist inside).</summary>
    public string Executable => ThroughMuxer ? Path.Combine(DotnetRoot!, "dotnet") : Path.Combine(Home, "pwsh");

    /// <summary>pwsh in server mode (PSRP over stdin and stdout, as PowerShell's SSH transport runs it).</summary>
    public string[] ServerCommand()
    {
        var args = new[] { "-s", "-NoLogo", "-NoProfile" };
        return ThroughMuxer
            ? new[] { DotnetInside + "/dotnet", HomeInside + "/pwsh.dll" }.Concat(args).ToArray()
            : new[] { HomeInside + "/pwsh" }.Concat(args).ToArray();
    }

    /// <summary>The server's variables: where its runtime is; its folders under /tmp; globalization
    /// without ICU where the root has no libicu (.NET would refuse to start); no telemetry from
    /// inside a sandbox. -Environment wins over each.</summary>
    public Dictionary<string, string> ServerEnvironment(Func<string, bool> existsInside)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["POWERSHELL_TELEMETRY_OPTOUT"] = "1",
            // pwsh creates its config, data and cache folders at start and dies where it cannot:
            // under the container's own /tmp, not a home that is read-only or missing in the root
            ["XDG_CONFIG_HOME"] = "/tmp/.usnc-pwsh/config",
            ["XDG_DATA_HOME"] = "/tmp/.usnc-pwsh/data",
            ["XDG_CACHE_HOME"] = "/tmp/.usnc-pwsh/cache",
        };
        if (DotnetRoot is not null)
            env["DOTNET_ROOT"] = DotnetInside;
        if (!IcuDirectories.Any(d => existsInside(d)))
            env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        return env;
    }

    /// <summary>Where a distribution keeps libicuuc; one of them must hold it (checked as a directory listing).</summary>
    internal static readonly string[] IcuDirectories = { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib" };

    /// <summary>The PT_INTERP of an ELF executable (its dynamic loader), or null for a static one or a non-ELF file.</summary>
    public static string? Interpreter(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            var header = new byte[64];
            if (f.Read(header, 0, 64) < 64 || header[0] != 0x7f || header[1] != (byte)'E' || header[4] != 2)
                return null; // not a 64-bit ELF
            long phoff = BitConverter.ToInt64(header, 0x20);
            int phentsize = BitConverter.ToUInt16(header, 0x36), phnum = BitConverter.ToUInt16(header, 0x38);
            var ph = new byte[56];
            for (int i = 0; i < phnum && i < 64; i++)
            {
                f.Position = phoff + (long)i * phentsize;
                if (f.Read(ph, 0, 56) < 56)
                    return null;
                if (BitConverter.ToUInt32(ph, 0) != 3) // PT_INTERP
                    continue;
                long offset = BitConverter.ToInt64(ph, 0x08), size = BitConverter.ToInt64(ph, 0x20);
                if (size <= 1 || size > 4096)
                    return null;
                var text = new byte[size];
                f.Position = offset;
                return f.Read(text, 0, (int)size) == size ? System.Text.Encoding.ASCII.GetString(text, 0, (int)size - 1) : null;
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
