// DescribeRouteTableList: every read of Terraform's alicloud_vpc calls it after DescribeVpcAttribute
// (reference/products-notes.md §5) and fails the read on any error but not-found, so without it
// `terraform apply` of a VPC cannot finish. OpenSLB models one system route table per VPC (the
// RouteTableId/VRouterId CreateVpc answers); no routes.
//
// reference/vpc-api.json does not collect this action, so its spec is written here from public
// sources: request parameters from aliyun/aliyun-openapi-meta en-US/vpc/DescribeRouteTableList.json
// (commit 379ce6bbe0f9c6467cd9ada39c3b7172e9641e77), the response tree from the v1 Go SDK
// (aliyun/alibaba-cloud-sdk-go services/vpc/describe_route_table_list.go) and the fields the npm
// model @alicloud/vpc20160428 7.3.2 adds (DescribeRouteTableListResponseBody).
import type { ActionSpec, ParamSpec, ResponseNode } from '../../api/spec.js';
import type { QueryScope, Tx } from '../../state/store.js';
import { defaultResourceGroupId, type VpcDoc, type VSwitchDoc } from '../../world/world.js';
import { routeTableOf, vrouterOf, type Tag } from './networks.js';

const s = (name: string): ResponseNode => ({ name, type: 'String' });
const str = (name: string, required = false): ParamSpec => ({ name, type: 'String', required });

export const DESCRIBE_ROUTE_TABLE_LIST: ActionSpec = {
  params: [
    { name: 'PageNumber', type: 'Integer', required: false, min: 1 },
    { name: 'PageSize', type: 'Integer', required: false, min: 1, max: 50 },
    str('RegionId', true),
    str('ResourceGroupId'),
    str('RouteTableId'),
    str('RouteTableName'),
    { name: 'RouteTableType', type: 'String', required: false, enum: ['System', 'Custom'] },
    str('RouterId'),
    { name: 'RouterType', type: 'String', required: false, enum: ['VRouter', 'VBR'] },
    { name: 'Tag', type: 'RepeatList', required: false, repeat: { wire: 'Tag.N.Key / Tag.N.Value', elementFields: [{ name: 'Key', type: 'String' }, { name: 'Value', type: 'String' }] } },
    str('VpcId'),
  ],
  sdkExtraParams: ['ResourceOwnerId', 'ResourceOwnerAccount', 'OwnerAccount', 'OwnerId'],
  response: {
    root: 'DescribeRouteTableListResponse',
    fields: [
      s('RequestId'),
      { name: 'PageSize', type: 'Integer' },
      { name: 'PageNumber', type: 'Integer' },
      { name: 'TotalCount', type: 'Integer' },
      {
        name: 'RouterTableList',
        type: 'List',
        itemKey: 'RouterTableListType',
        items: {
          type: 'Object',
          fields: [
            s('VpcId'),
            s('RouterType'),
            s('RouterId'),
            s('RouteTableId'),
            s('RouteTableName'),
            s('RouteTableType'),
            s('Description'),
            s('CreationTime'),
            s('ResourceGroupId'),
            s('Status'),
            s('AssociateType'),
            { name: 'OwnerId', type: 'Long' },
            { name: 'RoutePropagationEnable', type: 'Boolean' },
            { name: 'VSwitchIds', type: 'List', itemKey: 'VSwitchId', items: { type: 'String' } },
            { name: 'GatewayIds', type: 'List', itemKey: 'GatewayIds', items: { type: 'String' } },
            { name: 'Tags', type: 'List', itemKey: 'Tag', items: { type: 'Object', fields: [s('Key'), s('Value')] } },
          ],
        },
      },
    ],
  },
};

export interface RouteTableFilter {
  VpcId?: string;
  RouteTableId?: string;
  RouterId?: string;
  RouteTableName?: string;
  RouteTableType?: string;
  RouterType?: string;
  ResourceGroupId?: string;
}

/** The system route table of each VPC of the caller that passes the filter. */
export async function routeTables(tx: Tx, scope: QueryScope & { region: string }, account: string, f: RouteTableFilter, tags: Tag[]): Promise<Record<string, unknown>[]> {
  // a VBR, a custom table, a named or tagged table: OpenSLB has none of those
  if ((f.RouterType && f.RouterType !== 'VRouter') || (f.RouteTableType && f.RouteTableType !== 'System') || f.RouteTableName || tags.length) return [];
  const vpcs = (await tx.query<VpcDoc>('vpc', scope, { where: { Status: ['Creating', 'Available', 'Deleting'] }, ...(f.VpcId ? { ids: [f.VpcId] } : {}) })).map((r) => r.doc);
  const out: Record<string, unknown>[] = [];
  for (const v of vpcs) {
    const rg = v.ResourceGroupId ?? defaultResourceGroupId(account);
    if (f.RouteTableId && f.RouteTableId !== routeTableOf(v)) continue;
    if (f.RouterId && f.RouterId !== vrouterOf(v)) continue;
    if (f.ResourceGroupId && f.ResourceGroupId !== rg) continue;
    const vsws = (await tx.query<VSwitchDoc>('vswitch', scope, { where: { VpcId: v.VpcId } })).map((r) => r.doc.VSwitchId);
    out.push({
      VpcId: v.VpcId,
      RouterType: 'VRouter',
      RouterId: vrouterOf(v),
      RouteTableId: routeTableOf(v),
      RouteTableName: '',
      RouteTableType: 'System',
      Description: '',
      CreationTime: v.CreationTime,
      ResourceGroupId: rg,
      Status: 'Available',
      AssociateType: 'VSwitch',
      OwnerId: Number(account),
      RoutePropagationEnable: true,
      VSwitchIds: vsws,
      GatewayIds: [],
      Tags: [],
    });
  }
  return out;
}
