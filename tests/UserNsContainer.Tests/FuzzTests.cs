using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using UserNsContainer.Engine.Native;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The control protocol under fire: thousands of random, truncated, oversized and
/// out-of-order records fed to a build of the helper with AddressSanitizer and
/// UndefinedBehaviorSanitizer. Every run must end with an error record and a clean exit:
/// never a sanitizer report, a crash, a hang or a container left behind (ContainerTest
/// checks that no helper process of ours survives).</summary>
public sealed unsafe class FuzzTests : ContainerTest
{
    private const int Runs = 400, Seed = 20261123;
    private static readonly Lazy<string> SanitizedHelper = new(BuildSanitized);
    private readonly string _dir = Directory.CreateTempSubdirectory("usnc-fuzz-").FullName;

    private static string BuildSanitized()
    {
        var native = Path.Combine(TestHost.RepoRoot, "src", "native");
        var output = Path.Combine(TestHost.Scratch, "usnc-helper-asan");
        var args = new List<string> { "-std=gnu11", "-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-o", output };
        args.AddRange(Directory.GetFiles(native, "*.c"));
        args.Add(Path.Combine(TestHost.RepoRoot, "tests", "UserNsContainer.Tests", "probe", "asan_options.c"));
        var psi = new ProcessStartInfo("cc", args) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "cc could not build the sanitizer helper: " + err);
        File.SetUnixFileMode(output, (UnixFileMode)0b111_101_101);
        return output;
    }

    [Fact]
    public void RandomTruncatedOversizedAndOutOfOrderRecordsAlwaysEndInAnErrorAndACleanExit()
    {
        var helper = SanitizedHelper.Value;
        var random = new Random(Seed);
        int records = 0;
        for (int run = 0; run < Runs; run++)
        {
            var plan = Generate(random);
            records += plan.Count;
            var (verbs, status, stderr) = Feed(helper, plan);
            var shown = string.Join(" | ", plan.Select(Show));
            Assert.False(stderr.Contains("Sanitizer", StringComparison.Ordinal) || stderr.Contains("runtime error", StringComparison.Ordinal),
                $"run {run} (seed {Seed}): sanitizer report\n{stderr}\nplan: {shown}");
            Assert.True(status >= 0 && (status & 0x7f) == 0, $"run {run} (seed {Seed}): the helper was killed by signal {status & 0x7f}; plan: {shown}");
            Assert.True(verbs.Contains("error"), $"run {run} (seed {Seed}): no error record (got {string.Join(",", verbs)}); plan: {shown}");
        }
        Assert.True(records >= 2000, $"only {records} records were sent");
    }

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Show(byte[] r) => r.Length > 80 ? $"<{r.Length} bytes>" : Encoding.UTF8.GetString(r).Replace('\0', '/');

    /// <summary>Spawns the helper, sends the records, closes the sending side; returns the
    /// verbs it sent back, its wait status and its stderr.</summary>
    private static (List<string> Verbs, int Status, string Stderr) Feed(string helper, List<byte[]> plan)
    {
        var (channel, helperFd) = ControlChannel.CreatePair();
        HelperProcess.Spawned spawned;
        try
        {
            spawned = HelperProcess.Spawn(helperFd, StdioMode.Capture, "create", helper);
        }
        finally
        {
            HelperProcess.CloseAll(helperFd);
        }
        HelperProcess.CloseAll(spawned.StdinFd); // the helper reads EOF
        var verbs = new List<string>();
        var stderr = new StringBuilder();
        using (channel)
        using (var err = new OutputReader(spawned.StderrFd, Engine.ContainerOutputKind.Stderr, bytes: false))
        using (var output = new OutputReader(spawned.StdoutFd, Engine.ContainerOutputKind.Stdout, bytes: false))
        {
            foreach (var record in plan)
                fixed (byte* p = record)
                    Libc.send(channel.Fd, p, (nuint)record.Length, Libc.MSG_NOSIGNAL); // the helper may be gone: ignored
            Tmds.Linux.LibC.shutdown(channel.Fd, Tmds.Linux.LibC.SHUT_WR);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (!Libc.PollIn(channel.Fd, 100, "fuzz"))
                    continue;
                var rec = channel.ReadRecord();
                if (rec is null)
                    break;
                verbs.Add(rec[0]);
            }
            Assert.True(DateTime.UtcNow < deadline, "the helper hung: its socket stayed open for 10 s");
            var lines = new List<Engine.ContainerOutput>();
            while (Libc.PollIn(spawned.StderrFd, 1000, "fuzz stderr") && !err.AtEnd)
                err.Read(lines);
            foreach (var line in lines)
                stderr.AppendLine(line.Line);
        }
        return (verbs, HelperProcess.Reap(spawned.Pid), stderr.ToString());
    }

    private const ulong NsFlags = 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00020000;

    private List<byte[]> Generate(Random r)
    {
        var plan = new List<byte[]>();
        int n = r.Next(3, 12);
        for (int i = 0; i < n; i++)
            plan.Add(Record(r));
        if (r.Next(3) == 0)
            plan.Insert(r.Next(plan.Count + 1), Fields("end"));
        return plan;
    }

    private static readonly string[] Verbs = { "clone", "detached", "tty", "argv", "env", "cwd", "user", "target", "join", "seccomp-deny", "seccomp-ioctl", "status", "log", "op", "go", "abort", "end", "pid", "" };
    // setup operations that act only inside the namespaces the helper makes (never "hostfile",
    // which writes a file by path)
    private static readonly string[] Ops = { "base", "root", "bind", "rdonly", "mount", "mkdir", "symlink", "hostname", "loopback", "pivot", "lock", "robind", "mask", "nope" };

    private byte[] Record(Random r)
    {
        switch (r.Next(10))
        {
            case 0: // raw bytes, NULs included
                var raw = new byte[r.Next(0, 64)];
                r.NextBytes(raw);
                return raw;
            case 1: // larger than any record may be
                return Encoding.UTF8.GetBytes("argv\0" + new string('x', ControlChannel.MaxMessage + r.Next(1, 20000)) + "\0");
            case 2: // a field without its terminating NUL
                return Encoding.UTF8.GetBytes(Verbs[r.Next(Verbs.Length)] + "\0" + Word(r));
            case 3:
                return Fields("clone", r.Next(2) == 0 ? (NsFlags & (ulong)r.NextInt64()).ToString() : Word(r));
            case 4:
                return Fields(new[] { "op", Ops[r.Next(Ops.Length)] }.Concat(Enumerable.Range(0, r.Next(0, 6)).Select(_ => Word(r))).ToArray());
            case 5:
                return Fields(new[] { "go" }.Concat(Enumerable.Range(0, r.Next(0, 6)).Select(_ => r.Next(2) == 0 ? "0 1000 1" : Word(r))).ToArray());
            case 6:
                return Fields(r.Next(2) == 0 ? "status" : "log", Path.Combine(_dir, "f" + r.Next(4)), r.Next(3) == 0 ? Word(r) : "65536");
            case 7: // many fields
                return Fields(new[] { Verbs[r.Next(Verbs.Length)] }.Concat(Enumerable.Range(0, r.Next(100, 6000)).Select(_ => "f")).ToArray());
            default:
                return Fields(new[] { Verbs[r.Next(Verbs.Length)] }.Concat(Enumerable.Range(0, r.Next(0, 5)).Select(_ => Word(r))).ToArray());
        }
    }

    private static string Word(Random r) => r.Next(6) switch
    {
        0 => r.NextInt64().ToString(),
        1 => (-r.Next()).ToString(),
        2 => "",
        3 => "/nonexistent/" + r.Next(),
        4 => new string('9', r.Next(1, 40)),
        _ => Convert.ToHexString(BitConverter.GetBytes(r.NextInt64())),
    };

    private static byte[] Fields(params string[] fields) => ControlChannel.Encode(fields);
}
