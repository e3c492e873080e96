using System.Collections.Generic;
using System.Threading;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>A detached container's log lines; with <see cref="LogQuery.Follow"/>, also those
    /// it writes until it has exited (its monitor writes every line before it ends).</summary>
    public IEnumerable<LogLine> ReadLog(ContainerHandle handle, LogQuery query, CancellationToken cancel)
    {
        using var monitor = PidWatch.Open(handle.MonitorPid, handle.MonitorStartTime);
        foreach (var line in ContainerLog.Read(handle, query, () => monitor is not null && !monitor.Exited(System.TimeSpan.Zero), cancel))
            yield return line;
    }
}
