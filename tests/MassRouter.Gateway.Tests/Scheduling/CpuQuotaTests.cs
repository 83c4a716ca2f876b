using MassRouter.Gateway.Scheduling;

namespace MassRouter.Gateway.Tests.Scheduling;

/// <summary>The CPU quota read from a cgroup tree laid out as the kernel shows it (files in a temporary directory).</summary>
public sealed class CpuQuotaTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cpuquota-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CgroupV2_QuotaOfTheProcesssGroup_InCores()
    {
        var mount = Write("v2/kubepods/pod1/ctr/cpu.max", "150000 100000\n");
        Write("v2/kubepods/cpu.max", "max 100000\n");

        Assert.Equal(1.5, Read("0::/kubepods/pod1/ctr", Cgroup2(mount)));
    }

    [Fact]
    public void CgroupV2_NoQuota_AnywhereUpTheTree_IsNone()
    {
        var mount = Write("v2/user.slice/cpu.max", "max 100000\n");
        Write("v2/cpu.max", "max 100000\n");

        Assert.Null(Read("0::/user.slice", Cgroup2(mount)));
    }

    [Fact]
    public void AnAncestorsQuota_Applies_TheTightestWins()
    {
        var mount = Write("v2/kubepods/pod1/ctr/cpu.max", "max 100000\n");
        Write("v2/kubepods/pod1/cpu.max", "50000 100000\n");
        Write("v2/kubepods/cpu.max", "200000 100000\n");

        Assert.Equal(0.5, Read("0::/kubepods/pod1/ctr", Cgroup2(mount)));
    }

    [Fact]
    public void InsideACgroupNamespace_TheMountIsTheProcesssOwnGroup()
    {
        // A container sees its cgroup as "/" and its own group mounted at the cgroup mount point.
        var mount = Write("v2/cpu.max", "200000 100000\n");

        Assert.Equal(2.0, Read("0::/", Cgroup2(mount)));
    }

    [Fact]
    public void CgroupV1_CfsQuotaAndPeriod_OfTheCpuHierarchy()
    {
        var cpu = Path.Combine(_root, "v1cpu");
        Write("v1cpu/docker/abc/cpu.cfs_quota_us", "25000\n");
        Write("v1cpu/docker/abc/cpu.cfs_period_us", "100000\n");
        Write("v1cpu/cpu.cfs_quota_us", "-1\n");
        Write("v1cpu/cpu.cfs_period_us", "100000\n");
        var mountInfo = $"""
            30 25 0:26 / {Path.Combine(_root, "v1mem")} rw,nosuid - cgroup cgroup rw,memory
            31 25 0:27 / {cpu} rw,nosuid - cgroup cgroup rw,cpu,cpuacct
            """;

        Assert.Equal(0.25, Read("5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/", mountInfo));
        Assert.Null(Read("4:cpu,cpuacct:/", mountInfo));
    }

    [Fact]
    public void AMountShowingPartOfTheHierarchy_MapsThePathBelowItsRoot()
    {
        // mountinfo's fourth field: this mount shows the hierarchy from /docker/abc down.
        var mount = Write("v2/cpu.max", "300000 100000\n");
        var mountInfo = $"40 25 0:28 /docker/abc {mount} rw - cgroup2 cgroup2 rw";

        Assert.Equal(3.0, Read("0::/docker/abc", mountInfo));
        Assert.Null(Read("0::/elsewhere", mountInfo));
    }

    [Fact]
    public void UnreadableOrOddFiles_AreNoQuota()
    {
        var mount = Write("v2/cpu.max", "garbage\n");

        Assert.Null(Read("0::/", Cgroup2(mount)));
        Assert.Null(Read("0::/", "not a mountinfo line"));
        Assert.Null(CpuQuota.Read(Path.Combine(_root, "missing"), Path.Combine(_root, "missing-too")));
    }

    private string Cgroup2(string mount) => $"35 25 0:30 / {mount} rw,nosuid,nodev shared:9 - cgroup2 cgroup2 rw,nsdelegate";

    /// <summary>Writes a file under the temporary root; returns the path of the tree's mount point ("v2" or "v1cpu").</summary>
    private string Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return Path.Combine(_root, relative.Split('/')[0]);
    }

    private double? Read(string cgroup, string mountInfo)
    {
        var cgroupFile = Path.Combine(_root, "cgroup");
        var mountInfoFile = Path.Combine(_root, "mountinfo");
        File.WriteAllText(cgroupFile, cgroup + "\n");
        File.WriteAllText(mountInfoFile, mountInfo + "\n");
        return CpuQuota.Read(cgroupFile, mountInfoFile);
    }
}
