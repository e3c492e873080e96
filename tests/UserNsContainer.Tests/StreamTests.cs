using System;
using System.IO;
using System.Security.Cryptography;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Bytes through a container exactly and at pipe speed: 1 GiB in and out, compared by
/// hash, through each of the byte paths (a file in, a file out, byte[] chunks out).</summary>
public sealed class StreamTests : ContainerTest
{
    private const long Size = 1L << 30;

    [Fact]
    public void OneGibibyteGoesInAndComesOutExactly()
    {
        var input = Path.Combine(TestHost.Scratch, $"gib-in-{Guid.NewGuid():N}");
        var output = input.Replace("gib-in-", "gib-out-");
        string expected;
        try
        {
            using (var file = File.Create(input))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var chunk = new byte[1 << 20];
                var random = new Random(23);
                for (long written = 0; written < Size; written += chunk.Length)
                {
                    random.NextBytes(chunk);
                    file.Write(chunk);
                    hash.AppendData(chunk);
                }
                expected = Convert.ToHexString(hash.GetHashAndReset());
            }
            var r = TestHost.Run(@"
                $sw = [Diagnostics.Stopwatch]::StartNew()
                Invoke-UserNsContainer -RedirectStandardInput $in -RedirectStandardOutput $out -Command cat
                'file-to-file ' + [int]$sw.Elapsed.TotalSeconds
                $h = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256'); $n = 0
                $sw.Restart()
                Invoke-UserNsContainer -RedirectStandardInput $in -AsByteStream -Command cat | ForEach-Object { $h.AppendData($_); $n += $_.Length }
                'chunks ' + [int]$sw.Elapsed.TotalSeconds
                [Convert]::ToHexString($h.GetHashAndReset()); $n",
                new System.Collections.Generic.Dictionary<string, object?> { ["in"] = input, ["out"] = output });
            Assert.Empty(r.Errors);
            Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(File.OpenRead(output))));
            Assert.Equal(new[] { expected, Size.ToString() }, r.Lines[^2..]);
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    [Fact]
    public void ByteArraysFromThePipelineArriveExactlyAndInOrder()
    {
        // 64 MiB as 512 byte[] pieces of different sizes, each piece its own pipeline object
        var r = TestHost.Run(@"
            $rng = [Random]::new(5); $h = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
            $pieces = foreach ($i in 1..512) { $b = [byte[]]::new(131072 + $i); $rng.NextBytes($b); $h.AppendData($b); ,$b }
            [Convert]::ToHexString($h.GetHashAndReset())
            $pieces | Invoke-UserNsContainer -Command sh, -c, 'sha256sum | cut -d"" "" -f1'");
        Assert.Empty(r.Errors);
        Assert.Equal(r.Lines[0].ToLowerInvariant(), r.Lines[1]);
    }
}
