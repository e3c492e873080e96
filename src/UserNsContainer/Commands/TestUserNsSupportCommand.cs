using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Checks what this host lets you do with user namespaces, one object per check.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "UserNsSupport")]
[OutputType(typeof(SupportCheck), typeof(bool))]
public sealed class TestUserNsSupportCommand : UserNsContainerCmdlet
{
    /// <summary>A directory or file whose filesystem to check for idmapped mounts (as idmapped binds need).</summary>
    [Parameter(Position = 0)]
    public string? Path { get; set; }

    /// <summary>Return one boolean: true when no check failed.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var path = Path is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var checks = Terminating(() => HostSupport.Run(path));
        if (Quiet)
            WriteObject(checks.All(c => c.Status != CheckStatus.Fail));
        else
            foreach (var c in checks)
                WriteObject(c);
    }
}
