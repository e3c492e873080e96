using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// The engine's own per-phase timings of a container's start and end, behind a switch
/// (USERNSCONTAINER_TIMINGS=1): each phase's wall time since the previous mark, reported in
/// the verbose stream as one line. Off, it costs one environment lookup per container.
/// </summary>
internal sealed class PhaseTimer
{
    public static bool Enabled => Environment.GetEnvironmentVariable("USERNSCONTAINER_TIMINGS") == "1";

    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly List<(string Phase, double Ms)> _phases = new();
    private double _last;

    /// <summary>A timer when the switch is on, else null (callers use ?.).</summary>
    public static PhaseTimer? StartIfEnabled() => Enabled ? new PhaseTimer() : null;

    public void Mark(string phase)
    {
        var now = _watch.Elapsed.TotalMilliseconds;
        _phases.Add((phase, now - _last));
        _last = now;
    }

    public override string ToString() =>
        "Timings (ms): " + string.Join(", ", _phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Ms:F2}"))) +
        string.Create(CultureInfo.InvariantCulture, $"; total {_last:F2}");
}
