// Command flows drives the main SLB flows against an OpenSLB server through the slb package of
// github.com/denverdino/aliyungo, a strict client: every answer is decoded by encoding/json into
// the SDK's typed structs, so a string where the SDK wants an int (or any other type mismatch)
// fails the step. Built in GOPATH mode by test/aliyungo/aliyungo.test.ts.
//
// Environment:
//
//	OPENSLB_ENDPOINT   API endpoint, e.g. http://127.0.0.1:8080/
//	OPENSLB_AK_ID      AccessKey id
//	OPENSLB_AK_SECRET  AccessKey secret
//	OPENSLB_REGION     region, e.g. cn-hangzhou
//	OPENSLB_INSTANCES  comma list of two backend instance ids (created beforehand in the world)
//	OPENSLB_CERT_FILE  PEM certificate for UploadServerCertificate
//	OPENSLB_KEY_FILE   PEM private key of that certificate
//	OPENSLB_DEBUG      1: the SDK logs every request and answer to stderr
//
// Every step prints "ok <step>" or "FAIL <step>: <error>"; the last line is "aliyungo steps ok N, failed M"
// and the exit code is 1 when M > 0.
package main

import (
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/denverdino/aliyungo/common"
	"github.com/denverdino/aliyungo/slb"
)

// Listener status polling: short interval, bounded wait (not the SDK's WaitFor* helpers, which
// sleep 5 s between looks).
const (
	pollInterval = 200 * time.Millisecond
	pollTimeout  = 20 * time.Second
)

type runner struct {
	passed, failed int
}

func (r *runner) step(name string, fn func() error) bool {
	err := fn()
	if err != nil {
		r.failed++
		fmt.Printf("FAIL %s: %s\n", name, oneLine(err.Error()))
		return false
	}
	r.passed++
	fmt.Printf("ok %s\n", name)
	return true
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// checks collects the mismatches of one step.
type checks []string

func (c *checks) ok(cond bool, format string, a ...interface{}) {
	if !cond {
		*c = append(*c, fmt.Sprintf(format, a...))
	}
}

func (c *checks) eq(what string, got, want interface{}) {
	if !reflect.DeepEqual(got, want) {
		*c = append(*c, fmt.Sprintf("%s = %#v, want %#v", what, got, want))
	}
}

func (c *checks) nonEmpty(what, v string) {
	c.ok(v != "", "%s is empty", what)
}

func (c checks) err() error {
	if len(c) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(c, "; "))
}

// need fails a step whose prerequisite is missing.
func need(have bool, what string) error {
	if have {
		return nil
	}
	return fmt.Errorf("skipped: %s not available (an earlier step failed)", what)
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "%s is not set\n", name)
		os.Exit(2)
	}
	return v
}

func mustJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type flows struct {
	r        *runner
	c        *slb.Client
	region   common.Region
	inst     []string
	certPEM  string
	keyPEM   string
	suffix   string
	certId   string
	lb1      string // internet, pay by traffic: backends, listeners, groups, rules, tags
	lb1Name  string
	lb2      string // intranet (classic): name, status, specs
	lb2Name  string
	vsg1     string
	vsg2     string
	ruleId   string
	ruleName string
}

