using System;
using System.Collections.Generic;

namespace UsncBench;

/// <summary>The start-up and scaling goals of the benchmark, each recorded where it is
/// measured and printed together at the end: the figure, the goal, met or not met.
/// (The stream goals are printed by bench/Streams.ps1, which measures them in real pwsh.)</summary>
internal static class Goals
{
    private static readonly List<(string What, string Figure, string Goal, bool Met)> Rows = new();

    /// <summary>Ours over the peer's (medians); met when at most <paramref name="max"/>.</summary>
    public static void Ratio(string what, double ours, double peer, double max) =>
        Add(what, $"{ours / peer:0.00} ({ours:0.00} / {peer:0.00} ms)", $"<= {max:0.00}", ours / peer <= max);

    public static void Add(string what, string figure, string goal, bool met) => Rows.Add((what, figure, goal, met));

    public static void Print()
    {
        if (Rows.Count == 0)
            return;
        Console.WriteLine();
        Console.WriteLine("== goals (ratio = ours / the peer's; below 1.00 we are faster)");
        Console.WriteLine($"{"goal",-62} {"figure",-30} {"target",-14} result");
        foreach (var (what, figure, goal, met) in Rows)
            Console.WriteLine($"{what,-62} {figure,-30} {goal,-14} {(met ? "met" : "not met")}");
    }
}
