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
    private string _helper = "";

    /// <summary>A timer when the switch is on, else null (callers use ?.).</summary>
    public static PhaseTimer? StartIfEnabled() => Enabled ? new PhaseTimer() : null;

    public void Mark(string phase)
    {
        var now = _watch.Elapsed.TotalMilliseconds;
        _phases.Add((phase, now - _last));
        _last = now;
    }

    /// <summary>The init's own split of its setup (STEP=MICROSECONDS fields), shown after the phases.</summary>
    public void Helper(IEnumerable<string> steps) =>
        _helper = "; in the init (ms): " + string.Join(", ", steps.Select(s => s.Split('=', 2))
            .Where(kv => kv.Length == 2 && long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv[0]} {long.Parse(kv[1], CultureInfo.InvariantCulture) / 1000.0:F2}")));

    public override string ToString() =>
        "Timings (ms): " + string.Join(", ", _phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Ms:F2}"))) +
        string.Create(CultureInfo.InvariantCulture, $"; total {_last:F2}") + _helper;
}
