using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace UsncShell;

/// <summary>usnc-shell SCRIPT [ARGS...]: runs SCRIPT with out/UserNsContainer imported (or the
/// manifest USERNSCONTAINER_MODULE names: an installed or unpacked package) and its output
/// formatted by Out-Default, as pwsh would. Exit code: $LASTEXITCODE, or 1 when the script failed.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: usnc-shell SCRIPT.ps1 [ARGS...]");
            return 2;
        }
        var manifest = FindModule();
        var host = new ConsoleHost();
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { manifest });
        iss.ThrowOnRunspaceOpenError = true;
        using var rs = RunspaceFactory.CreateRunspace(host, iss);
        rs.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; ps.BeginStop(null, null); };
        ps.AddCommand(Path.GetFullPath(args[0]));
        foreach (var a in args.Skip(1))
            ps.AddArgument(a);
        ps.AddCommand("Out-Default");
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException e)
        {
            host.UI.WriteErrorLine(e.ErrorRecord.ToString());
            return 1;
        }
        if (ps.HadErrors)
            return 1;
        return rs.SessionStateProxy.GetVariable("LASTEXITCODE") is int code ? code : 0;
    }

    private static string FindModule()
    {
        if (Environment.GetEnvironmentVariable("USERNSCONTAINER_MODULE") is { Length: > 0 } given)
            return Path.GetFullPath(given);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "out", "UserNsContainer", "UserNsContainer.psd1");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("out/UserNsContainer/UserNsContainer.psd1 not found: build with 'dotnet build -c Release'.");
    }
}
