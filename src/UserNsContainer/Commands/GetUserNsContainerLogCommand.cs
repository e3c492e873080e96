using System;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Gets the output of detached containers from their logs, as podman logs does: stdout lines as strings, stderr lines as errors.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "UserNsContainerLog", DefaultParameterSetName = ByContainer)]
[OutputType(typeof(string))]
public sealed class GetUserNsContainerLogCommand : ContainerCmdletBase
{
    /// <summary>Only the last N lines (before following).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Tail { get; set; } = -1;

    /// <summary>Keep reading what the container writes until it has exited (or Ctrl+C).</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Only lines written at or after this time.</summary>
    [Parameter]
    public DateTime Since { get; set; }

    /// <summary>Only lines written at or before this time.</summary>
    [Parameter]
    public DateTime Until { get; set; }

    /// <summary>Each line starts with the time the monitor read it (RFC 3339, local time).</summary>
    [Parameter]
    public SwitchParameter Timestamps { get; set; }

    protected override void ProcessContainer(ContainerHandle container)
    {
        var bound = MyInvocation.BoundParameters;
        var query = new LogQuery(Tail,
            bound.ContainsKey(nameof(Since)) ? Since : null,
            bound.ContainsKey(nameof(Until)) ? Until : null,
            Follow);
        var stderr = new StandardErrorLines(this, NativeParity.ErrorGoesToConsole(this));
        try
        {
            foreach (var line in Engine.ReadLog(container, query, Cancel))
            {
                var text = Timestamps ? $"{line.Time:yyyy-MM-dd'T'HH:mm:ss.fffffffK} {line.Text}" : line.Text;
                if (line.Stream == LogStream.Stdout)
                    WriteObject(text);
                else
                    stderr.Write(text);
            }
        }
        catch (UserNsContainerException e)
        {
            WriteError(ToErrorRecord(e));
        }
        if (Cancel.IsCancellationRequested)
            throw new PipelineStoppedException(); // Ctrl+C ends the following, not the container
    }
}
