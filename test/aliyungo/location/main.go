// Endpoint discovery through the Location service, as aliyungo does it: a regional SLB client (no
// endpoint given, only LOCATION_ENDPOINT in the environment) asks DescribeEndpoints for the slb
// endpoint before every call. Prints "ok <step>" / "FAIL <step>: <error>" and exits non-zero on
// any failure.
package main

import (
	"fmt"
	"os"

	"github.com/denverdino/aliyungo/common"
	"github.com/denverdino/aliyungo/location"
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

	// the Location API itself, as its own package calls it
	loc := location.NewClientWithEndpoint(os.Getenv("LOCATION_ENDPOINT"), id, secret)
	eps, err := loc.DescribeEndpoints(&location.DescribeEndpointsArgs{Id: region, ServiceCode: "slb", Type: "openAPI"})
	if err == nil && (len(eps.Endpoints.Endpoint) != 1 || eps.Endpoints.Endpoint[0].Endpoint != os.Getenv("OPENSLB_HOST")) {
		err = fmt.Errorf("unexpected endpoints %+v", eps.Endpoints.Endpoint)
	}
	step("location DescribeEndpoints slb", err)

	// a regional SLB client that knows no endpoint: it finds OpenSLB through Location
	c := slb.NewSLBClientWithSecurityToken(id, secret, "", region)
	regions, err := c.DescribeRegions()
	if err == nil && len(regions) == 0 {
		err = fmt.Errorf("no regions")
	}
	step("slb DescribeRegions via Location", err)
	created, err := c.CreateLoadBalancer(&slb.CreateLoadBalancerArgs{RegionId: region, LoadBalancerName: "via-location"})
	step("slb CreateLoadBalancer via Location", err)
	if err == nil {
		lbs, err := c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: region, LoadBalancerId: created.LoadBalancerId})
		if err == nil && (len(lbs) != 1 || lbs[0].LoadBalancerName != "via-location") {
			err = fmt.Errorf("unexpected %+v", lbs)
		}
		step("slb DescribeLoadBalancers via Location", err)
		step("slb DeleteLoadBalancer via Location", c.DeleteLoadBalancer(created.LoadBalancerId))
	}
	fmt.Printf("aliyungo location steps failed %d\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
