// Prints, as JSON, the Go type of every field of every response struct that aliyungo's slb
// package decodes, keyed by action: what a strict client pins about the wire. Read by
// test/aliyungo/wire-types.test.ts, which holds OpenSLB's response trees to it.
// Build in GOPATH mode: GO111MODULE=off GOPATH=/usr/share/gocode go run ./test/aliyungo/types
package main

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"

	"github.com/denverdino/aliyungo/common"
	"github.com/denverdino/aliyungo/slb"
	"github.com/denverdino/aliyungo/util"
)

// The struct each slb.Client method hands to Invoke for an action (slb/*.go).
var responses = map[string]interface{}{
	"AddBackendServers":                          slb.AddBackendServersResponse{},
	"AddListenerWhiteListItem":                   slb.CommonLoadBalancerListenerResponse{},
	"AddTags":                                    slb.AddTagsResponse{},
	"AddVServerGroupBackendServers":              slb.AddVServerGroupBackendServersResponse{},
	"CreateLoadBalancer":                         slb.CreateLoadBalancerResponse{},
	"CreateLoadBalancerHTTPListener":             slb.CommonLoadBalancerListenerResponse{},
	"CreateLoadBalancerHTTPSListener":            slb.CommonLoadBalancerListenerResponse{},
	"CreateLoadBalancerTCPListener":              slb.CommonLoadBalancerListenerResponse{},
	"CreateLoadBalancerUDPListener":              slb.CommonLoadBalancerListenerResponse{},
	"CreateRules":                                slb.CreateRulesResponse{},
	"CreateVServerGroup":                         slb.CreateVServerGroupResponse{},
	"DeleteLoadBalancer":                         slb.DeleteLoadBalancerResponse{},
	"DeleteLoadBalancerListener":                 slb.CommonLoadBalancerListenerResponse{},
	"DeleteRules":                                slb.DeleteRulesResponse{},
	"DeleteServerCertificate":                    slb.DeleteServerCertificateResponse{},
	"DeleteVServerGroup":                         slb.DeleteVServerGroupResponse{},
	"DescribeHealthStatus":                       slb.DescribeHealthStatusResponse{},
	"DescribeListenerAccessControlAttribute":     slb.DescribeListenerAccessControlAttributeResponse{},
	"DescribeLoadBalancerAttribute":              slb.DescribeLoadBalancerAttributeResponse{},
	"DescribeLoadBalancerHTTPListenerAttribute":  slb.DescribeLoadBalancerHTTPListenerAttributeResponse{},
	"DescribeLoadBalancerHTTPSListenerAttribute": slb.DescribeLoadBalancerHTTPSListenerAttributeResponse{},
	"DescribeLoadBalancerTCPListenerAttribute":   slb.DescribeLoadBalancerTCPListenerAttributeResponse{},
	"DescribeLoadBalancerUDPListenerAttribute":   slb.DescribeLoadBalancerUDPListenerAttributeResponse{},
	"DescribeLoadBalancers":                      slb.DescribeLoadBalancersResponse{},
	"DescribeRegions":                            slb.DescribeRegionsResponse{},
	"DescribeRuleAttribute":                      slb.DescribeRuleAttributeResponse{},
	"DescribeRules":                              slb.DescribeRulesResponse{},
	"DescribeServerCertificates":                 slb.DescribeServerCertificatesResponse{},
	"DescribeTags":                               slb.DescribeTagsResponse{},
	"DescribeVServerGroupAttribute":              slb.DescribeVServerGroupAttributeResponse{},
	"DescribeVServerGroups":                      slb.DescribeVServerGroupsResponse{},
	"ModifyLoadBalancerInstanceSpec":             common.Response{},
	"ModifyLoadBalancerInternetSpec":             slb.ModifyLoadBalancerInternetSpecResponse{},
	"ModifyVServerGroupBackendServers":           slb.ModifyVServerGroupBackendServersResponse{},
	"RemoveBackendServers":                       slb.RemoveBackendServersResponse{},
	"RemoveListenerWhiteListItem":                slb.CommonLoadBalancerListenerResponse{},
	"RemoveTags":                                 slb.RemoveTagsResponse{},
	"RemoveVServerGroupBackendServers":           slb.RemoveVServerGroupBackendServersResponse{},
	"SetBackendServers":                          slb.SetBackendServersResponse{},
	"SetListenerAccessControlStatus":             slb.CommonLoadBalancerListenerResponse{},
	"SetLoadBalancerHTTPListenerAttribute":       slb.CommonLoadBalancerListenerResponse{},
	"SetLoadBalancerHTTPSListenerAttribute":      slb.CommonLoadBalancerListenerResponse{},
	"SetLoadBalancerName":                        slb.SetLoadBalancerNameResponse{},
	"SetLoadBalancerStatus":                      slb.SetLoadBalancerStatusResponse{},
	"SetLoadBalancerTCPListenerAttribute":        slb.CommonLoadBalancerListenerResponse{},
	"SetLoadBalancerUDPListenerAttribute":        slb.CommonLoadBalancerListenerResponse{},
	"SetRule":                                    slb.SetRuleResponse{},
	"SetServerCertificateName":                   slb.SetServerCertificateNameResponse{},
	"SetVServerGroupAttribute":                   slb.SetVServerGroupAttributeResponse{},
	"StartLoadBalancerListener":                  slb.CommonLoadBalancerListenerResponse{},
	"StopLoadBalancerListener":                   slb.CommonLoadBalancerListenerResponse{},
	"UploadServerCertificate":                    slb.UploadServerCertificateResponse{},
}

// Field is one leaf: its path (list items as "Name[]") and the JSON kind Go accepts there.
type Field struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // int, float, string, bool, time (util.ISO6801Time: string or number)
	Go   string `json:"go"`
}

var timeType = reflect.TypeOf(util.ISO6801Time{})

func walk(t reflect.Type, prefix string, out *[]Field) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Type != timeType {
			walk(f.Type, prefix, out) // embedded: encoding/json flattens it
			continue
		}
		leaf(f.Type, prefix+f.Name, out)
	}
}

func leaf(t reflect.Type, path string, out *[]Field) {
	kind := ""
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		kind = "int"
	case reflect.Float32, reflect.Float64:
		kind = "float"
	case reflect.String:
		kind = "string"
	case reflect.Bool:
		kind = "bool"
	case reflect.Struct:
		if t == timeType {
			kind = "time"
			break
		}
		*out = append(*out, Field{Path: path, Kind: "object", Go: t.String()})
		walk(t, path+".", out)
		return
	case reflect.Slice:
		*out = append(*out, Field{Path: path, Kind: "array", Go: t.String()})
		leaf(t.Elem(), path+"[]", out)
		return
	case reflect.Ptr:
		leaf(t.Elem(), path, out)
		return
	default:
		kind = t.Kind().String()
	}
	*out = append(*out, Field{Path: path, Kind: kind, Go: t.String()})
}

func main() {
	names := make([]string, 0, len(responses))
	for n := range responses {
		names = append(names, n)
	}
	sort.Strings(names)
	all := map[string][]Field{}
	for _, n := range names {
		fields := []Field{}
		walk(reflect.TypeOf(responses[n]), "", &fields)
		all[n] = fields
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(all); err != nil {
		os.Exit(1)
	}
}
