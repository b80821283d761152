// Builds src/errors/catalog.data.ts from the shared reference data. Run with `npm run gen`.
// The generated file is committed; test/unit/catalog.test.ts checks it against the seed itself
// and a CI step checks that regeneration changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ref = resolve(process.argv[2] ?? '../shared/reference');
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

// Gateway (POP) errors, as quoted in real responses (see shared/reference/protocol.md §7).
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

// Action-specific rows read from the per-action documentation.
for (const [action, spec] of Object.entries(api)) {
  for (const e of spec.errors) {
    add({ code: e.code, http: e.http, message: e.message, descriptionZh: '', source: 'action', actions: [action] });
  }
}

// Codes whose text comes from real responses quoted in public issues, or that real clients branch
// on without a published text; OpenSLB fixes one text for each and says so in `note`.
const openslb: Omit<Entry, 'source'>[] = [
  { code: 'InvalidLoadBalancerId.NotFound', http: 404, message: 'The specified LoadBalancerId does not exist.', descriptionZh: '指定的负载均衡实例不存在。', note: 'text and status from real responses quoted in terraform-provider-alicloud issues' },
  { code: 'InvalidParameter', http: 404, message: 'The specified MasterSlaveGroupId does not exist.', descriptionZh: '指定的主备服务器组不存在。', note: 'terraform-provider-alicloud matches the text "The specified MasterSlaveGroupId does not exist" (code InvalidParameter) on Describe/DeleteMasterSlaveServerGroup; status 404 and the final period follow the sibling seed row for VServerGroupId' },
  // Tags (src/services/tags.ts, docs/tags.md).
  { code: 'InvalidResourceId.NotFound', http: 404, message: 'The specified ResourceId is not found in our records.', descriptionZh: '指定的资源不存在。', note: 'code, status and text of the Alibaba Cloud tag service as quoted in real responses (alibaba/terraform-provider issue #120); OpenSLB answers it for a TagResources/UntagResources ResourceId that does not exist in the caller\'s region' },
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
];
for (const o of openslb) add({ ...o, source: 'openslb' });

const out = `// GENERATED by scripts/gen-catalog.ts from shared/reference — do not edit by hand.
// source: seed = the user's seed table (row = its row number); gateway = the POP gateway's common
// codes; action = per-action documentation; openslb = text fixed by OpenSLB (see note).
export const CATALOG = ${JSON.stringify(entries, null, 1)} as const;
`;
writeFileSync('src/errors/catalog.data.ts', out);
console.log(`catalog: ${entries.length} entries (${entries.filter((e) => e.source === 'seed').length} seed rows)`);
