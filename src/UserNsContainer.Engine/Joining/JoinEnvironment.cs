using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>A join group as -Join found it: the tag, the peer count, and in words which
/// variables (or parameters) decided each.</summary>
public sealed record JoinGroup(string Tag, int Count, string TagSource, string CountSource);

/// <summary>
/// -Join: the peer group of this process from the scheduler's environment, as ch-run --join
/// does, without its collision. Under Slurm the tag is "$SLURM_JOB_ID.$SLURM_STEP_ID" (every
/// plain srun is step 0 of its own job, so the step id alone is shared by unrelated jobs),
/// plus ".$SLURMD_NODENAME" so that nodes run by several slurmd on one host do not meet; the
/// count is this node's entry of SLURM_STEP_TASKS_PER_NODE ("4(x2),3" is 4, 4, 3), indexed
/// by SLURM_NODEID. Under Open MPI's mpirun the count is OMPI_COMM_WORLD_LOCAL_SIZE and it
/// wins over Slurm's (mpirun inside an allocation starts its own daemons as the Slurm step),
/// the tag its job id. An explicit -JoinTag or -JoinCount overrides what was found.
/// </summary>
public static class JoinEnvironment
{
    /// <summary>The longest tag: a container name is "join-" + tag and at most 63 characters.</summary>
    public const int MaxTagLength = 58;

    public static JoinGroup Resolve(IDictionary environment, string? explicitTag, int? explicitCount)
    {
        string? Get(string name) => environment[name] is string s && s.Length > 0 ? s : null;

        var (tag, tagSource) = explicitTag is not null ? (explicitTag, "-JoinTag") : FindTag(Get);
        var (count, countSource) = explicitCount is { } c ? (c, "-JoinCount") : FindCount(Get);
        if (tag is null)
            throw new UserNsContainerException("JoinOutsideScheduler", FailureKind.InvalidArgument,
                "-Join found no scheduler in the environment: neither SLURM_JOB_ID (srun, sbatch) nor an Open MPI job id " +
                "(OMPI_MCA_ess_base_jobid, PMIX_NAMESPACE) is set, so there is no group to join.", "Join",
                "Run it under srun or mpirun, or name the group yourself with -JoinTag and -JoinCount.");
        if (count is null)
            throw new UserNsContainerException("JoinOutsideScheduler", FailureKind.InvalidArgument,
                $"-Join found the group '{tag}' ({tagSource}) but no peer count: neither OMPI_COMM_WORLD_LOCAL_SIZE nor " +
                "SLURM_STEP_TASKS_PER_NODE (with SLURM_NODEID where nodes differ) is set.", "Join",
                "Give the number of peers on this node with -JoinCount.");
        return new JoinGroup(explicitTag ?? ContainerTag(tag), count.Value, tagSource, countSource);
    }

    private static (string?, string) FindTag(Func<string, string?> get)
    {
        if (get("OMPI_COMM_WORLD_LOCAL_SIZE") is not null)
        {
            foreach (var name in new[] { "OMPI_MCA_ess_base_jobid", "PMIX_NAMESPACE", "OMPI_MCA_orte_ess_jobid" })
                if (get(name) is { } job)
                    return ("ompi-" + job, name);
        }
        if (get("SLURM_JOB_ID") is { } jobId)
        {
            // a batch script itself is no step: SLURM_STEP_ID is unset there
            var step = get("SLURM_STEP_ID") ?? "batch";
            var node = get("SLURMD_NODENAME");
            var tag = node is null ? $"{jobId}.{step}" : $"{jobId}.{step}.{node}";
            var source = "SLURM_JOB_ID, " + (get("SLURM_STEP_ID") is null ? "no SLURM_STEP_ID (the batch script)" : "SLURM_STEP_ID") +
                         (node is null ? "" : ", SLURMD_NODENAME");
            return (tag, source);
        }
        return (null, "");
    }

    private static (int?, string) FindCount(Func<string, string?> get)
    {
        if (get("OMPI_COMM_WORLD_LOCAL_SIZE") is { } local && int.TryParse(local, out var n) && n > 0)
            return (n, $"OMPI_COMM_WORLD_LOCAL_SIZE={local}");
        if (get("SLURM_STEP_TASKS_PER_NODE") is { } perNode)
        {
            var counts = TasksPerNode(perNode);
            if (counts.Count > 0 && counts.Distinct().Count() == 1)
                return (counts[0], $"SLURM_STEP_TASKS_PER_NODE={perNode}");
            if (counts.Count > 0 && int.TryParse(get("SLURM_NODEID"), out var node) && node >= 0 && node < counts.Count)
                return (counts[node], $"SLURM_STEP_TASKS_PER_NODE={perNode} at SLURM_NODEID={node}");
        }
        else if (get("SLURM_JOB_ID") is not null && get("SLURM_STEP_ID") is null)
            return (1, "the batch script (one process; SLURM_STEP_ID unset)");
        return (null, "");
    }

    /// <summary>Slurm's compressed per-node counts: "4(x2),3,1(x3)" is 4, 4, 3, 1, 1, 1.
    /// Empty when the text is not of that form.</summary>
    public static IReadOnlyList<int> TasksPerNode(string value)
    {
        var result = new List<int>();
        foreach (var part in value.Split(','))
        {
            var p = part.Trim();
            int repeat = 1;
            var paren = p.IndexOf('(');
            if (paren >= 0)
            {
                if (!p.EndsWith(')') || !p[(paren + 1)..].StartsWith('x') ||
                    !int.TryParse(p[(paren + 2)..^1], out repeat) || repeat < 1 || repeat > 1_000_000)
                    return Array.Empty<int>();
                p = p[..paren];
            }
            if (!int.TryParse(p, out var count) || count < 1)
                return Array.Empty<int>();
            if (result.Count + repeat > 1_000_000)
                return Array.Empty<int>();
            result.AddRange(Enumerable.Repeat(count, repeat));
        }
        return result;
    }

    /// <summary>A tag usable in a file and container name: characters other than letters,
    /// digits, '.', '_' and '-' become '-'; a long one is shortened and made unique by a hash
    /// of the whole.</summary>
    public static string ContainerTag(string tag)
    {
        var clean = new StringBuilder(tag.Length);
        foreach (var ch in tag)
            clean.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' ? ch : '-');
        var s = clean.ToString();
        if (s.Length > 0 && !char.IsAsciiLetterOrDigit(s[0]))
            s = "j" + s;
        if (s.Length <= MaxTagLength)
            return s;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(tag)))[..8].ToLowerInvariant();
        return s[..(MaxTagLength - 9)] + "-" + hash;
    }
}