func main() {
	endpoint := env("OPENSLB_ENDPOINT")
	id := env("OPENSLB_AK_ID")
	secret := env("OPENSLB_AK_SECRET")
	region := env("OPENSLB_REGION")
	inst := strings.Split(env("OPENSLB_INSTANCES"), ",")
	if len(inst) < 2 {
		fmt.Fprintln(os.Stderr, "OPENSLB_INSTANCES needs two instance ids")
		os.Exit(2)
	}
	certPEM, err := ioutil.ReadFile(env("OPENSLB_CERT_FILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	keyPEM, err := ioutil.ReadFile(env("OPENSLB_KEY_FILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	c := slb.NewClientWithEndpoint(endpoint, id, secret)
	if os.Getenv("OPENSLB_DEBUG") == "1" {
		c.SetDebug(true)
	}
	f := &flows{
		r:       &runner{},
		c:       c,
		region:  common.Region(region),
		inst:    inst[:2],
		certPEM: string(certPEM),
		keyPEM:  string(keyPEM),
		suffix:  fmt.Sprintf("%d", time.Now().UnixNano()%1000000),
	}

	f.regions()
	f.certificates()
	f.loadBalancers()
	f.backendServers()
	f.tags()
	f.vServerGroups()
	f.tcpListener()
	f.udpListener()
	f.httpListener()
	f.httpsListener()
	f.errorPaths()
	f.cleanup()

	fmt.Printf("aliyungo steps ok %d, failed %d\n", f.r.passed, f.r.failed)
	if f.r.failed > 0 {
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------------------------
// Regions

func (f *flows) regions() {
	f.r.step("DescribeRegions", func() error {
		regions, err := f.c.DescribeRegions()
		if err != nil {
			return err
		}
		var c checks
		c.ok(len(regions) > 0, "no regions")
		found := false
		for _, r := range regions {
			c.nonEmpty("RegionId", string(r.RegionId))
			c.nonEmpty(fmt.Sprintf("LocalName of %s", r.RegionId), r.LocalName)
			if r.RegionId == f.region {
				found = true
			}
		}
		c.ok(found, "region %s not listed", f.region)
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Certificates (the HTTPS listener uses the uploaded one; deleted in cleanup)

func (f *flows) certificates() {
	name := "aliyungo-cert-" + f.suffix
	var fingerprint string
	f.r.step("UploadServerCertificate", func() error {
		resp, err := f.c.UploadServerCertificate(&slb.UploadServerCertificateArgs{
			RegionId:              f.region,
			ServerCertificate:     f.certPEM,
			ServerCertificateName: name,
			PrivateKey:            f.keyPEM,
		})
		if err != nil {
			return err
		}
		var c checks
		c.nonEmpty("RequestId", resp.RequestId)
		c.nonEmpty("ServerCertificateId", resp.ServerCertificateId)
		c.eq("ServerCertificateName", resp.ServerCertificateName, name)
		c.nonEmpty("Fingerprint", resp.Fingerprint)
		f.certId = resp.ServerCertificateId
		fingerprint = resp.Fingerprint
		return c.err()
	})
	f.r.step("DescribeServerCertificatesArgs (by id)", func() error {
		if err := need(f.certId != "", "certificate"); err != nil {
			return err
		}
		list, err := f.c.DescribeServerCertificatesArgs(f.region, f.certId)
		if err != nil {
			return err
		}
		var c checks
		if c.ok(len(list) == 1, "%d certificates, want 1", len(list)); len(list) == 1 {
			c.eq("ServerCertificateId", list[0].ServerCertificateId, f.certId)
			c.eq("ServerCertificateName", list[0].ServerCertificateName, name)
			c.eq("RegionId", list[0].RegionId, f.region)
			c.eq("Fingerprint", list[0].Fingerprint, fingerprint)
		}
		return c.err()
	})
	newName := name + "-renamed"
	f.r.step("SetServerCertificateName", func() error {
		if err := need(f.certId != "", "certificate"); err != nil {
			return err
		}
		return f.c.SetServerCertificateName(f.region, f.certId, newName)
	})
	f.r.step("DescribeServerCertificates (region, after rename)", func() error {
		if err := need(f.certId != "", "certificate"); err != nil {
			return err
		}
		resp, err := f.c.DescribeServerCertificates(&slb.DescribeServerCertificatesArgs{RegionId: f.region})
		if err != nil {
			return err
		}
		var c checks
		c.nonEmpty("RequestId", resp.RequestId)
		found := false
		for _, s := range resp.ServerCertificates.ServerCertificate {
			if s.ServerCertificateId == f.certId {
				found = true
				c.eq("ServerCertificateName", s.ServerCertificateName, newName)
			}
		}
		c.ok(found, "certificate %s not listed", f.certId)
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Load balancers

func (f *flows) describeLB(id string) (*slb.LoadBalancerType, error) {
	return f.c.DescribeLoadBalancerAttribute(id)
}

func (f *flows) loadBalancers() {
	f.lb1Name = "aliyungo-inet-" + f.suffix
	f.lb2Name = "aliyungo-intra-" + f.suffix
	f.r.step("CreateLoadBalancer (internet)", func() error {
		resp, err := f.c.CreateLoadBalancer(&slb.CreateLoadBalancerArgs{
			RegionId:           f.region,
			LoadBalancerName:   f.lb1Name,
			AddressType:        slb.InternetAddressType,
			InternetChargeType: slb.PayByTraffic,
			ClientToken:        "aliyungo-" + f.suffix,
		})
		if err != nil {
			return err
		}
		var c checks
		c.nonEmpty("RequestId", resp.RequestId)
		c.ok(strings.HasPrefix(resp.LoadBalancerId, "lb-"), "LoadBalancerId %q does not start with lb-", resp.LoadBalancerId)
		c.nonEmpty("Address", resp.Address)
		c.eq("LoadBalancerName", resp.LoadBalancerName, f.lb1Name)
		c.eq("NetworkType", resp.NetworkType, "classic")
		f.lb1 = resp.LoadBalancerId
		return c.err()
	})
	f.r.step("CreateLoadBalancer (intranet)", func() error {
		resp, err := f.c.CreateLoadBalancer(&slb.CreateLoadBalancerArgs{
			RegionId:         f.region,
			LoadBalancerName: f.lb2Name,
			AddressType:      slb.IntranetAddressType,
			LoadBalancerSpec: slb.S1Small,
		})
		if err != nil {
			return err
		}
		var c checks
		c.ok(strings.HasPrefix(resp.LoadBalancerId, "lb-"), "LoadBalancerId %q does not start with lb-", resp.LoadBalancerId)
		c.nonEmpty("Address", resp.Address)
		c.eq("LoadBalancerName", resp.LoadBalancerName, f.lb2Name)
		f.lb2 = resp.LoadBalancerId
		return c.err()
	})
	have := func() error { return need(f.lb1 != "" && f.lb2 != "", "load balancers") }

	f.r.step("DescribeLoadBalancers (by id)", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region, LoadBalancerId: f.lb1})
		if err != nil {
			return err
		}
		var c checks
		if c.ok(len(list) == 1, "%d load balancers, want 1", len(list)); len(list) == 1 {
			lb := list[0]
			c.eq("LoadBalancerId", lb.LoadBalancerId, f.lb1)
			c.eq("LoadBalancerName", lb.LoadBalancerName, f.lb1Name)
			c.eq("LoadBalancerStatus", lb.LoadBalancerStatus, "active")
			c.eq("AddressType", lb.AddressType, slb.InternetAddressType)
			c.eq("InternetChargeType", lb.InternetChargeType, slb.PayByTraffic)
			c.eq("RegionId", lb.RegionId, f.region)
			c.nonEmpty("Address", lb.Address)
			c.nonEmpty("CreateTime", lb.CreateTime)
			c.ok(!lb.CreateTimeStamp.IsDefault(), "CreateTimeStamp missing")
		}
		return c.err()
	})
	f.r.step("DescribeLoadBalancers (by name)", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region, LoadBalancerName: f.lb2Name})
		if err != nil {
			return err
		}
		var c checks
		if c.ok(len(list) == 1, "%d load balancers, want 1", len(list)); len(list) == 1 {
			c.eq("LoadBalancerId", list[0].LoadBalancerId, f.lb2)
			c.eq("AddressType", list[0].AddressType, slb.IntranetAddressType)
		}
		return c.err()
	})
	f.r.step("DescribeLoadBalancers (region)", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region})
		if err != nil {
			return err
		}
		var c checks
		ids := map[string]bool{}
		for _, lb := range list {
			ids[lb.LoadBalancerId] = true
		}
		c.ok(ids[f.lb1] && ids[f.lb2], "region list %v lacks %s or %s", ids, f.lb1, f.lb2)
		return c.err()
	})
	f.r.step("DescribeLoadBalancerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		var c checks
		c.eq("LoadBalancerId", lb.LoadBalancerId, f.lb1)
		c.eq("LoadBalancerName", lb.LoadBalancerName, f.lb1Name)
		c.eq("LoadBalancerStatus", lb.LoadBalancerStatus, "active")
		c.eq("RegionId", lb.RegionId, f.region)
		c.eq("NetworkType", lb.NetworkType, "classic")
		c.eq("InternetChargeType", lb.InternetChargeType, slb.PayByTraffic)
		c.ok(lb.Bandwidth > 0, "Bandwidth = %d", lb.Bandwidth)
		c.eq("ListenerPorts", len(lb.ListenerPorts.ListenerPort), 0)
		c.eq("BackendServers", len(lb.BackendServers.BackendServer), 0)
		c.nonEmpty("LoadBalancerSpec", string(lb.LoadBalancerSpec))
		c.ok(!lb.CreateTimeStamp.IsDefault(), "CreateTimeStamp missing")
		return c.err()
	})
	f.r.step("NewDescribeLoadBalancerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		lb, err := f.c.NewDescribeLoadBalancerAttribute(&slb.NewDescribeLoadBalancerAttributeArgs{LoadBalancerId: f.lb2, RegionId: f.region})
		if err != nil {
			return err
		}
		var c checks
		c.eq("LoadBalancerId", lb.LoadBalancerId, f.lb2)
		c.eq("AddressType", lb.AddressType, slb.IntranetAddressType)
		c.eq("LoadBalancerSpec", lb.LoadBalancerSpec, slb.LoadBalancerSpecType(slb.S1Small))
		return c.err()
	})

	renamed := f.lb2Name + "-renamed"
	f.r.step("SetLoadBalancerName", func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.SetLoadBalancerName(f.lb2, renamed); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb2)
		if err != nil {
			return err
		}
		var c checks
		c.eq("LoadBalancerName", lb.LoadBalancerName, renamed)
		f.lb2Name = renamed
		return c.err()
	})
	for _, st := range []slb.Status{slb.InactiveStatus, slb.ActiveStatus} {
		st := st
		f.r.step("SetLoadBalancerStatus "+string(st), func() error {
			if err := have(); err != nil {
				return err
			}
			if err := f.c.SetLoadBalancerStatus(f.lb2, st); err != nil {
				return err
			}
			lb, err := f.describeLB(f.lb2)
			if err != nil {
				return err
			}
			var c checks
			c.eq("LoadBalancerStatus", lb.LoadBalancerStatus, string(st))
			return c.err()
		})
	}
	f.r.step("ModifyLoadBalancerInternetSpec (paybybandwidth 20)", func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.ModifyLoadBalancerInternetSpec(&slb.ModifyLoadBalancerInternetSpecArgs{LoadBalancerId: f.lb1, InternetChargeType: slb.PayByBandwidth, Bandwidth: 20}); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		var c checks
		c.eq("InternetChargeType", lb.InternetChargeType, slb.PayByBandwidth)
		c.eq("Bandwidth", lb.Bandwidth, 20)
		return c.err()
	})
	f.r.step("ModifyLoadBalancerInternetSpec (back to paybytraffic)", func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.ModifyLoadBalancerInternetSpec(&slb.ModifyLoadBalancerInternetSpecArgs{LoadBalancerId: f.lb1, InternetChargeType: slb.PayByTraffic}); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		var c checks
		c.eq("InternetChargeType", lb.InternetChargeType, slb.PayByTraffic)
		return c.err()
	})
	f.r.step("ModifyLoadBalancerInstanceSpec", func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.ModifyLoadBalancerInstanceSpec(&slb.ModifyLoadBalancerInstanceSpecArgs{RegionId: f.region, LoadBalancerId: f.lb2, LoadBalancerSpec: slb.S2Small}); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb2)
		if err != nil {
			return err
		}
		var c checks
		c.eq("LoadBalancerSpec", lb.LoadBalancerSpec, slb.LoadBalancerSpecType(slb.S2Small))
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Backend servers of the default group (lb1)

