using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// -Network None | Host | Private, with pasta for the private network: a server inside on port
/// 80 published on the host's loopback, the host's loopback reached through the gateway only
/// with -AllowHostLoopback, DNS through it, pasta ending with the container whatever way it
/// ends, and its failures as setup errors that leave nothing. Connections go only to
/// 127.0.0.1 and to addresses inside namespaces the tests made.
/// </summary>
public sealed class NetworkTests : ContainerTest
{
    private static bool PastaInstalled => File.Exists("/usr/bin/pasta");

    private static int FreePort() => Daemons.FreePort();

    /// <summary>An HTTP GET to 127.0.0.1:port; null when nothing answers within the time.</summary>
    private static string? HttpGet(int port, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        do
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                c.ReceiveTimeout = 5000;
                using var s = c.GetStream();
                s.Write(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"));
                var text = new StreamReader(s).ReadToEnd();
                if (text.Length > 0)
                    return text;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }
            Thread.Sleep(50);
        }
        while (DateTime.UtcNow < deadline);
        return null;
    }

    /// <summary>True while something accepts connections on 127.0.0.1:port.</summary>
    private static bool Listening(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void WaitFor(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!condition() && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(condition(), what);
    }

    /// <summary>A directory with index.html for busybox httpd.</summary>
    private static string WebRoot()
    {
        var web = HostDir("web");
        File.WriteAllText(Path.Combine(web, "index.html"), "hello from inside\n");
        return web;
    }

    private const string Httpd = "-RootFs $img -Bind \"${web}:/srv:ro\" -Network Private -Publish \"127.0.0.1:${port}:80\" -Command httpd, -f, -p, 80, -h, /srv";

    [BusyboxFact]
    public void APublishedPortReachesAServerOnPort80Inside()
    {
        Assert.True(PastaInstalled, "pasta (Debian package passt) is not installed; .ci/run installs it");
        int port = FreePort();
        var r = TestHost.Run($"$c = New-UserNsContainer {Httpd}; $c.Network.ToString(); $c.Ports | ForEach-Object ToString; $c.Id",
            Vars(("img", Busybox.RootFs), ("web", WebRoot()), ("port", port)));
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        Assert.Equal(new[] { "Private", $"127.0.0.1:{port}->80/tcp" }, r.Lines.Take(2));
        var id = r.Lines[2];
        try
        {
            var page = HttpGet(port, TimeSpan.FromSeconds(10));
            Assert.True(page is not null && page.Contains("hello from inside"), $"no answer from the published port: {page}");
            Assert.Single(PastaProcesses(id));
            // published on 127.0.0.1 only: not on the host's other addresses
            foreach (var other in NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses)
                         .Select(a => a.Address).Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)))
            {
                using var c = new TcpClient();
                Assert.ThrowsAny<SocketException>(() => c.Connect(other, port));
            }
        }
        finally
        {
            TestHost.Run("Get-UserNsContainer -Id $id | Remove-UserNsContainer -Force", Vars(("id", id)));
        }
        WaitFor(() => PastaProcesses(id).Count == 0, "pasta outlived its container");
        Assert.False(Listening(port), "the published port is still open after the container went");
    }

    /// <summary>A web server on the host's 127.0.0.1 that answers every request with a line.</summary>
    private sealed class LoopbackServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        public int Port { get; }
        public int Accepted;

        public LoopbackServer()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task.Run(async () =>
            {
                try
                {
                    for (;;)
                    {
                        using var c = await _listener.AcceptTcpClientAsync();
                        Interlocked.Increment(ref Accepted);
                        var stream = c.GetStream();
                        var reader = new StreamReader(stream);
                        while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
                        {
                        }
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Length: 22\r\n\r\nhost-loopback-says-hi\n"));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
                {
                }
            });
        }

        public void Dispose() => _listener.Stop();
    }

    // HTTP rather than nc: this pasta build never passes on the server's close after the
    // container half-closed (nc </dev/null), and the connection hangs; timeout, not wget -T,
    // which crashes in Debian's busybox-static
    private const string ViaGateway = "gw=$(ip route | awk '/^default/ {print $3}'); echo \"gw=$gw\"; timeout 5 wget -q -O - \"http://$gw:$port/\"; echo \"rc=$?\"";

    [BusyboxFact]
    public void TheHostLoopbackIsReachedThroughTheGatewayOnlyWithAllowHostLoopback()
    {
        using var server = new LoopbackServer();
        var vars = Vars(("img", Busybox.RootFs), ("port", server.Port), ("probe", ViaGateway));
        var allowed = TestHost.Run("Invoke-UserNsContainer -RootFs $img -Network Private -AllowHostLoopback -Environment @{ port = $port } -Command sh, -c, $probe", vars);
        Assert.True(allowed.Succeeded, string.Join("; ", allowed.Errors));
        Assert.Contains("host-loopback-says-hi", allowed.Lines);
        Assert.Matches(@"^gw=\d+\.\d+\.\d+\.\d+$", allowed.Lines[0]);
        int before = server.Accepted;
        var refused = TestHost.Run("Invoke-UserNsContainer -RootFs $img -Network Private -Environment @{ port = $port } -Command sh, -c, $probe", vars);
        Assert.DoesNotContain("host-loopback-says-hi", refused.Lines);
        Assert.Equal(before, server.Accepted);
    }

    /// <summary>A resolver on the host's 127.0.0.1:53 answering every A query with 10.1.2.3.</summary>
    private sealed class TinyResolver : IDisposable
    {
        private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 53));
        public int Queries;

        public TinyResolver()
        {
            Task.Run(async () =>
            {
                try
                {
                    for (;;)
                    {
                        var q = await _udp.ReceiveAsync();
                        Interlocked.Increment(ref Queries);
                        await _udp.SendAsync(Answer(q.Buffer), q.RemoteEndPoint);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });
        }

        /// <summary>The query with QR set, one answer: its name (a pointer to offset 12), A, 10.1.2.3;
        /// no answer (NOERROR, empty) for other types (AAAA).</summary>
        private static byte[] Answer(byte[] q)
        {
            int end = 12;
            while (end < q.Length && q[end] != 0)
                end += q[end] + 1;
            end += 5; // the root label, QTYPE, QCLASS
            var r = new List<byte>(q.Take(end));
            bool isA = q[end - 4] == 0 && q[end - 3] == 1;
            r[2] = 0x81;
            r[3] = 0x80;
            r[6] = 0;
            r[7] = (byte)(isA ? 1 : 0);
            r[8] = r[9] = r[10] = r[11] = 0;
            if (isA)
                r.AddRange(new byte[] { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3 });
            return r.ToArray();
        }

        public void Dispose() => _udp.Dispose();
    }

    [RootFact("to listen on port 53 of the host's loopback: resolv.conf has no port, and ports below 1024 are root's")]
    public void NamesResolveThroughAResolverOnTheHostLoopback()
    {
        Assert.True(Busybox.Available, "needs a static busybox at /bin/busybox; .ci/run installs it");
        TinyResolver resolver;
        try
        {
            resolver = new TinyResolver();
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException("port 53 of 127.0.0.1 is taken on this machine: " + e.Message);
        }
        using (resolver)
        {
            var r = TestHost.Run("Invoke-UserNsContainer -RootFs $img -Network Private -AllowHostLoopback -Dns 127.0.0.1 -Command sh, -c, 'cat /etc/resolv.conf; nslookup usnc-test.example'",
                Vars(("img", Busybox.RootFs)));
            Assert.True(r.Succeeded, r.Text + string.Join("; ", r.Errors));
            Assert.DoesNotContain("nameserver 127.0.0.1", r.Lines);
            Assert.Contains(r.Lines, l => l.Contains("10.1.2.3"));
            Assert.True(resolver.Queries > 0);
        }
    }

    [Fact]
    public void NetworkNoneHasOnlyLoopbackAndHostHasTheHostsInterfaces()
    {
        var hostLinks = NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();
        var r = TestHost.Run(@"
            Invoke-UserNsContainer -Command sh, -c, 'ls /proc/self/net/dev >/dev/null && tail -n +3 /proc/self/net/dev | cut -d: -f1'
            '--'
            Invoke-UserNsContainer -Network Host -Command sh, -c, 'tail -n +3 /proc/self/net/dev | cut -d: -f1'
            '--'
            $h = New-UserNsContainer -Network Host -Command true; $h.Namespaces -contains 'net'; $h | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        var parts = string.Join("\n", r.Lines.Select(l => l.Trim())).Split("--");
        Assert.Equal(new[] { "lo" }, parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(hostLinks, parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("False", parts[2].Trim());
    }

    [BusyboxFact]
    public void PastaEndsWithTheContainerWhateverWayItEnds()
    {
        foreach (var how in new[] { "main", "init", "monitor" })
        {
            int port = FreePort();
            var r = TestHost.Run($"$c = New-UserNsContainer {Httpd}; $c.Id; $c.Pid; " +
                "[UserNsContainer.ContainerHandle].GetProperty('MonitorPid', [System.Reflection.BindingFlags]'NonPublic,Instance').GetValue($c)",
                Vars(("img", Busybox.RootFs), ("web", WebRoot()), ("port", port)));
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            var (id, init, monitor) = (r.Lines[0], int.Parse(r.Lines[1]), int.Parse(r.Lines[2]));
            Assert.NotNull(HttpGet(port, TimeSpan.FromSeconds(10)));
            var pasta = Assert.Single(PastaProcesses(id));
            int victim = how switch
            {
                "init" => init,
                "monitor" => monitor,
                _ => File.ReadAllText($"/proc/{init}/task/{init}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Single(),
            };
            Process.GetProcessById(victim).Kill();
            WaitFor(() => !Directory.Exists($"/proc/{pasta}"), $"pasta (pid {pasta}) still runs after SIGKILL of the container's {how}");
            WaitFor(() => !Listening(port), $"port {port} still listens after SIGKILL of the container's {how}");
            TestHost.Run("Get-UserNsContainer -Id $id | Remove-UserNsContainer -Force", Vars(("id", id)));
        }
    }

    [BusyboxFact]
    public void PastaEndsWhenTheCallerDies()
    {
        int port = FreePort();
        var web = WebRoot();
        using var p = StartShell($"$img = '{Busybox.RootFs}'; $web = '{web}'; $port = {port}; Invoke-UserNsContainer {Httpd}");
        Assert.NotNull(HttpGet(port, TimeSpan.FromSeconds(30)));
        var pastas = PastaProcesses();
        Assert.NotEmpty(pastas);
        p.Kill(); // SIGKILL: no clean-up runs in the caller
        p.WaitForExit();
        WaitFor(() => !pastas.Any(x => Directory.Exists($"/proc/{x}")), "pasta outlived the process that ran the container");
        WaitFor(() => !Listening(port), "the published port outlived the process that ran the container");
        TestHost.Run("$null = Get-UserNsContainer"); // the dead caller's record is cleaned away
    }

    [BusyboxFact]
    public void AHostPortInUseIsASetupErrorThatLeavesNothing()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var r = TestHost.Run($"try {{ New-UserNsContainer {Httpd} -Verbose 4>&1 | Out-Null }} catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message; $_.ErrorDetails.RecommendedAction }}",
                Vars(("img", Busybox.RootFs), ("web", WebRoot()), ("port", port)));
            Assert.Equal("PublishedPortUnavailable,UserNsContainer.Commands.NewUserNsContainerCommand", r.Lines.FirstOrDefault());
            Assert.Contains("pasta could not join the container to the network", r.Lines[1]);
            Assert.Contains($"127.0.0.1:{port}->80/tcp", r.Lines[2]);
            Assert.Empty(PastaProcesses());
            Assert.Empty(StateFiles());
        }
        finally
        {
            taken.Stop();
        }
    }

    [BusyboxFact]
    public void EnterJoinsTheContainersNetwork()
    {
        int port = FreePort();
        var r = TestHost.Run($@"
            $c = New-UserNsContainer {Httpd}
            $c | Enter-ContainerNamespace -Command sh, -c, 'wget -q -O - http://127.0.0.1:80/; ip -o -4 addr show | awk ""{{print \$2}}""'
            $c | Remove-UserNsContainer -Force",
            Vars(("img", Busybox.RootFs), ("web", WebRoot()), ("port", port)));
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        Assert.Contains("hello from inside", r.Lines);
        Assert.Contains("lo", r.Lines);
        Assert.True(r.Lines.Count(l => l != "lo" && !l.Contains("hello")) >= 1, $"no interface besides lo: {r.Text}");
    }

    [Fact]
    public void AMissingPastaIsNamedWithThePackage()
    {
        var r = TestHost.Run(@"
            $saved = $env:PATH
            try { $env:PATH = '/nonexistent-usnc'; Invoke-UserNsContainer -Network Private -Command /bin/true }
            catch { $_.FullyQualifiedErrorId; $_.ErrorDetails.RecommendedAction }
            finally { $env:PATH = $saved }");
        Assert.Equal("PastaMissing,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("apt-get install passt", r.Lines[1]);
    }

    [UnprivilegedFact]
    public void AnUnusableTunDeviceIsNamedWithTheFix()
    {
        var fake = Path.Combine(TestHost.Scratch, $"tun-{Guid.NewGuid():N}");
        File.WriteAllText(fake, "");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead); // as /dev/net/tun 0600 root's is to others
        var saved = Engine.ContainerSpec.TunDevice;
        Engine.ContainerSpec.TunDevice = fake;
        try
        {
            var r = TestHost.Run("try { Invoke-UserNsContainer -Network Private -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message; $_.ErrorDetails.RecommendedAction }");
            Assert.Equal("TunUnavailable,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
            Assert.Contains("not open to you", r.Lines[1]);
            Assert.Contains("chmod 666", r.Lines[2]);
            // Test-UserNsSupport says the same
            var row = TestHost.Run("Test-UserNsSupport | Where-Object Name -eq PrivateNetwork | ForEach-Object { $_.Status.ToString(); $_.RecommendedAction }");
            Assert.Equal("Warn", row.Lines[0]);
            Assert.Contains("chmod 666 " + fake, row.Lines[1]);
        }
        finally
        {
            Engine.ContainerSpec.TunDevice = saved;
        }
    }

    [Fact]
    public void ResolversOnTheHostLoopbackAreLeftOutWithAWarning()
    {
        var host = "search example.org\noptions ndots:2\nnameserver 127.0.0.53\nnameserver 192.0.2.53\n";
        var (text, warnings) = Engine.ResolvConf.Build(host, null, false, IPAddress.Parse("192.0.2.1"));
        Assert.Contains("nameserver 192.0.2.53\n", text);
        Assert.DoesNotContain("127.0.0.53", text);
        Assert.Contains("search example.org\n", text);
        Assert.Contains("options ndots:2\n", text);
        Assert.Contains(warnings, w => w.Contains("127.0.0.53") && w.Contains("-Dns"));
        // with -AllowHostLoopback, the host's 127.0.0.1 becomes the gateway; 127.0.0.53 stays out
        (text, warnings) = Engine.ResolvConf.Build("nameserver 127.0.0.1\nnameserver 127.0.0.53\n", null, true, IPAddress.Parse("192.0.2.1"));
        Assert.Contains("nameserver 192.0.2.1\n", text);
        Assert.DoesNotContain("127.0.0", text);
        Assert.Single(warnings);
        // nothing reachable at all: say that lookups will fail
        (_, warnings) = Engine.ResolvConf.Build("nameserver 127.0.0.53\n", null, false, null);
        Assert.Contains(warnings, w => w.Contains("name lookups inside will fail"));
    }

    [BusyboxFact]
    public void TheWarningReachesTheWarningStreamAndDnsReplacesTheHostsResolvers()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -RootFs $img -Network Private -Dns 127.0.0.53, 192.0.2.99 -Command cat, /etc/resolv.conf 3>&1",
            Vars(("img", Busybox.RootFs)));
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        Assert.Contains("nameserver 192.0.2.99", r.Lines);
        Assert.DoesNotContain(r.Lines, l => l.StartsWith("nameserver", StringComparison.Ordinal) && l != "nameserver 192.0.2.99");
        Assert.Contains(r.Output, o => o.BaseObject is System.Management.Automation.WarningRecord w && w.Message.Contains("127.0.0.53"));
    }
}
