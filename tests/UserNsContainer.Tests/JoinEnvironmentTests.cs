using System.Collections;
using System.Linq;
using UserNsContainer.Engine;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>-Join's reading of the scheduler's environment (no containers).</summary>
public sealed class JoinEnvironmentTests
{
    private static JoinGroup Resolve(string? tag, int? count, params (string, string)[] vars)
    {
        var env = new Hashtable();
        foreach (var (k, v) in vars)
            env[k] = v;
        return JoinEnvironment.Resolve(env, tag, count);
    }

    [Theory]
    [InlineData("4", new[] { 4 })]
    [InlineData("4(x2),3", new[] { 4, 4, 3 })]
    [InlineData("2(x3),1,5(x1)", new[] { 2, 2, 2, 1, 5 })]
    [InlineData("", new int[0])]
    [InlineData("4(x)", new int[0])]
    [InlineData("4(2)", new int[0])]
    [InlineData("0", new int[0])]
    [InlineData("-1", new int[0])]
    [InlineData("1(x999999999)", new int[0])]
    [InlineData("a,b", new int[0])]
    public void SlurmsCompressedCountsAreExpanded(string text, int[] expected) =>
        Assert.Equal(expected, JoinEnvironment.TasksPerNode(text));

    [Fact]
    public void UnderSrunTheTagIsJobStepAndNodeAndTheCountThisNodesTasks()
    {
        var g = Resolve(null, null, ("SLURM_JOB_ID", "42"), ("SLURM_STEP_ID", "3"), ("SLURMD_NODENAME", "cn07"),
            ("SLURM_STEP_TASKS_PER_NODE", "4(x2),3"), ("SLURM_NODEID", "2"));
        Assert.Equal(("42.3.cn07", 3), (g.Tag, g.Count));
        Assert.Equal("SLURM_JOB_ID, SLURM_STEP_ID, SLURMD_NODENAME", g.TagSource);
        Assert.Equal("SLURM_STEP_TASKS_PER_NODE=4(x2),3 at SLURM_NODEID=2", g.CountSource);
        // equal counts need no node id
        Assert.Equal(4, Resolve(null, null, ("SLURM_JOB_ID", "42"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_TASKS_PER_NODE", "4(x8)")).Count);
    }

    [Fact]
    public void TwoJobsThatAreBothStepZeroDoNotShareATag() =>
        Assert.NotEqual(Resolve(null, 1, ("SLURM_JOB_ID", "7"), ("SLURM_STEP_ID", "0")).Tag,
                        Resolve(null, 1, ("SLURM_JOB_ID", "8"), ("SLURM_STEP_ID", "0")).Tag);

    [Fact]
    public void ABatchScriptIsAGroupOfOne()
    {
        var g = Resolve(null, null, ("SLURM_JOB_ID", "9"), ("SLURM_TASKS_PER_NODE", "4"));
        Assert.Equal(("9.batch", 1), (g.Tag, g.Count));
    }

    [Fact]
    public void MpirunsLocalSizeWinsOverSlurms()
    {
        var g = Resolve(null, null, ("SLURM_JOB_ID", "9"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_TASKS_PER_NODE", "1"),
            ("OMPI_COMM_WORLD_LOCAL_SIZE", "6"), ("PMIX_NAMESPACE", "prterun-host-1234@1"));
        Assert.Equal(("ompi-prterun-host-1234-1", 6), (g.Tag, g.Count));
        Assert.Equal("PMIX_NAMESPACE", g.TagSource);
        Assert.Equal("OMPI_COMM_WORLD_LOCAL_SIZE=6", g.CountSource);
    }

    [Fact]
    public void ExplicitParametersOverrideTheEnvironment()
    {
        var g = Resolve("mine", 2, ("SLURM_JOB_ID", "9"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_TASKS_PER_NODE", "4"));
        Assert.Equal(("mine", 2, "-JoinTag", "-JoinCount"), (g.Tag, g.Count, g.TagSource, g.CountSource));
        Assert.Equal(("9.0", 5), (Resolve(null, 5, ("SLURM_JOB_ID", "9"), ("SLURM_STEP_ID", "0")).Tag, 5));
    }

    [Fact]
    public void OutsideASchedulerItSaysWhatIsMissing()
    {
        var e = Assert.Throws<UserNsContainerException>(() => Resolve(null, 4));
        Assert.Equal("JoinOutsideScheduler", e.ErrorId);
        Assert.Contains("SLURM_JOB_ID", e.Message);
        Assert.Contains("-JoinTag", e.RecommendedAction);
        e = Assert.Throws<UserNsContainerException>(() => Resolve(null, null, ("SLURM_JOB_ID", "9"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_TASKS_PER_NODE", "2,3")));
        Assert.Equal("JoinOutsideScheduler", e.ErrorId);
        Assert.Contains("no peer count", e.Message);
    }

    [Fact]
    public void HostileOrLongTagsBecomeSafeNames()
    {
        var g = Resolve(null, 1, ("SLURM_JOB_ID", "../../etc"), ("SLURM_STEP_ID", "0\n"), ("SLURMD_NODENAME", new string('n', 200)));
        Assert.True(ContainerSpec.IsValidName("join-" + g.Tag), g.Tag);
        Assert.True(g.Tag.Length <= JoinEnvironment.MaxTagLength);
        Assert.DoesNotContain('/', g.Tag);
        var other = Resolve(null, 1, ("SLURM_JOB_ID", "../../etc"), ("SLURM_STEP_ID", "0\n"), ("SLURMD_NODENAME", new string('n', 199) + "m"));
        Assert.NotEqual(g.Tag, other.Tag); // shortened, but told apart by the hash of the whole
    }
}