func weights(list []slb.BackendServerType) map[string]int {
	m := map[string]int{}
	for _, b := range list {
		m[b.ServerId] = b.Weight
	}
	return m
}

func (f *flows) backendServers() {
	a, b := f.inst[0], f.inst[1]
	have := func() error { return need(f.lb1 != "", "load balancer") }

	f.r.step("AddBackendServers", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.AddBackendServers(f.lb1, []slb.BackendServerType{{ServerId: a, Weight: 100}, {ServerId: b, Weight: 50}})
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers (answer)", weights(list), map[string]int{a: 100, b: 50})
		for _, s := range list {
			c.eq("Type of "+s.ServerId, s.Type, "ecs")
		}
		return c.err()
	})
	f.r.step("DescribeLoadBalancerAttribute (backend servers)", func() error {
		if err := have(); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers", weights(lb.BackendServers.BackendServer), map[string]int{a: 100, b: 50})
		return c.err()
	})
	f.r.step("SetBackendServers", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.SetBackendServers(f.lb1, []slb.BackendServerType{{ServerId: a, Weight: 80}})
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers (answer)", weights(list), map[string]int{a: 80, b: 50})
		return c.err()
	})
	f.r.step("DescribeLoadBalancers (ServerId filter, weights)", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region, ServerId: b})
		if err != nil {
			return err
		}
		var c checks
		if c.ok(len(list) == 1, "%d load balancers with server %s, want 1", len(list), b); len(list) == 1 {
			c.eq("LoadBalancerId", list[0].LoadBalancerId, f.lb1)
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		c.eq("BackendServers (attribute)", weights(lb.BackendServers.BackendServer), map[string]int{a: 80, b: 50})
		return c.err()
	})
	f.r.step("RemoveBackendServers", func() error {
		if err := have(); err != nil {
			return err
		}
		// aliyungo sends BackendServers=["i-…"] (the legacy list of ids)
		list, err := f.c.RemoveBackendServers(f.lb1, []string{b})
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers (answer)", weights(list), map[string]int{a: 80})
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		c.eq("BackendServers (attribute)", weights(lb.BackendServers.BackendServer), map[string]int{a: 80})
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Tags (lb1)

func tagMap(list []slb.TagItemType) map[string]string {
	m := map[string]string{}
	for _, t := range list {
		m[t.TagKey] = t.TagValue
	}
	return m
}

func (f *flows) tags() {
	have := func() error { return need(f.lb1 != "", "load balancer") }
	f.r.step("AddTags", func() error {
		if err := have(); err != nil {
			return err
		}
		return f.c.AddTags(&slb.AddTagsArgs{
			RegionId:       f.region,
			LoadBalancerID: f.lb1,
			Tags:           mustJSON([]slb.TagItem{{TagKey: "env", TagValue: "test"}, {TagKey: "team", TagValue: "go-sdk"}}),
		})
	})
	f.r.step("DescribeTags", func() error {
		if err := have(); err != nil {
			return err
		}
		list, page, err := f.c.DescribeTags(&slb.DescribeTagsArgs{RegionId: f.region, LoadBalancerID: f.lb1})
		if err != nil {
			return err
		}
		var c checks
		c.eq("TagSets", tagMap(list), map[string]string{"env": "test", "team": "go-sdk"})
		for _, t := range list {
			c.eq("InstanceCount of "+t.TagKey, t.InstanceCount, 1)
		}
		c.eq("TotalCount", page.TotalCount, 2)
		c.ok(page.PageNumber >= 1, "PageNumber = %d", page.PageNumber)
		c.ok(page.PageSize >= 1, "PageSize = %d", page.PageSize)
		return c.err()
	})
	f.r.step("DescribeLoadBalancers (Tags filter)", func() error {
		if err := have(); err != nil {
			return err
		}
		list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region, Tags: mustJSON([]slb.TagItem{{TagKey: "team", TagValue: "go-sdk"}})})
		if err != nil {
			return err
		}
		var c checks
		if c.ok(len(list) == 1, "%d load balancers, want 1", len(list)); len(list) == 1 {
			c.eq("LoadBalancerId", list[0].LoadBalancerId, f.lb1)
		}
		return c.err()
	})
	f.r.step("RemoveTags", func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.RemoveTags(&slb.RemoveTagsArgs{RegionId: f.region, LoadBalancerID: f.lb1, Tags: mustJSON([]slb.TagItem{{TagKey: "env", TagValue: "test"}})}); err != nil {
			return err
		}
		list, _, err := f.c.DescribeTags(&slb.DescribeTagsArgs{RegionId: f.region, LoadBalancerID: f.lb1})
		if err != nil {
			return err
		}
		var c checks
		c.eq("TagSets after remove", tagMap(list), map[string]string{"team": "go-sdk"})
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// VServer groups (lb1)

type member struct {
	Port, Weight int
}

func members(list []slb.VBackendServerType) map[string]member {
	m := map[string]member{}
	for _, b := range list {
		m[b.ServerId] = member{b.Port, b.Weight}
	}
	return m
}

func (f *flows) vServerGroups() {
	a, b := f.inst[0], f.inst[1]
	have := func() error { return need(f.lb1 != "", "load balancer") }
	name := "aliyungo-vsg-" + f.suffix

	f.r.step("CreateVServerGroup", func() error {
		if err := have(); err != nil {
			return err
		}
		resp, err := f.c.CreateVServerGroup(&slb.CreateVServerGroupArgs{
			RegionId:         f.region,
			LoadBalancerId:   f.lb1,
			VServerGroupName: name,
			BackendServers:   mustJSON([]slb.VBackendServerType{{ServerId: a, Port: 8080, Weight: 100}}),
		})
		if err != nil {
			return err
		}
		var c checks
		c.ok(strings.HasPrefix(resp.VServerGroupId, "rsp-"), "VServerGroupId %q does not start with rsp-", resp.VServerGroupId)
		// VServerGroupName is in aliyungo's struct but not in the API's answer (checked by Describe)
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 100}})
		f.vsg1 = resp.VServerGroupId
		return c.err()
	})
	f.r.step("CreateVServerGroup (second, empty)", func() error {
		if err := have(); err != nil {
			return err
		}
		resp, err := f.c.CreateVServerGroup(&slb.CreateVServerGroupArgs{RegionId: f.region, LoadBalancerId: f.lb1, VServerGroupName: name + "-2"})
		if err != nil {
			return err
		}
		var c checks
		c.nonEmpty("VServerGroupId", resp.VServerGroupId)
		c.eq("BackendServers", len(resp.BackendServers.BackendServer), 0)
		f.vsg2 = resp.VServerGroupId
		return c.err()
	})
	haveG := func() error { return need(f.vsg1 != "", "vserver group") }
	f.r.step("DescribeVServerGroups", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.DescribeVServerGroups(&slb.DescribeVServerGroupsArgs{RegionId: f.region, LoadBalancerId: f.lb1})
		if err != nil {
			return err
		}
		var c checks
		got := map[string]string{}
		for _, g := range resp.VServerGroups.VServerGroup {
			got[g.VServerGroupId] = g.VServerGroupName
		}
		want := map[string]string{f.vsg1: name}
		if f.vsg2 != "" {
			want[f.vsg2] = name + "-2"
		}
		c.eq("VServerGroups", got, want)
		return c.err()
	})
	f.r.step("DescribeVServerGroupAttribute", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.DescribeVServerGroupAttribute(&slb.DescribeVServerGroupAttributeArgs{RegionId: f.region, VServerGroupId: f.vsg1})
		if err != nil {
			return err
		}
		var c checks
		c.eq("VServerGroupId", resp.VServerGroupId, f.vsg1)
		c.eq("VServerGroupName", resp.VServerGroupName, name)
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 100}})
		for _, s := range resp.BackendServers.BackendServer {
			c.eq("Type of "+s.ServerId, s.Type, "ecs")
		}
		return c.err()
	})
	renamed := name + "-renamed"
	f.r.step("SetVServerGroupAttribute", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.SetVServerGroupAttribute(&slb.SetVServerGroupAttributeArgs{
			RegionId:         f.region,
			VServerGroupId:   f.vsg1,
			VServerGroupName: renamed,
			BackendServers:   mustJSON([]slb.VBackendServerType{{ServerId: a, Port: 8080, Weight: 90}}),
		})
		if err != nil {
			return err
		}
		var c checks
		c.eq("VServerGroupId", resp.VServerGroupId, f.vsg1)
		c.eq("VServerGroupName", resp.VServerGroupName, renamed)
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 90}})
		return c.err()
	})
	f.r.step("AddVServerGroupBackendServers", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.AddVServerGroupBackendServers(&slb.AddVServerGroupBackendServersArgs{
			RegionId:       f.region,
			VServerGroupId: f.vsg1,
			BackendServers: mustJSON([]slb.VBackendServerType{{ServerId: b, Port: 8080, Weight: 50}}),
		})
		if err != nil {
			return err
		}
		var c checks
		c.eq("VServerGroupId", resp.VServerGroupId, f.vsg1)
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 90}, b: {8080, 50}})
		return c.err()
	})
	f.r.step("ModifyVServerGroupBackendServers", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.ModifyVServerGroupBackendServers(&slb.ModifyVServerGroupBackendServersArgs{
			RegionId:          f.region,
			VServerGroupId:    f.vsg1,
			OldBackendServers: mustJSON([]slb.VBackendServerType{{ServerId: b, Port: 8080, Weight: 50}}),
			NewBackendServers: mustJSON([]slb.VBackendServerType{{ServerId: b, Port: 8081, Weight: 70}}),
		})
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 90}, b: {8081, 70}})
		return c.err()
	})
	f.r.step("RemoveVServerGroupBackendServers", func() error {
		if err := haveG(); err != nil {
			return err
		}
		resp, err := f.c.RemoveVServerGroupBackendServers(&slb.RemoveVServerGroupBackendServersArgs{
			RegionId:       f.region,
			VServerGroupId: f.vsg1,
			BackendServers: mustJSON([]slb.VBackendServerType{{ServerId: b, Port: 8081}}),
		})
		if err != nil {
			return err
		}
		var c checks
		c.eq("BackendServers", members(resp.BackendServers.BackendServer), map[string]member{a: {8080, 90}})
		attr, err := f.c.DescribeVServerGroupAttribute(&slb.DescribeVServerGroupAttributeArgs{RegionId: f.region, VServerGroupId: f.vsg1})
		if err != nil {
			return err
		}
		c.eq("BackendServers (attribute)", members(attr.BackendServers.BackendServer), map[string]member{a: {8080, 90}})
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Listeners

// status looks at a listener's Status the way the SDK's own wait helpers do (Describe…Attribute
// decoded into slb.DescribeLoadBalancerListenerAttributeResponse).
func (f *flows) status(kind slb.ListenerType, port int) (slb.ListenerStatus, error) {
	resp := &slb.DescribeLoadBalancerListenerAttributeResponse{}
	err := f.c.Invoke(fmt.Sprintf("DescribeLoadBalancer%sListenerAttribute", kind), &slb.CommonLoadBalancerListenerArgs{LoadBalancerId: f.lb1, ListenerPort: port}, resp)
	return resp.Status, err
}

// waitFor polls the listener's Status until it is `want` (pollInterval, at most pollTimeout).
func (f *flows) waitFor(kind slb.ListenerType, port int, want slb.ListenerStatus) error {
	deadline := time.Now().Add(pollTimeout)
	var seen []string
	for {
		st, err := f.status(kind, port)
		if err != nil {
			return err
		}
		if st == want {
			return nil
		}
		if len(seen) == 0 || seen[len(seen)-1] != string(st) {
			seen = append(seen, string(st))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("listener %s:%d still not %s after %v (seen %v)", kind, port, want, pollTimeout, seen)
		}
		time.Sleep(pollInterval)
	}
}

// lifecycle: Start → running → access control → Stop → stopped → Delete.
func (f *flows) lifecycle(kind slb.ListenerType, port int, have func() error) {
	p := fmt.Sprintf("%s:%d", kind, port)
	started := f.r.step("StartLoadBalancerListener "+p, func() error {
		if err := have(); err != nil {
			return err
		}
		return f.c.StartLoadBalancerListener(f.lb1, port)
	})
	running := f.r.step("wait running "+p, func() error {
		if err := need(started, "started listener"); err != nil {
			return err
		}
		return f.waitFor(kind, port, slb.Running)
	})
	if kind == slb.TCP {
		f.r.step("DescribeHealthStatus "+p, func() error {
			if err := need(running, "running listener"); err != nil {
				return err
			}
			resp, err := f.c.DescribeHealthStatus(&slb.DescribeHealthStatusArgs{LoadBalancerId: f.lb1, ListenerPort: port})
			if err != nil {
				return err
			}
			var c checks
			c.nonEmpty("RequestId", resp.RequestId)
			ids := []string{}
			for _, s := range resp.BackendServers.BackendServer {
				ids = append(ids, s.ServerId)
				c.ok(s.ServerHealthStatus != "", "ServerHealthStatus of %s is empty", s.ServerId)
			}
			c.eq("servers", ids, []string{f.inst[0]})
			all, err := f.c.DescribeHealthStatus(&slb.DescribeHealthStatusArgs{LoadBalancerId: f.lb1})
			if err != nil {
				return err
			}
			c.ok(len(all.BackendServers.BackendServer) >= 1, "DescribeHealthStatus without ListenerPort: %d rows", len(all.BackendServers.BackendServer))
			return c.err()
		})
	}
	// access control on the running listener; every change is followed by a wait for running,
	// since a change of a running listener goes through configuring
	whiteOK := f.r.step("SetListenerAccessControlStatus open_white_list "+p, func() error {
		if err := need(running, "running listener"); err != nil {
			return err
		}
		if err := f.c.SetListenerAccessControlStatus(f.lb1, port, slb.OpenWhileList); err != nil {
			return err
		}
		return f.waitFor(kind, port, slb.Running)
	})
	items := "127.0.0.0/8,10.1.2.3"
	f.r.step("AddListenerWhiteListItem "+p, func() error {
		if err := need(whiteOK, "access control"); err != nil {
			return err
		}
		if err := f.c.AddListenerWhiteListItem(f.lb1, port, items); err != nil {
			return err
		}
		return f.waitFor(kind, port, slb.Running)
	})
	f.r.step("DescribeListenerAccessControlAttribute "+p, func() error {
		if err := need(whiteOK, "access control"); err != nil {
			return err
		}
		resp, err := f.c.DescribeListenerAccessControlAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("AccessControlStatus", resp.AccessControlStatus, slb.OpenWhileList)
		c.eq("SourceItems", sortedItems(resp.SourceItems), sortedItems(items))
		return c.err()
	})
	f.r.step("RemoveListenerWhiteListItem "+p, func() error {
		if err := need(whiteOK, "access control"); err != nil {
			return err
		}
		if err := f.c.RemoveListenerWhiteListItem(f.lb1, port, "10.1.2.3"); err != nil {
			return err
		}
		if err := f.waitFor(kind, port, slb.Running); err != nil {
			return err
		}
		resp, err := f.c.DescribeListenerAccessControlAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("SourceItems", sortedItems(resp.SourceItems), "127.0.0.0/8")
		return c.err()
	})
	f.r.step("SetListenerAccessControlStatus close "+p, func() error {
		if err := need(whiteOK, "access control"); err != nil {
			return err
		}
		if err := f.c.SetListenerAccessControlStatus(f.lb1, port, slb.Close); err != nil {
			return err
		}
		if err := f.waitFor(kind, port, slb.Running); err != nil {
			return err
		}
		resp, err := f.c.DescribeListenerAccessControlAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("AccessControlStatus", resp.AccessControlStatus, slb.Close)
		return c.err()
	})
	stopped := f.r.step("StopLoadBalancerListener "+p, func() error {
		if err := need(started, "started listener"); err != nil {
			return err
		}
		return f.c.StopLoadBalancerListener(f.lb1, port)
	})
	f.r.step("wait stopped "+p, func() error {
		if err := need(stopped, "stopped listener"); err != nil {
			return err
		}
		return f.waitFor(kind, port, slb.Stopped)
	})
	f.r.step("DeleteLoadBalancerListener "+p, func() error {
		if err := have(); err != nil {
			return err
		}
		if err := f.c.DeleteLoadBalancerListener(f.lb1, port); err != nil {
			return err
		}
		lb, err := f.describeLB(f.lb1)
		if err != nil {
			return err
		}
		for _, lp := range lb.ListenerPorts.ListenerPort {
			if lp == port {
				return fmt.Errorf("port %d still in ListenerPorts %v", port, lb.ListenerPorts.ListenerPort)
			}
		}
		return nil
	})
}

func sortedItems(s string) string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// listed checks DescribeLoadBalancerAttribute shows the listener's port and protocol.
func (f *flows) listed(c *checks, port int, protocol string) {
	lb, err := f.describeLB(f.lb1)
	if err != nil {
		c.ok(false, "DescribeLoadBalancerAttribute: %v", err)
		return
	}
	found := false
	for _, lp := range lb.ListenerPorts.ListenerPort {
		found = found || lp == port
	}
	c.ok(found, "ListenerPorts %v lacks %d", lb.ListenerPorts.ListenerPort, port)
	found = false
	for _, lp := range lb.ListenerPortsAndProtocol.ListenerPortAndProtocol {
		if lp.ListenerPort == port {
			found = true
			c.eq("ListenerProtocol of port "+fmt.Sprint(port), lp.ListenerProtocol, protocol)
		}
	}
	c.ok(found, "ListenerPortsAndProtocol %+v lacks %d", lb.ListenerPortsAndProtocol.ListenerPortAndProtocol, port)
}

func (f *flows) tcpListener() {
	const port = 1001
	created := false
	f.r.step("CreateLoadBalancerTCPListener", func() error {
		if err := need(f.lb1 != "", "load balancer"); err != nil {
			return err
		}
		err := f.c.CreateLoadBalancerTCPListener(&slb.CreateLoadBalancerTCPListenerArgs{
			LoadBalancerId:            f.lb1,
			ListenerPort:              port,
			BackendServerPort:         8001,
			Bandwidth:                 -1,
			Scheduler:                 slb.WRRScheduler,
			PersistenceTimeout:        60,
			HealthCheck:               slb.OnFlag,
			HealthCheckType:           slb.TCPHealthCheckType,
			HealthCheckConnectPort:    8002,
			HealthyThreshold:          3,
			UnhealthyThreshold:        4,
			HealthCheckConnectTimeout: 5,
			HealthCheckInterval:       2,
		})
		if err != nil {
			return err
		}
		created = true
		var c checks
		f.listed(&c, port, "tcp")
		return c.err()
	})
	have := func() error { return need(created, "TCP listener") }
	f.r.step("DescribeLoadBalancerTCPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerTCPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.nonEmpty("RequestId", r.RequestId)
		c.eq("Status", r.Status, slb.Stopped)
		c.eq("LoadBalancerId", r.LoadBalancerId, f.lb1)
		c.eq("ListenerPort", r.ListenerPort, port)
		c.eq("BackendServerPort", r.BackendServerPort, 8001)
		c.eq("Bandwidth", r.Bandwidth, -1)
		c.eq("Scheduler", r.Scheduler, slb.WRRScheduler)
		c.eq("PersistenceTimeout", r.PersistenceTimeout, 60)
		c.eq("HealthCheck", r.HealthCheck, slb.OnFlag)
		c.eq("HealthCheckType", r.HealthCheckType, slb.TCPHealthCheckType)
		c.eq("HealthCheckConnectPort", r.HealthCheckConnectPort, 8002)
		c.eq("HealthyThreshold", r.HealthyThreshold, 3)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 4)
		c.eq("HealthCheckConnectTimeout", r.HealthCheckConnectTimeout, 5)
		c.eq("HealthCheckInterval", r.HealthCheckInterval, 2)
		return c.err()
	})
	f.r.step("SetLoadBalancerTCPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		err := f.c.SetLoadBalancerTCPListenerAttribute(&slb.SetLoadBalancerTCPListenerAttributeArgs{
			LoadBalancerId:            f.lb1,
			ListenerPort:              port,
			Bandwidth:                 100,
			Scheduler:                 slb.WLCScheduler,
			PersistenceTimeout:        120,
			HealthCheck:               slb.OnFlag,
			HealthCheckType:           slb.HTTPHealthCheckType,
			HealthCheckDomain:         "check.example.com",
			HealthCheckURI:            "/health",
			HealthCheckHttpCode:       "http_2xx,http_3xx",
			HealthyThreshold:          5,
			UnhealthyThreshold:        6,
			HealthCheckConnectTimeout: 7,
			HealthCheckInterval:       3,
		})
		if err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerTCPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Status", r.Status, slb.Stopped)
		c.eq("BackendServerPort", r.BackendServerPort, 8001)
		c.eq("Bandwidth", r.Bandwidth, 100)
		c.eq("Scheduler", r.Scheduler, slb.WLCScheduler)
		c.eq("PersistenceTimeout", r.PersistenceTimeout, 120)
		c.eq("HealthCheckType", r.HealthCheckType, slb.HTTPHealthCheckType)
		c.eq("HealthCheckDomain", r.HealthCheckDomain, "check.example.com")
		c.eq("HealthCheckURI", r.HealthCheckURI, "/health")
		c.eq("HealthCheckHttpCode", sortedItems(string(r.HealthCheckHttpCode)), "http_2xx,http_3xx")
		c.eq("HealthyThreshold", r.HealthyThreshold, 5)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 6)
		c.eq("HealthCheckConnectTimeout", r.HealthCheckConnectTimeout, 7)
		c.eq("HealthCheckInterval", r.HealthCheckInterval, 3)
		return c.err()
	})
	f.lifecycle(slb.TCP, port, have)
}

