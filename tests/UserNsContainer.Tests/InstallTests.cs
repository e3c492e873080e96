using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The package installed the way users install modules, with PSResourceGet in real
/// pwsh from a local repository of out/*.nupkg: for all users by root, then used by an ordinary
/// user (a package keeps no file modes, so that user runs a private copy of the helper); and for
/// the current user, then uninstalled. Each install goes to a home or module path of the test's
/// own where it can, and is removed afterwards.</summary>
public sealed class InstallTests : ContainerTest
{
    private static string Version => System.Xml.Linq.XDocument.Load(Path.Combine(TestHost.RepoRoot, "Directory.Build.props"))
        .Descendants("ModuleVersion").First().Value;

    /// <summary>A local repository (a folder) holding the package; its name is unique.</summary>
    private static (string Name, string Dir) Repository()
    {
        var dir = Path.Combine(TestHost.Scratch, "repo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(TestHost.RepoRoot, "out", $"UserNsContainer.{Version}.nupkg"), Path.Combine(dir, $"UserNsContainer.{Version}.nupkg"));
        return ("usnc-" + Path.GetFileName(dir), dir);
    }

    [Fact]
    public void ACurrentUserInstallImportsByNameRunsAContainerAndUninstalls()
    {
        var (name, dir) = Repository();
        var home = Path.Combine(TestHost.Scratch, "home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        var (output, errors, code) = RealPwsh.Run($$"""
            $env:PSModulePath = ($env:PSModulePath -split ':' | Where-Object { $_ -notlike '*/out' }) -join ':'   # not the build's module
            Register-PSResourceRepository -Name {{name}} -Uri '{{dir}}' -Trusted
            Install-PSResource UserNsContainer -Repository {{name}} -Scope CurrentUser
            (Get-InstalledPSResource UserNsContainer -Scope CurrentUser).Version.ToString()
            Import-Module UserNsContainer
            (Get-Module UserNsContainer).ModuleBase.StartsWith('{{home}}')
            Invoke-UserNsContainer -Command sh, -c, 'echo from-the-installed-module'
            Uninstall-PSResource UserNsContainer -Scope CurrentUser
            @(Get-InstalledPSResource UserNsContainer -Scope CurrentUser -ErrorAction SilentlyContinue).Count
            Unregister-PSResourceRepository -Name {{name}}
            """, ("HOME", home), ("XDG_DATA_HOME", ""), ("XDG_CACHE_HOME", ""));
        Assert.True(code == 0, output + errors);
        Assert.Equal(new[] { Version, "True", "from-the-installed-module", "0" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [RootFact("installing for all users, and running as another user, needs root; the root pass of .ci/run runs it")]
    public void AnAllUsersInstallByRootRunsContainersForAnOrdinaryUser()
    {
        var (name, dir) = Repository();
        var installed = RealPwsh.Run($$"""
            Register-PSResourceRepository -Name {{name}} -Uri '{{dir}}' -Trusted
            try {
                Install-PSResource UserNsContainer -Repository {{name}} -Scope AllUsers -Reinstall
                (Get-InstalledPSResource UserNsContainer -Scope AllUsers).InstalledLocation
            } finally { Unregister-PSResourceRepository -Name {{name}} }
            """);
        var location = installed.Output.Trim();
        try
        {
            Assert.True(installed.ExitCode == 0 && location.Length > 0, installed.Output + installed.Errors);
            // the ordinary user: nobody, with a home of the test's own and pwsh where it may read it
            var home = Path.Combine(TestHost.Scratch, "home-nobody-" + Guid.NewGuid().ToString("N")[..8]);
            var pwsh = Path.Combine(TestHost.Scratch, "pwsh-" + Guid.NewGuid().ToString("N")[..8]);
            Run("cp", "-a", Path.GetDirectoryName(RealPwsh.Dll)!, pwsh);
            Run("chmod", "-R", "a+rX", pwsh);
            Directory.CreateDirectory(home);
            Run("chown", "65534:65534", home);
            var script = Path.Combine(home, "run.ps1");
            File.WriteAllText(script, """
                Import-Module UserNsContainer
                (Get-Module UserNsContainer).ModuleBase
                Invoke-UserNsContainer -Command sh, -c, 'echo $(id -u) from-all-users'
                (Get-ChildItem "$HOME/.cache/usernscontainer" -Filter 'usnc-helper-*').Count
                """);
            var psi = new ProcessStartInfo("runuser", new[] { "-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin", $"HOME={home}",
                "DOTNET_CLI_HOME=" + home, "USERNSCONTAINER_STATE_DIR=" + Path.Combine(home, "state"), "dotnet", Path.Combine(pwsh, "pwsh.dll"), "-NoProfile", "-NonInteractive", "-File", script })
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Track(Process.Start(psi)!);
            var err = p.StandardError.ReadToEndAsync();
            var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(p.WaitForExit(60_000), "the ordinary user's pwsh did not finish");
            Assert.True(lines.Length == 3, string.Join("\n", lines) + err.Result);
            Assert.StartsWith(location, lines[0]);
            Assert.Equal("0 from-all-users", lines[1]); // root inside, mapped from nobody
            Assert.Equal("1", lines[2]);                  // the helper ran from the user's own copy
        }
        finally
        {
            var removed = RealPwsh.Run("Uninstall-PSResource UserNsContainer -Scope AllUsers; @(Get-InstalledPSResource UserNsContainer -Scope AllUsers -ErrorAction SilentlyContinue).Count");
            Assert.Equal("0", removed.Output.Trim());
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }
}
