// Builds src/errors/catalog.data.ts from the reference data in reference/. Run with `npm run gen`.
// The generated file is committed; test/unit/catalog.test.ts checks it against the seed itself
// and a CI step checks that regeneration changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ref = resolve(process.argv[2] ?? 'reference');
interface Row { row: number; http: number; code: string; message: string; descriptionZh: string }
const seed = JSON.parse(readFileSync(`${ref}/seed-errors.json`, 'utf8')) as { errors: Row[] };
const api = JSON.parse(readFileSync(`${ref}/slb-api.json`, 'utf8')) as Record<string, {
  errors: { http: number; code: string; message: string; source: string }[];
}>;

type Source = 'seed' | 'gateway' | 'action' | 'openslb';
interface Entry {
  code: string; http: number; message: string; descriptionZh: string; source: Source;
  row?: number; actions?: string[]; note?: string;
}
const entries: Entry[] = [];
const key = (c: string, m: string) => `${c}\u0000${m}`;
const seen = new Map<string, Entry>();
function add(e: Entry) {
  const k = key(e.code, e.message);
  const prev = seen.get(k);
  if (prev) {
    if (e.actions) prev.actions = [...new Set([...(prev.actions ?? []), ...e.actions])];
    return;
  }
  seen.set(k, e);
  entries.push(e);
}

for (const r of seed.errors) {
  add({ code: r.code.replace(/\s+/g, ''), http: r.http, message: r.message, descriptionZh: r.descriptionZh, source: 'seed', row: r.row });
}

