// VPC 2016-04-28 through aliyungo, the strict Go client: a regional VPC client (ecs.NewVPCClient,
// only LOCATION_ENDPOINT in the environment) finds OpenSLB through Location and decodes every
// answer into its Go structs (a field of the wrong JSON kind, or a CreationTime it cannot parse,
// fails the call). An SLB client puts a load balancer in the vSwitch and the EIP is associated
// with it. Prints "ok <step>" / "FAIL <step>: <error>" and exits non-zero on any failure.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/denverdino/aliyungo/common"
	"github.com/denverdino/aliyungo/ecs"
	"github.com/denverdino/aliyungo/slb"
)

var failed int

func step(name string, err error) {
	if err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("ok %s\n", name)
}

func main() {
	id, secret := os.Getenv("OPENSLB_AK_ID"), os.Getenv("OPENSLB_AK_SECRET")
	region := common.Region(os.Getenv("OPENSLB_REGION"))
	c := ecs.NewVPCClient(id, secret, region)
	lbc := slb.NewSLBClientWithSecurityToken(id, secret, "", region)

	regions, err := c.DescribeRegions()
	if err == nil && len(regions) == 0 {
		err = fmt.Errorf("no regions")
	}
	step("vpc DescribeRegions", err)
	zones, err := c.DescribeZones(region)
	if err == nil && len(zones) == 0 {
		err = fmt.Errorf("no zones")
	}
	step("vpc DescribeZones", err)

	vpc, err := c.CreateVpc(&ecs.CreateVpcArgs{RegionId: region, CidrBlock: "192.168.0.0/16", VpcName: "go", ClientToken: "go-vpc-1"})
	step("vpc CreateVpc", err)
	if err != nil {
		os.Exit(1)
	}
	step("vpc WaitForVpcAvailable", c.WaitForVpcAvailable(region, vpc.VpcId, 60))
	vpcs, _, err := c.DescribeVpcs(&ecs.DescribeVpcsArgs{RegionId: region, VpcId: vpc.VpcId})
	if err == nil && (len(vpcs) != 1 || vpcs[0].CidrBlock != "192.168.0.0/16" || vpcs[0].VRouterId != vpc.VRouterId || time.Time(vpcs[0].CreationTime).IsZero()) {
		err = fmt.Errorf("unexpected %+v", vpcs)
	}
	step("vpc DescribeVpcs", err)
	step("vpc ModifyVpcAttribute", c.ModifyVpcAttribute(&ecs.ModifyVpcAttributeArgs{VpcId: vpc.VpcId, VpcName: "go2", Description: "from aliyungo"}))

	vswId, err := c.CreateVSwitch(&ecs.CreateVSwitchArgs{VpcId: vpc.VpcId, ZoneId: string(zones[0].ZoneId), CidrBlock: "192.168.1.0/24", VSwitchName: "go"})
	step("vpc CreateVSwitch", err)
	step("vpc WaitForVSwitchAvailable", c.WaitForVSwitchAvailable(vpc.VpcId, vswId, 60))
	vsws, _, err := c.DescribeVSwitches(&ecs.DescribeVSwitchesArgs{RegionId: region, VpcId: vpc.VpcId})
	if err == nil && (len(vsws) != 1 || vsws[0].VSwitchId != vswId || vsws[0].AvailableIpAddressCount != 252) {
		err = fmt.Errorf("unexpected %+v", vsws)
	}
	step("vpc DescribeVSwitches", err)
	step("vpc ModifyVSwitchAttribute", c.ModifyVSwitchAttribute(&ecs.ModifyVSwitchAttributeArgs{VSwitchId: vswId, Description: "from aliyungo"}))

	lb, err := lbc.CreateLoadBalancer(&slb.CreateLoadBalancerArgs{RegionId: region, AddressType: slb.IntranetAddressType, VSwitchId: vswId})
	if err == nil && lb.Address != "192.168.1.1" {
		err = fmt.Errorf("load balancer address %s", lb.Address)
	}
	step("slb CreateLoadBalancer in the vSwitch", err)

	addr, alloc, err := c.AllocateEipAddress(&ecs.AllocateEipAddressArgs{RegionId: region, Bandwidth: 10})
	step("vpc AllocateEipAddress", err)
	step("vpc AssociateEipAddress SlbInstance", c.NewAssociateEipAddress(&ecs.AssociateEipAddressArgs{AllocationId: alloc, InstanceId: lb.LoadBalancerId, InstanceType: ecs.SlbInstance}))
	step("vpc WaitForEip InUse", c.WaitForEip(region, alloc, ecs.EipStatusInUse, 60))
	eips, _, err := c.DescribeEipAddresses(&ecs.DescribeEipAddressesArgs{RegionId: region, AllocationId: alloc})
	if err == nil && (len(eips) != 1 || eips[0].IpAddress != addr || eips[0].InstanceId != lb.LoadBalancerId || eips[0].Bandwidth != "10" || time.Time(eips[0].AllocationTime).IsZero()) {
		err = fmt.Errorf("unexpected %+v", eips)
	}
	step("vpc DescribeEipAddresses", err)
	step("vpc UnassociateEipAddress", c.UnassociateEipAddress(alloc, lb.LoadBalancerId))
	step("vpc WaitForEip Available", c.WaitForEip(region, alloc, ecs.EipStatusAvailable, 60))
	step("vpc ReleaseEipAddress", c.ReleaseEipAddress(alloc))
	step("slb DeleteLoadBalancer", lbc.DeleteLoadBalancer(lb.LoadBalancerId))
	step("vpc DeleteVSwitch", c.DeleteVSwitch(vswId))
	step("vpc DeleteVpc", c.DeleteVpc(vpc.VpcId))
	vpcs, _, err = c.DescribeVpcs(&ecs.DescribeVpcsArgs{RegionId: region, VpcId: vpc.VpcId})
	if err == nil && len(vpcs) != 0 {
		err = fmt.Errorf("still there: %+v", vpcs)
	}
	step("vpc DescribeVpcs after delete", err)

	fmt.Printf("aliyungo vpc steps failed %d\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
