// kind 'securityGroup' (src/products/slb/services/model.ts KINDS), scope (account, region), id sg-…
export interface PermissionDoc {
  SecurityGroupRuleId: string;
  Direction: 'ingress' | 'egress';
  /** lower case as stored; answered upper case like the service (TCP, UDP, ICMP, GRE, ALL) */
  IpProtocol: string;
  PortRange: string;
  SourceCidrIp: string;
  SourceGroupId: string;
  SourceGroupOwnerAccount: string;
  SourcePortRange: string;
  DestCidrIp: string;
  Policy: 'Accept' | 'Drop';
  Priority: number;
  NicType: 'intranet' | 'internet';
  Description: string;
  CreateTime: string;
}

export interface SecurityGroupDoc {
  SecurityGroupId: string;
  SecurityGroupName: string;
  Description: string;
  SecurityGroupType: 'normal' | 'enterprise';
  VpcId: string;
  RegionId: string;
  CreationTime: string;
  ResourceGroupId: string;
  InnerAccessPolicy: 'Accept' | 'Drop';
  Tags: { Key: string; Value: string }[];
  Permissions: PermissionDoc[];
}
