// aliyungo's ecs package against OpenSLB's ECS 2014-05-26, with strict decoding of every answer:
// a regional client (NewECSClientWithSecurityToken) that finds its endpoint through Location with
// only LOCATION_ENDPOINT set runs the security-group, instance and ENI lifecycle and reads back
// each resource. Prints "ok <step>" / "FAIL <step>: <error>" and exits non-zero on any failure.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/denverdino/aliyungo/common"
	"github.com/denverdino/aliyungo/ecs"
)

var failed int

func step(name string, err error) bool {
	if err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return false
	}
	fmt.Printf("ok %s\n", name)
	return true
}

// waitFor polls DescribeInstanceAttribute until the instance has the status (the server's
// transitions take OPENSLB_ECS_TRANSITION_MS each).
func waitFor(c *ecs.Client, id string, status ecs.InstanceStatus) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		a, err := c.DescribeInstanceAttribute(id)
		if err != nil {
			return err
		}
		if a.Status == status {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still %s, waiting for %s", a.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func main() {
	id, secret := os.Getenv("OPENSLB_AK_ID"), os.Getenv("OPENSLB_AK_SECRET")
	region := common.Region(os.Getenv("OPENSLB_REGION"))
	vpc, vsw := os.Getenv("OPENSLB_VPC"), os.Getenv("OPENSLB_VSWITCH")
	c := ecs.NewECSClientWithSecurityToken(id, secret, "", region)

	regions, err := c.DescribeRegions()
	if err == nil && len(regions) == 0 {
		err = fmt.Errorf("no regions")
	}
	step("DescribeRegions", err)
	zones, err := c.DescribeZones(region)
	if err == nil && (len(zones) == 0 || len(zones[0].AvailableInstanceTypes.InstanceTypes) == 0) {
		err = fmt.Errorf("unexpected zones %+v", zones)
	}
	step("DescribeZones", err)
	images, _, err := c.DescribeImages(&ecs.DescribeImagesArgs{RegionId: region, ImageId: os.Getenv("OPENSLB_IMAGE")})
	if err == nil && len(images) != 1 {
		err = fmt.Errorf("unexpected images %+v", images)
	}
	step("DescribeImages", err)
	types, err := c.DescribeInstanceTypes()
	if err == nil && len(types) == 0 {
		err = fmt.Errorf("no instance types")
	}
	step("DescribeInstanceTypes", err)

	sg, err := c.CreateSecurityGroup(&ecs.CreateSecurityGroupArgs{RegionId: region, VpcId: vpc, SecurityGroupName: "aliyungo-sg", Description: "from aliyungo"})
	if !step("CreateSecurityGroup", err) {
		os.Exit(1)
	}
	step("AuthorizeSecurityGroup", c.AuthorizeSecurityGroup(&ecs.AuthorizeSecurityGroupArgs{RegionId: region, SecurityGroupId: sg, IpProtocol: ecs.IpProtocolTCP, PortRange: "22/22", SourceCidrIp: "0.0.0.0/0", Priority: 7, NicType: ecs.NicTypeIntranet}))
	attr, err := c.DescribeSecurityGroupAttribute(&ecs.DescribeSecurityGroupAttributeArgs{RegionId: region, SecurityGroupId: sg})
	if err == nil && (len(attr.Permissions.Permission) != 1 || attr.Permissions.Permission[0].Priority != 7 || attr.VpcId != vpc) {
		err = fmt.Errorf("unexpected %+v", attr)
	}
	step("DescribeSecurityGroupAttribute (Priority as a number)", err)
	groups, page, err := c.DescribeSecurityGroups(&ecs.DescribeSecurityGroupsArgs{RegionId: region, VpcId: vpc})
	if err == nil && (len(groups) != 1 || groups[0].SecurityGroupId != sg || time.Time(groups[0].CreationTime).IsZero() || page.TotalCount != 1) {
		err = fmt.Errorf("unexpected %+v %+v", groups, page)
	}
	step("DescribeSecurityGroups", err)
	step("ModifySecurityGroupAttribute", c.ModifySecurityGroupAttribute(&ecs.ModifySecurityGroupAttributeArgs{RegionId: region, SecurityGroupId: sg, SecurityGroupName: "aliyungo-sg-2"}))

	ids, err := c.RunInstances(&ecs.RunInstanceArgs{CreateInstanceArgs: ecs.CreateInstanceArgs{RegionId: region, ImageId: os.Getenv("OPENSLB_IMAGE"), InstanceType: os.Getenv("OPENSLB_TYPE"), SecurityGroupId: sg, VSwitchId: vsw, InstanceName: "aliyungo-vm"}})
	if err == nil && len(ids) != 1 {
		err = fmt.Errorf("unexpected ids %v", ids)
	}
	if !step("RunInstances", err) {
		os.Exit(1)
	}
	inst := ids[0]
	step("DescribeInstanceAttribute until Running", waitFor(c, inst, ecs.Running))
	a, err := c.DescribeInstanceAttribute(inst)
	if err == nil && (a.InstanceName != "aliyungo-vm" || time.Time(a.CreationTime).IsZero() || !a.IoOptimized.Value || len(a.VpcAttributes.PrivateIpAddress.IpAddress) != 1 || a.SecurityGroupIds.SecurityGroupId[0] != sg) {
		err = fmt.Errorf("unexpected %+v", a)
	}
	step("DescribeInstanceAttribute", err)
	list, page, err := c.DescribeInstances(&ecs.DescribeInstancesArgs{RegionId: region, InstanceIds: fmt.Sprintf("[%q]", inst)})
	if err == nil && (len(list) != 1 || list[0].Status != ecs.Running || list[0].VpcAttributes.VSwitchId != vsw || list[0].CPU != 2 || page.TotalCount != 1) {
		err = fmt.Errorf("unexpected %+v %+v", list, page)
	}
	step("DescribeInstances", err)
	statuses, _, err := c.DescribeInstanceStatus(&ecs.DescribeInstanceStatusArgs{RegionId: region})
	if err == nil && len(statuses) == 0 {
		err = fmt.Errorf("no statuses")
	}
	step("DescribeInstanceStatus", err)

	eni, err := c.CreateNetworkInterface(&ecs.CreateNetworkInterfaceArgs{RegionId: region, VSwitchId: vsw, SecurityGroupId: sg, NetworkInterfaceName: "aliyungo-eni"})
	if step("CreateNetworkInterface", err) {
		step("AttachNetworkInterface", c.AttachNetworkInterface(&ecs.AttachNetworkInterfaceArgs{RegionId: region, NetworkInterfaceId: eni.NetworkInterfaceId, InstanceId: inst}))
		enis, err := c.DescribeNetworkInterfaces(&ecs.DescribeNetworkInterfacesArgs{RegionId: region, NetworkInterfaceId: []string{eni.NetworkInterfaceId}})
		if err == nil && (len(enis.NetworkInterfaceSets.NetworkInterfaceSet) != 1 || enis.NetworkInterfaceSets.NetworkInterfaceSet[0].Status != "InUse" || enis.TotalCount != 1) {
			err = fmt.Errorf("unexpected %+v", enis)
		}
		step("DescribeNetworkInterfaces", err)
		_, err = c.DetachNetworkInterface(&ecs.DetachNetworkInterfaceArgs{RegionId: region, NetworkInterfaceId: eni.NetworkInterfaceId, InstanceId: inst})
		step("DetachNetworkInterface", err)
		_, err = c.DeleteNetworkInterface(&ecs.DeleteNetworkInterfaceArgs{RegionId: region, NetworkInterfaceId: eni.NetworkInterfaceId})
		step("DeleteNetworkInterface", err)
	}

	step("StopInstance", c.StopInstance(inst, false))
	step("wait Stopped", waitFor(c, inst, ecs.Stopped))
	step("StartInstance", c.StartInstance(inst))
	step("wait Running", waitFor(c, inst, ecs.Running))
	step("RebootInstance", c.RebootInstance(inst, false))
	step("wait Running after reboot", waitFor(c, inst, ecs.Running))
	step("StopInstance again", c.StopInstance(inst, false))
	step("wait Stopped again", waitFor(c, inst, ecs.Stopped))
	step("DeleteInstance", c.DeleteInstance(inst))
	step("DeleteSecurityGroup", c.DeleteSecurityGroup(region, sg))

	_, err = c.DescribeInstanceAttribute(inst)
	if e, ok := err.(*common.Error); !ok || e.Code != "InvalidInstanceId.NotFound" || e.StatusCode != 404 {
		step("DescribeInstanceAttribute of a deleted instance", fmt.Errorf("expected InvalidInstanceId.NotFound 404, got %v", err))
	} else {
		step("DescribeInstanceAttribute of a deleted instance", nil)
	}
	// the VPC and EIP actions the ECS 2014-05-26 API also carries, called on the ECS client as
	// aliyungo's ecs package does
	vres, err := c.CreateVpc(&ecs.CreateVpcArgs{RegionId: region, CidrBlock: "172.20.0.0/16", VpcName: "aliyungo-on-ecs"})
	if step("CreateVpc (ECS version)", err) {
		step("WaitForVpcAvailable (ECS DescribeVpcs)", c.WaitForVpcAvailable(region, vres.VpcId, 30))
		zoneId := ""
		if zs, err := c.DescribeZones(region); err == nil && len(zs) > 0 {
			zoneId = zs[0].ZoneId
		}
		vswId, err := c.CreateVSwitch(&ecs.CreateVSwitchArgs{ZoneId: zoneId, CidrBlock: "172.20.1.0/24", VpcId: vres.VpcId, VSwitchName: "aliyungo-on-ecs"})
		if step("CreateVSwitch (ECS version)", err) {
			step("WaitForVSwitchAvailable (ECS DescribeVSwitches)", c.WaitForVSwitchAvailable(vres.VpcId, vswId, 30))
			list, _, err := c.DescribeVSwitches(&ecs.DescribeVSwitchesArgs{RegionId: region, VpcId: vres.VpcId})
			if err == nil && (len(list) != 1 || list[0].VSwitchId != vswId || list[0].CidrBlock != "172.20.1.0/24") {
				err = fmt.Errorf("unexpected vSwitches %+v", list)
			}
			step("DescribeVSwitches (ECS version)", err)
			step("DeleteVSwitch (ECS version)", c.DeleteVSwitch(vswId))
		}
		step("DeleteVpc (ECS version)", c.DeleteVpc(vres.VpcId))
	}
	eipAddr, allocId, err := c.AllocateEipAddress(&ecs.AllocateEipAddressArgs{RegionId: region, Bandwidth: 5})
	if err == nil && eipAddr == "" {
		err = fmt.Errorf("no address")
	}
	if step("AllocateEipAddress (ECS version)", err) {
		step("ReleaseEipAddress (ECS version)", c.ReleaseEipAddress(allocId))
	}

	fmt.Printf("aliyungo ecs steps failed %d\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