func (f *flows) udpListener() {
	const port = 1002
	created := false
	f.r.step("CreateLoadBalancerUDPListener", func() error {
		if err := need(f.lb1 != "", "load balancer"); err != nil {
			return err
		}
		err := f.c.CreateLoadBalancerUDPListener(&slb.CreateLoadBalancerUDPListenerArgs{
			LoadBalancerId:            f.lb1,
			ListenerPort:              port,
			BackendServerPort:         53,
			Bandwidth:                 -1,
			Scheduler:                 slb.WRRScheduler,
			HealthCheck:               slb.OnFlag,
			HealthCheckConnectPort:    5353,
			HealthyThreshold:          2,
			UnhealthyThreshold:        3,
			HealthCheckConnectTimeout: 4,
			HealthCheckInterval:       5,
		})
		if err != nil {
			return err
		}
		created = true
		var c checks
		f.listed(&c, port, "udp")
		return c.err()
	})
	have := func() error { return need(created, "UDP listener") }
	f.r.step("DescribeLoadBalancerUDPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerUDPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Status", r.Status, slb.Stopped)
		c.eq("ListenerPort", r.ListenerPort, port)
		c.eq("BackendServerPort", r.BackendServerPort, 53)
		c.eq("Bandwidth", r.Bandwidth, -1)
		c.eq("Scheduler", r.Scheduler, slb.WRRScheduler)
		c.eq("HealthCheck", r.HealthCheck, slb.OnFlag)
		c.eq("HealthCheckConnectPort", r.HealthCheckConnectPort, 5353)
		c.eq("HealthyThreshold", r.HealthyThreshold, 2)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 3)
		c.eq("HealthCheckConnectTimeout", r.HealthCheckConnectTimeout, 4)
		c.eq("HealthCheckInterval", r.HealthCheckInterval, 5)
		return c.err()
	})
	f.r.step("SetLoadBalancerUDPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		err := f.c.SetLoadBalancerUDPListenerAttribute(&slb.SetLoadBalancerUDPListenerAttributeArgs{
			LoadBalancerId:         f.lb1,
			ListenerPort:           port,
			Bandwidth:              50,
			Scheduler:              slb.WLCScheduler,
			HealthCheckConnectPort: 5354,
			HealthyThreshold:       7,
		})
		if err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerUDPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Bandwidth", r.Bandwidth, 50)
		c.eq("Scheduler", r.Scheduler, slb.WLCScheduler)
		c.eq("HealthCheckConnectPort", r.HealthCheckConnectPort, 5354)
		c.eq("HealthyThreshold", r.HealthyThreshold, 7)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 3)
		c.eq("BackendServerPort", r.BackendServerPort, 53)
		return c.err()
	})
	f.lifecycle(slb.UDP, port, have)
}

