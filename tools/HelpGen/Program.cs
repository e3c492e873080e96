using System;
using System.IO;
using System.Linq;

namespace UserNsContainer.HelpGen;

/// <summary>
/// HelpGen DOCS OUTDIR: writes OUTDIR/UserNsContainer.dll-Help.xml (MAML) from the cmdlet pages
/// in DOCS (PlatyPS's markdown schema) and OUTDIR/about_*.help.txt from the about pages, so
/// that Get-Help shows what the docs say on machines without PlatyPS.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 2 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: HelpGen DOCS-DIRECTORY OUTPUT-DIRECTORY");
            return 2;
        }
        Directory.CreateDirectory(args[1]);
        var pages = Directory.EnumerateFiles(args[0], "*.md").Order(StringComparer.Ordinal).ToList();
        var commands = pages.Select(CommandPage.TryParse).Where(p => p is not null).Select(p => p!).ToList();
        Maml.Write(commands, Path.Combine(args[1], "UserNsContainer.dll-Help.xml"));
        foreach (var about in pages.Where(p => Path.GetFileName(p).StartsWith("about_", StringComparison.Ordinal)))
            File.WriteAllText(Path.Combine(args[1], Path.GetFileNameWithoutExtension(about) + ".help.txt"), AboutText.From(File.ReadAllText(about)));
        Console.WriteLine($"HelpGen: {commands.Count} cmdlets, {pages.Count(p => Path.GetFileName(p).StartsWith("about_", StringComparison.Ordinal))} about topics -> {args[1]}");
        return 0;
    }
}