// Gateway (POP) errors, as quoted in real responses (see reference/protocol.md §7).
// `{name}` placeholders are filled when raised.
const gateway: Omit<Entry, 'source'>[] = [
  { code: 'MissingParameter', http: 400, message: 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', descriptionZh: '缺少必填参数。' },
  { code: 'InvalidTimeStamp.Format', http: 400, message: 'Specified time stamp or date value is not well formatted.', descriptionZh: '时间戳格式不正确。' },
  { code: 'InvalidTimeStamp.Expired', http: 400, message: 'Specified time stamp or date value is expired.', descriptionZh: '时间戳与服务器时间相差超过15分钟。' },
  { code: 'SignatureNonceUsed', http: 400, message: 'Specified signature nonce was used already.', descriptionZh: '签名随机数在15分钟内已被使用。' },
  { code: 'InvalidAccessKeyId.NotFound', http: 404, message: 'Specified access key is not found.', descriptionZh: 'AccessKeyId 不存在。' },
  { code: 'InvalidAccessKeyId.Inactive', http: 400, message: 'Specified access key is disabled.', descriptionZh: 'AccessKeyId 已被禁用。' },
  { code: 'SignatureDoesNotMatch', http: 400, message: 'Specified signature is not matched with our calculation. server string to sign is:{stringToSign}', descriptionZh: '签名不匹配（V1）。' },
  { code: 'SignatureDoesNotMatch', http: 400, message: 'Specified signature does not match our calculation. server StringToSign is [{stringToSign}]', descriptionZh: '签名不匹配（V3）。' },
  { code: 'IncompleteSignature', http: 400, message: 'The request signature does not conform to Aliyun standards.', descriptionZh: '签名信息不完整或格式不正确。' },
  { code: 'InvalidSignatureMethod', http: 400, message: 'Specified signature method is not valid.', descriptionZh: '签名方法无效。' },
  { code: 'UnsupportedSignatureVersion', http: 400, message: 'Specified signature version is not supported.', descriptionZh: '签名版本不支持。' },
  { code: 'UnsupportedHTTPMethod', http: 400, message: 'Specified http method is not supported.', descriptionZh: '不支持该 HTTP 方法。' },
  { code: 'InvalidAction.NotFound', http: 404, message: 'Specified api is not found, please check your url and method.', descriptionZh: 'API 不存在。' },
  { code: 'InvalidVersion', http: 400, message: 'Specified parameter Version is not valid.', descriptionZh: 'API 版本无效。' },
  { code: 'InvalidParameter.Format', http: 400, message: 'Specified parameter format is not valid.', descriptionZh: 'Format 参数无效。' },
  { code: 'Throttling', http: 400, message: 'Request was denied due to request throttling.', descriptionZh: '请求被流控。' },
  { code: 'Throttling.User', http: 400, message: 'Request was denied due to user flow control.', descriptionZh: '用户请求被流控。' },
  { code: 'Throttling.Api', http: 400, message: 'Request was denied due to api flow control.', descriptionZh: 'API 请求被流控。' },
  { code: 'InvalidSecurityToken.Malformed', http: 400, message: 'Specified SecurityToken is malformed.', descriptionZh: 'STS 令牌格式不正确或不存在。' },
  { code: 'InvalidSecurityToken.Expired', http: 400, message: 'Specified SecurityToken is expired.', descriptionZh: 'STS 令牌已过期。' },
  { code: 'InvalidSecurityToken.MismatchWithAccessKey', http: 400, message: 'Specified SecurityToken mismatch with the AccessKey.', descriptionZh: 'STS 令牌与 AccessKey 不匹配。' },
  { code: 'ServiceUnavailable', http: 503, message: 'The request has failed due to a temporary failure of the server.', descriptionZh: '服务暂时不可用。' },
  { code: 'InternalError', http: 500, message: 'The request processing has failed due to some unknown error.', descriptionZh: '未知的内部错误。' },
];
for (const g of gateway) add({ ...g, source: 'gateway' });

// Action-specific rows read from the per-action documentation. That documentation gives English
// only; the Chinese descriptions below are OpenSLB's own wording, so the error center is bilingual.
const actionZh: Record<string, string> = {
  'InvalidParam.AclEntryExists': '该访问控制条目已存在于访问控制策略组中。',
  IllegalEntry: '条目版本与访问控制策略组的版本冲突。',
  'Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch': '参数 VServerGroupId 与 MasterSlaveServerGroupId 不匹配。',
  LbNotSupportTcpssl: '该负载均衡实例不能创建 TCPSSL 类型的监听。',
  LbSupportTcpsslOnly: '该负载均衡实例仅支持 TCPSSL 类型的监听。',
  ListenerNotSupportRule: '该监听不能创建转发规则。',
  'InvalidParamLength.HealthCheckReq': '参数 HealthCheckReq 的长度无效。',
  VipNotSupportQuicVersion: '该监听不支持参数 QuicVersion。',
  BACKEND_SERVERS_NUM_MUST_BE_TWO: '后端服务器的数量必须为 2。',
  BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID: '后端服务器的端口和服务器 ID 重复。',
  BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE: '后端服务器只能包含一台主服务器和一台备服务器。',
  BACKEND_SERVER_ID_CAN_NOT_EMPTY: '后端服务器 ID 不能为空。',
  INVALID_SERVER_TYPE: '服务器类型无效。',
  BACKEND_SERVER_PORT_CAN_NOT_EMPTY: '后端服务器端口不能为空。',
  RealServerPortNotSupport: '不支持该后端服务器端口。',
  'OperationFailed.ListenerStatusNotSupport': '监听当前的状态不支持该操作，请稍后再试。',
  'OperationDenied.DeleteProtectionIsOn': '该负载均衡实例已开启删除保护，不能删除。',
  ListenerForwardExist: '该监听被其他监听转发，请先删除监听转发关系。',
  TooManyListeners: '找到多个监听，请指定更明确的条件。',
  'Operation.NotAllowed\u0000The specified listener is not allowed to operate.': '不允许操作该监听。',
  'Operation.NotAllowed\u0000The specified rules must be in the same listener.': '指定的转发规则必须属于同一个监听。',
  'Operation.NotAllowed\u0000Operation Denied. Unfinished purchase exists.': '操作被拒绝：存在未完成的订单。',
  'OperationFailed.ListenerConflict': '存在相同端口的监听，该转发规则不支持此操作。',
  CertificateAndPrivateKeyIsRefered: '该证书已被监听引用，不能删除。',
  'InvalidParameter\u0000Illegal parameter, query.namespace is not auth.': '参数非法：无权访问 query.namespace。',
  ModifySpecNotAllowed: '该实例不允许修改为此规格。',
  ChangeLbSpecNotAllowed: '不能修改该负载均衡实例的规格。',
  'OperationFailed.UnpaidBillsExist': '账户存在未支付的账单，请先支付欠费账单。',
  'OperationFailed.ActionNotSupport': 'IPv6 类型的负载均衡实例不支持该操作。',
  'OperationUnsupported.SetAccessControl': 'singleTunnel/anyTunnel 类型的负载均衡实例不支持配置访问控制。',
  'OperationUnsupported.DeleteProtectionForPrePayInstance': '预付费实例不支持删除保护。',
  'OperationUnsupported.SetLoadBalancerStatus': '该负载均衡实例所在的可用区不支持此操作。',
  'InvalidParamLength.HealthCheckExp': '参数 HealthCheckExp 的长度无效。',
  'Operation.Deny': '该监听正在配置中，请稍后再试。',
};
for (const [action, spec] of Object.entries(api)) {
  for (const e of spec.errors) {
    const descriptionZh = actionZh[key(e.code, e.message)] ?? actionZh[e.code] ?? '';
    add({ code: e.code, http: e.http, message: e.message, descriptionZh, source: 'action', actions: [action] });
  }
}

// Codes whose text comes from real responses quoted in public issues, or that real clients branch
// on without a published text; OpenSLB fixes one text for each and says so in `note`.
const openslb: Omit<Entry, 'source'>[] = [
  { code: 'InvalidLoadBalancerId.NotFound', http: 404, message: 'The specified LoadBalancerId does not exist.', descriptionZh: '指定的负载均衡实例不存在。', note: 'text and status from real responses quoted in terraform-provider-alicloud issues' },
  { code: 'InvalidParameter', http: 404, message: 'The specified MasterSlaveGroupId does not exist.', descriptionZh: '指定的主备服务器组不存在。', note: 'terraform-provider-alicloud matches the text "The specified MasterSlaveGroupId does not exist" (code InvalidParameter) on Describe/DeleteMasterSlaveServerGroup; status 404 and the final period follow the sibling seed row for VServerGroupId' },
  // Tags (src/products/slb/services/tags.ts, docs/tags.md).
  { code: 'InvalidResourceId.NotFound', http: 404, message: 'The specified ResourceIds are not found in our records.', descriptionZh: '指定的资源不存在。', note: 'code, status and text of the Alibaba Cloud tag service\'s TagResources/ListTagResources error tables (the same tag backend serves SLB; the legacy single-resource AddTags said "ResourceId is"); OpenSLB answers it for a TagResources/UntagResources ResourceId that does not exist in the caller\'s region' },
  { code: 'InvalidParameter.TagKey', http: 400, message: 'The specified tag key is invalid.', descriptionZh: '指定的标签键无效。', note: 'from the error table of the SLB AddTags API reference; OpenSLB uses it on every tag action for an empty key or one starting with aliyun, acs:, http:// or https://' },
  { code: 'InvalidParameter.TagValue', http: 400, message: 'The specified tag value is illegal.', descriptionZh: '指定的标签值无效。', note: 'from the error table of the SLB AddTags API reference; OpenSLB uses it on every tag action for a value starting with aliyun, acs:, http:// or https://' },
  { code: 'Duplicate.TagKey', http: 400, message: 'The Tag.N.Key contain duplicate key.', descriptionZh: '标签键重复。', note: 'from the error table of the SLB AddTags API reference; OpenSLB answers it when one call names the same tag key twice' },
  // Forwarding rules, domain extensions, access logs, high-definition monitor (docs/rules-and-extensions.md).
  { code: 'InvalidParameter.DomainExtensionId', http: 400, message: 'The specified DomainExtensionId does not exist.', descriptionZh: '指定的扩展域名不存在。', note: 'from the error tables of the SLB DeleteDomainExtension and SetDomainExtensionAttribute API reference; OpenSLB answers it on every domain-extension action for an id that does not exist in the caller\'s region' },
  { code: 'DomainExtensionProcessing', http: 400, message: 'A previous configuration of the DomainExtension is pending, please try again later.', descriptionZh: '指定的扩展域名正在变配中，请稍后重试。', note: 'from the error tables of the SLB Create/Delete/SetDomainExtension(Attribute) API reference; answered while an extension of the listener is still being applied' },
  { code: 'InvalidParameter.ServerCertificateId', http: 400, message: 'The specified ServerCertificateId does not exist.', descriptionZh: '指定的服务器证书不存在。', note: 'from the error tables of the SLB CreateDomainExtension and SetDomainExtensionAttribute API reference' },
  { code: 'InvalidParameter.Domain', http: 400, message: 'The specified Domain exists.', descriptionZh: '指定的域名已存在。', note: 'from the error table of the SLB CreateDomainExtension API reference; answered for a second extension with the same domain on one listener' },
  { code: 'Operation.NotAllowed', http: 400, message: 'The AccessLogDownloadAttribute already exists.', descriptionZh: '访问日志配置已存在。', note: 'from the error table of the SLB SetAccessLogsDownloadAttribute API reference' },
  { code: 'InvalidProject.NotExist', http: 400, message: 'The specified project does not exist.', descriptionZh: '指定的日志项目不存在。', note: 'from the error table of the SLB SetAccessLogsDownloadAttribute API reference; OpenSLB also answers it on Enable/ModifyHighDefinationMonitor for a log project missing from the world registry' },
  { code: 'OperationNotAllowed.HighDefinitionMonitorEnabled', http: 400, message: 'The operation is not allowed because HighDefinitionMonitor is already enabled in this region.', descriptionZh: '当前地域的秒级监控已经被开启。', note: 'from the error table of the SLB EnableHighDefinationMonitor API reference' },
  // ACLs, certificates, TLS cipher policies (src/products/slb/services/acls.ts, certificates.ts, tls-cipher-policies.ts; docs/acls-certificates.md).
  { code: 'AclNotExist', http: 400, message: 'The specified acl does not exist.', descriptionZh: '指定的访问控制策略组不存在。', note: 'code from terraform-provider-alicloud (SlbAclNotExists: read/delete treat it as gone); no published text was found, so OpenSLB chose this one' },
  { code: 'AclNameExist', http: 400, message: 'The specified acl name already exists.', descriptionZh: '访问控制策略组名称已存在。', note: 'code from terraform-provider-alicloud (SlbAclNameExist); text chosen by OpenSLB; answered when an ACL name is taken in the region' },
  { code: 'AclNumberOverLimit', http: 400, message: 'The number of acls exceeds the limit.', descriptionZh: '访问控制策略组数量超过限制。', note: 'code from terraform-provider-alicloud (SlbAclNumberOverLimit on CreateAccessControlList); text chosen by OpenSLB; limit 50 ACLs per region (CreateAccessControlList API reference)' },
  { code: 'AclEntryEmpty', http: 400, message: 'Acl does not have any entry.', descriptionZh: '访问控制策略组中不存在指定条目。', note: 'text from the SLB 2014-05-15 error-code reference (help.aliyun.com); Terraform treats it as success on RemoveAccessControlListEntry; OpenSLB answers it when none of the entries to remove is in the ACL' },
  { code: 'AclEntryExceedLimit', http: 400, message: 'The maximum number of ACL entries is exceeded.', descriptionZh: '访问控制条目数量超过限制。', note: 'text from the SLB 2014-05-15 error-code reference (help.aliyun.com); answered when an ACL would hold more than 300 entries' },
  { code: 'OperationFailed.AclBindedWithVip', http: 400, message: 'The ACL has binded with vip.', descriptionZh: '操作失败，访问控制策略组已与监听绑定。', note: 'error table of the DeleteAccessControlList API reference (help.aliyun.com); answered when a listener still references the ACL' },
  { code: 'ServerCertificateId.NotFound', http: 404, message: 'The specified ServerCertificateId does not exist.', descriptionZh: '指定的服务器证书不存在。', note: 'code from terraform-provider-alicloud (delete treats it as gone); no published text was found: OpenSLB chose the text, status 404 as for the other *.NotFound codes' },
  { code: 'CACertificateId.NotFound', http: 404, message: 'The specified CACertificateId does not exist.', descriptionZh: '指定的CA证书不存在。', note: 'code from terraform-provider-alicloud (delete treats it as gone); no published text was found: OpenSLB chose the text, status 404 as for the other *.NotFound codes' },
  { code: 'CertificateAndPrivateKeyIsRefered', http: 400, message: 'The specified certificate is bound to listeners. You cannot delete it.', descriptionZh: '当前证书已经关联监听，无法删除。', note: 'error table of the DeleteCACertificate API reference (help.aliyun.com), the same text as DeleteServerCertificate', actions: ['DeleteCACertificate'] },
  { code: 'InvalidTLSPolicyId.NotExist', http: 400, message: 'The specified TLS cipher policy does not exist.', descriptionZh: '指定的TLS策略不存在。', note: 'error table of the DeleteTLSCipherPolicy API reference (help.aliyun.com); OpenSLB answers it on every TLS cipher policy action that names a missing policy' },
  { code: 'TLSPolicyBeingUsed', http: 400, message: 'The specified TLS cipher policy is being used.', descriptionZh: '指定的TLSCipherPolicy正在使用中。', note: 'error table of the DeleteTLSCipherPolicy API reference; OpenSLB answers it when a running HTTPS listener uses the policy' },
  { code: 'TLSPolicyRelated', http: 400, message: 'The specified TLS cipher policy is related with listeners.', descriptionZh: '指定的TLSCipherPolicy已关联监听。', note: 'error table of the DeleteTLSCipherPolicy API reference; OpenSLB answers it when only listeners that are not running reference the policy' },
];
for (const o of openslb) add({ ...o, source: 'openslb' });

const out = `// GENERATED by scripts/gen-catalog.ts from reference/ — do not edit by hand.
// source: seed = the user's seed table (row = its row number); gateway = the POP gateway's common
// codes; action = per-action documentation; openslb = text fixed by OpenSLB (see note).
export const CATALOG = ${JSON.stringify(entries, null, 1)} as const;
`;
writeFileSync('src/errors/catalog.data.ts', out);
console.log(`catalog: ${entries.length} entries (${entries.filter((e) => e.source === 'seed').length} seed rows)`);