func (f *flows) httpListener() {
	const port = 1003
	created := false
	f.r.step("CreateLoadBalancerHTTPListener", func() error {
		if err := need(f.lb1 != "", "load balancer"); err != nil {
			return err
		}
		err := f.c.CreateLoadBalancerHTTPListener(&slb.CreateLoadBalancerHTTPListenerArgs{
			LoadBalancerId:      f.lb1,
			ListenerPort:        port,
			BackendServerPort:   8080,
			Bandwidth:           -1,
			Scheduler:           slb.WRRScheduler,
			StickySession:       slb.OnFlag,
			StickySessionType:   slb.InsertStickySessionType,
			CookieTimeout:       600,
			HealthCheck:         slb.OnFlag,
			HealthCheckDomain:   "www.example.com",
			HealthCheckURI:      "/ping",
			HealthyThreshold:    3,
			UnhealthyThreshold:  3,
			HealthCheckTimeout:  5,
			HealthCheckInterval: 2,
			HealthCheckHttpCode: "http_2xx",
			Gzip:                slb.OnFlag,
			XForwardedFor_SLBIP: slb.OnFlag,
			XForwardedFor_proto: slb.OnFlag,
		})
		if err != nil {
			return err
		}
		created = true
		var c checks
		f.listed(&c, port, "http")
		return c.err()
	})
	have := func() error { return need(created, "HTTP listener") }
	f.r.step("DescribeLoadBalancerHTTPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerHTTPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Status", r.Status, slb.Stopped)
		c.eq("ListenerPort", r.ListenerPort, port)
		c.eq("BackendServerPort", r.BackendServerPort, 8080)
		c.eq("Bandwidth", r.Bandwidth, -1)
		c.eq("Scheduler", r.Scheduler, slb.WRRScheduler)
		c.eq("StickySession", r.StickySession, slb.OnFlag)
		c.eq("StickySessionType", r.StickySessionType, slb.InsertStickySessionType)
		c.eq("CookieTimeout", r.CookieTimeout, 600)
		c.eq("HealthCheck", r.HealthCheck, slb.OnFlag)
		c.eq("HealthCheckDomain", r.HealthCheckDomain, "www.example.com")
		c.eq("HealthCheckURI", r.HealthCheckURI, "/ping")
		c.eq("HealthyThreshold", r.HealthyThreshold, 3)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 3)
		c.eq("HealthCheckTimeout", r.HealthCheckTimeout, 5)
		c.eq("HealthCheckInterval", r.HealthCheckInterval, 2)
		c.eq("HealthCheckHttpCode", r.HealthCheckHttpCode, slb.HTTP_2XX)
		c.eq("Gzip", r.Gzip, slb.OnFlag)
		c.eq("XForwardedFor_SLBIP", r.XForwardedFor_SLBIP, slb.OnFlag)
		c.eq("XForwardedFor_proto", r.XForwardedFor_proto, slb.OnFlag)
		c.eq("XForwardedFor_SLBID", r.XForwardedFor_SLBID, slb.OffFlag)
		return c.err()
	})
	f.r.step("SetLoadBalancerHTTPListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		err := f.c.SetLoadBalancerHTTPListenerAttribute(&slb.SetLoadBalancerHTTPListenerAttributeArgs{
			LoadBalancerId:      f.lb1,
			ListenerPort:        port,
			Bandwidth:           200,
			Scheduler:           slb.WLCScheduler,
			StickySession:       slb.OnFlag,
			StickySessionType:   slb.ServerStickySessionType,
			Cookie:              "SESSIONID",
			HealthCheck:         slb.OnFlag,
			HealthCheckURI:      "/status",
			HealthCheckHttpCode: "http_2xx,http_4xx",
			XForwardedFor_SLBID: slb.OnFlag,
		})
		if err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerHTTPListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Bandwidth", r.Bandwidth, 200)
		c.eq("Scheduler", r.Scheduler, slb.WLCScheduler)
		c.eq("StickySessionType", r.StickySessionType, slb.ServerStickySessionType)
		c.eq("Cookie", r.Cookie, "SESSIONID")
		c.eq("HealthCheckURI", r.HealthCheckURI, "/status")
		c.eq("HealthCheckDomain", r.HealthCheckDomain, "www.example.com")
		c.eq("HealthCheckHttpCode", sortedItems(string(r.HealthCheckHttpCode)), "http_2xx,http_4xx")
		c.eq("XForwardedFor_SLBID", r.XForwardedFor_SLBID, slb.OnFlag)
		c.eq("BackendServerPort", r.BackendServerPort, 8080)
		return c.err()
	})
	f.rules(port, have)
	f.lifecycle(slb.HTTP, port, have)
}

func (f *flows) httpsListener() {
	const port = 1004
	created := false
	f.r.step("CreateLoadBalancerHTTPSListener", func() error {
		if err := need(f.lb1 != "" && f.certId != "", "load balancer and certificate"); err != nil {
			return err
		}
		err := f.c.CreateLoadBalancerHTTPSListener(&slb.CreateLoadBalancerHTTPSListenerArgs{
			HTTPListenerType: slb.HTTPListenerType{
				LoadBalancerId:    f.lb1,
				ListenerPort:      port,
				BackendServerPort: 8443,
				Bandwidth:         -1,
				Scheduler:         slb.WRRScheduler,
				StickySession:     slb.OffFlag,
				HealthCheck:       slb.OffFlag,
			},
			ServerCertificateId: f.certId,
		})
		if err != nil {
			return err
		}
		created = true
		var c checks
		f.listed(&c, port, "https")
		return c.err()
	})
	have := func() error { return need(created, "HTTPS listener") }
	f.r.step("DescribeLoadBalancerHTTPSListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerHTTPSListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Status", r.Status, slb.Stopped)
		c.eq("ListenerPort", r.ListenerPort, port)
		c.eq("BackendServerPort", r.BackendServerPort, 8443)
		c.eq("Bandwidth", r.Bandwidth, -1)
		c.eq("Scheduler", r.Scheduler, slb.WRRScheduler)
		c.eq("StickySession", r.StickySession, slb.OffFlag)
		c.eq("HealthCheck", r.HealthCheck, slb.OffFlag)
		c.eq("ServerCertificateId", r.ServerCertificateId, f.certId)
		return c.err()
	})
	f.r.step("SetLoadBalancerHTTPSListenerAttribute", func() error {
		if err := have(); err != nil {
			return err
		}
		err := f.c.SetLoadBalancerHTTPSListenerAttribute(&slb.SetLoadBalancerHTTPSListenerAttributeArgs{
			HTTPListenerType: slb.HTTPListenerType{
				LoadBalancerId:      f.lb1,
				ListenerPort:        port,
				Bandwidth:           300,
				Scheduler:           slb.WLCScheduler,
				HealthCheck:         slb.OnFlag,
				HealthCheckURI:      "/tls-health",
				HealthyThreshold:    4,
				UnhealthyThreshold:  5,
				HealthCheckTimeout:  6,
				HealthCheckInterval: 7,
			},
			ServerCertificateId: f.certId,
		})
		if err != nil {
			return err
		}
		r, err := f.c.DescribeLoadBalancerHTTPSListenerAttribute(f.lb1, port)
		if err != nil {
			return err
		}
		var c checks
		c.eq("Bandwidth", r.Bandwidth, 300)
		c.eq("Scheduler", r.Scheduler, slb.WLCScheduler)
		c.eq("HealthCheck", r.HealthCheck, slb.OnFlag)
		c.eq("HealthCheckURI", r.HealthCheckURI, "/tls-health")
		c.eq("HealthyThreshold", r.HealthyThreshold, 4)
		c.eq("UnhealthyThreshold", r.UnhealthyThreshold, 5)
		c.eq("HealthCheckTimeout", r.HealthCheckTimeout, 6)
		c.eq("HealthCheckInterval", r.HealthCheckInterval, 7)
		c.eq("ServerCertificateId", r.ServerCertificateId, f.certId)
		c.eq("BackendServerPort", r.BackendServerPort, 8443)
		return c.err()
	})
	f.lifecycle(slb.HTTPS, port, have)
}

// ---------------------------------------------------------------------------------------------
// Forwarding rules on the HTTP listener

func (f *flows) rules(port int, haveListener func() error) {
	have := func() error {
		if err := haveListener(); err != nil {
			return err
		}
		return need(f.vsg1 != "" && f.vsg2 != "", "vserver groups")
	}
	f.ruleName = "aliyungo-rule-" + f.suffix
	f.r.step("CreateRules", func() error {
		if err := have(); err != nil {
			return err
		}
		return f.c.CreateRules(&slb.CreateRulesArgs{
			RegionId:       f.region,
			LoadBalancerId: f.lb1,
			ListenerPort:   port,
			RuleList:       mustJSON([]slb.Rule{{RuleName: f.ruleName, Domain: "api.example.com", Url: "/v1", VServerGroupId: f.vsg1}}),
		})
	})
	f.r.step("DescribeRules", func() error {
		if err := have(); err != nil {
			return err
		}
		resp, err := f.c.DescribeRules(&slb.DescribeRulesArgs{RegionId: f.region, LoadBalancerId: f.lb1, ListenerPort: port})
		if err != nil {
			return err
		}
		var c checks
		list := resp.Rules.Rule
		if c.ok(len(list) == 1, "%d rules, want 1", len(list)); len(list) == 1 {
			r := list[0]
			c.ok(strings.HasPrefix(r.RuleId, "rule-"), "RuleId %q does not start with rule-", r.RuleId)
			c.eq("RuleName", r.RuleName, f.ruleName)
			c.eq("Domain", r.Domain, "api.example.com")
			c.eq("Url", r.Url, "/v1")
			c.eq("VServerGroupId", r.VServerGroupId, f.vsg1)
			f.ruleId = r.RuleId
		}
		return c.err()
	})
	haveRule := func() error { return need(f.ruleId != "", "rule") }
	f.r.step("DescribeRuleAttribute", func() error {
		if err := haveRule(); err != nil {
			return err
		}
		r, err := f.c.DescribeRuleAttribute(&slb.DescribeRuleAttributeArgs{RegionId: f.region, RuleId: f.ruleId})
		if err != nil {
			return err
		}
		var c checks
		c.eq("LoadBalancerId", r.LoadBalancerId, f.lb1)
		c.eq("ListenerPort", r.ListenerPort, port)
		c.eq("RuleId", r.RuleId, f.ruleId)
		c.eq("RuleName", r.RuleName, f.ruleName)
		c.eq("Domain", r.Domain, "api.example.com")
		c.eq("Url", r.Url, "/v1")
		c.eq("VServerGroupId", r.VServerGroupId, f.vsg1)
		return c.err()
	})
	f.r.step("SetRule", func() error {
		if err := haveRule(); err != nil {
			return err
		}
		if err := f.c.SetRule(&slb.SetRuleArgs{RegionId: f.region, RuleId: f.ruleId, VServerGroupId: f.vsg2}); err != nil {
			return err
		}
		r, err := f.c.DescribeRuleAttribute(&slb.DescribeRuleAttributeArgs{RegionId: f.region, RuleId: f.ruleId})
		if err != nil {
			return err
		}
		var c checks
		c.eq("VServerGroupId", r.VServerGroupId, f.vsg2)
		return c.err()
	})
	f.r.step("DeleteRules", func() error {
		if err := haveRule(); err != nil {
			return err
		}
		if err := f.c.DeleteRules(&slb.DeleteRulesArgs{RegionId: f.region, RuleIds: mustJSON([]string{f.ruleId})}); err != nil {
			return err
		}
		resp, err := f.c.DescribeRules(&slb.DescribeRulesArgs{RegionId: f.region, LoadBalancerId: f.lb1, ListenerPort: port})
		if err != nil {
			return err
		}
		var c checks
		c.eq("rules after delete", len(resp.Rules.Rule), 0)
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Error paths

func apiErr(err error) (*common.Error, error) {
	if err == nil {
		return nil, fmt.Errorf("the call succeeded, want an error")
	}
	e, ok := err.(*common.Error)
	if !ok {
		return nil, fmt.Errorf("error %T is not a *common.Error: %v", err, err)
	}
	return e, nil
}

func (f *flows) errorPaths() {
	f.r.step("error: DescribeLoadBalancerAttribute of a missing id", func() error {
		e, err := apiErr(func() error { _, err := f.c.DescribeLoadBalancerAttribute("lb-aliyungonotthere0000000"); return err }())
		if err != nil {
			return err
		}
		var c checks
		c.eq("Code", e.Code, "InvalidLoadBalancerId.NotFound")
		c.eq("StatusCode", e.StatusCode, 404)
		c.nonEmpty("RequestId", e.RequestId)
		c.nonEmpty("Message", e.Message)
		return c.err()
	})
	f.r.step("error: StartLoadBalancerListener of a missing listener", func() error {
		if err := need(f.lb1 != "", "load balancer"); err != nil {
			return err
		}
		e, err := apiErr(f.c.StartLoadBalancerListener(f.lb1, 4999))
		if err != nil {
			return err
		}
		var c checks
		c.ok(e.StatusCode >= 400 && e.StatusCode < 500, "StatusCode = %d, want 4xx", e.StatusCode)
		c.nonEmpty("Code", e.Code)
		c.nonEmpty("RequestId", e.RequestId)
		return c.err()
	})
	f.r.step("error: wrong AccessKey secret", func() error {
		bad := slb.NewClientWithEndpoint(os.Getenv("OPENSLB_ENDPOINT"), os.Getenv("OPENSLB_AK_ID"), "wrong-secret")
		e, err := apiErr(func() error { _, err := bad.DescribeRegions(); return err }())
		if err != nil {
			return err
		}
		var c checks
		c.eq("Code", e.Code, "SignatureDoesNotMatch")
		c.eq("StatusCode", e.StatusCode, 400)
		c.nonEmpty("RequestId", e.RequestId)
		return c.err()
	})
}

// ---------------------------------------------------------------------------------------------
// Cleanup

func (f *flows) cleanup() {
	for _, g := range []*string{&f.vsg2, &f.vsg1} {
		g := g
		if *g == "" {
			continue
		}
		f.r.step("DeleteVServerGroup "+*g, func() error {
			if _, err := f.c.DeleteVServerGroup(&slb.DeleteVServerGroupArgs{RegionId: f.region, VServerGroupId: *g}); err != nil {
				return err
			}
			_, err := f.c.DescribeVServerGroupAttribute(&slb.DescribeVServerGroupAttributeArgs{RegionId: f.region, VServerGroupId: *g})
			if _, e := apiErr(err); e != nil {
				return fmt.Errorf("after delete, DescribeVServerGroupAttribute: %v", e)
			}
			return nil
		})
	}
	for _, id := range []string{f.lb2, f.lb1} {
		id := id
		if id == "" {
			continue
		}
		f.r.step("DeleteLoadBalancer "+id, func() error {
			if err := f.c.DeleteLoadBalancer(id); err != nil {
				return err
			}
			list, err := f.c.DescribeLoadBalancers(&slb.DescribeLoadBalancersArgs{RegionId: f.region, LoadBalancerId: id})
			if err != nil {
				return err
			}
			if len(list) != 0 {
				return fmt.Errorf("still listed after delete: %+v", list)
			}
			return nil
		})
	}
	if f.certId != "" {
		f.r.step("DeleteServerCertificate", func() error {
			if err := f.c.DeleteServerCertificate(f.region, f.certId); err != nil {
				return err
			}
			resp, err := f.c.DescribeServerCertificates(&slb.DescribeServerCertificatesArgs{RegionId: f.region})
			if err != nil {
				return err
			}
			for _, s := range resp.ServerCertificates.ServerCertificate {
				if s.ServerCertificateId == f.certId {
					return fmt.Errorf("certificate %s still listed after delete", f.certId)
				}
			}
			return nil
		})
	}
}
