// Server and CA certificates: UploadServerCertificate, DeleteServerCertificate,
// DescribeServerCertificates, SetServerCertificateName, UploadCACertificate, DeleteCACertificate,
// DescribeCACertificates, SetCACertificateName. Rules in src/products/slb/services/certificates.ts.
import { randomInt } from 'node:crypto';
import { fail } from '../../../errors/catalog.js';
import {
  certificateId,
  certificateUses,
  certInfo,
  checkKeyMatches,
  parseCertificatePem,
  parsePrivateKeyPem,
  sealKey,
  type CACertificateDoc,
  type ServerCertificateDoc,
} from '../services/certificates.js';
import { matchesTags, readCreateTags, tagsOut } from '../services/create-tags.js';
import { KINDS } from '../services/model.js';
import { checkName, nameMatcher } from '../services/names.js';
import { scopeOf } from '../services/scope.js';
import { dropTags, getTags, putTags, type Tag } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { defaultResourceGroupId } from '../../../world/resource-groups.js';
import { defineAction, type Ctx } from '../registry.js';
import { requireRegion } from './regions.js';

const UPLOAD_NAME = nameMatcher(['letters', 'digits', '-', '_', '.'], true);
const RENAME = nameMatcher(['letters', 'digits', '-', '_', '.', '/', '*']);
const CA_NAME = nameMatcher(['letters', 'digits', '-', '_', '.'], true);
const rand = () => randomInt(0, 0x7fffffff) / 0x80000000;

/**
 * The certificates of one kind a Describe asks for: by comma-separated id list, resource group and
 * tags, in the named region or every region of the account, each with its tags. Across regions they
 * come region by region, the regions in the order of their first certificate of the kind.
 */
async function findCerts<T extends { ResourceGroupId?: string }>(
  ctx: Ctx,
  tx: Tx,
  kind: string,
  idOf: (c: T) => string,
  p: { RegionId?: string; ResourceGroupId?: string; Tag?: { Key?: string; Value?: string }[] },
  idList: string | undefined,
): Promise<{ cert: T; tags: Tag[] }[]> {
  const account = ctx.caller.accountId;
  const region = p.RegionId ? requireRegion(p.RegionId).RegionId : undefined;
  const ids = idList ? [...new Set(idList.split(',').map((s) => s.trim()).filter(Boolean))] : undefined;
  const rows = await tx.query<T>(kind, { account, region }, { ids, match: p.ResourceGroupId ? { ResourceGroupId: p.ResourceGroupId } : {} });
  const regions = [...new Set(rows.map((r) => r.region))];
  if (regions.length > 1) {
    // each region's first certificate, and those in the store's order: the regions' order
    const firsts: string[] = [];
    for (const r of regions) for (const { doc } of await tx.query<T>(kind, { account, region: r }, { limit: 1 })) firsts.push(idOf(doc));
    const rank = new Map<string, number>();
    for (const { region: r } of await tx.query<T>(kind, { account }, { ids: firsts })) if (!rank.has(r)) rank.set(r, rank.size);
    rows.sort((a, b) => rank.get(a.region)! - rank.get(b.region)!);
  }
  const out: { cert: T; tags: Tag[] }[] = [];
  for (const { region: r, doc: cert } of rows) {
    const tags = await getTags(tx, scopeOf(ctx, r), 'certificate', idOf(cert));
    if (matchesTags(tags, p.Tag)) out.push({ cert, tags });
  }
  return out;
}

function serverCertOut(c: ServerCertificateDoc) {
  return {
    ServerCertificateId: c.ServerCertificateId,
    ServerCertificateName: c.ServerCertificateName,
    Fingerprint: c.Fingerprint,
    CommonName: c.CommonName,
    SubjectAlternativeNames: { SubjectAlternativeName: c.SubjectAlternativeNames },
    ExpireTime: c.ExpireTime,
    ExpireTimeStamp: c.ExpireTimeStamp,
    CreateTime: c.CreateTime,
    CreateTimeStamp: c.CreateTimeStamp,
    RegionId: c.RegionId,
    RegionIdAlias: c.RegionId,
    ResourceGroupId: c.ResourceGroupId,
    IsAliCloudCertificate: 0,
    AliCloudCertificateId: '',
    AliCloudCertificateName: '',
  };
}

function caCertOut(c: CACertificateDoc) {
  return {
    CACertificateId: c.CACertificateId,
    CACertificateName: c.CACertificateName,
    Fingerprint: c.Fingerprint,
    CommonName: c.CommonName,
    ExpireTime: c.ExpireTime,
    ExpireTimeStamp: c.ExpireTimeStamp,
    CreateTime: c.CreateTime,
    CreateTimeStamp: c.CreateTimeStamp,
    RegionId: c.RegionId,
    ResourceGroupId: c.ResourceGroupId,
  };
}

/** A ServerCertificateId that is only blanks reaches the handler (the validator drops empty ones). */
function serverCertIdOf(id: string): string {
  const t = id.trim();
  if (!t) fail('InvalidParameter', 'The specified parameter ServerCertificateId is empty.');
  return t;
}

async function findServerCert(ctx: Ctx, tx: Tx, id: string, regionId?: string): Promise<{ scope: Scope; cert: ServerCertificateDoc }> {
  const region = regionId ? requireRegion(regionId).RegionId : undefined;
  const found = await tx.find<ServerCertificateDoc>(KINDS.serverCertificate, ctx.caller.accountId, id);
  if (found && (!region || found.region === region)) return { scope: scopeOf(ctx, found.region), cert: found.doc };
  // The id of a CA certificate is not a server certificate id (seed row 137).
  const ca = await tx.find<CACertificateDoc>(KINDS.caCertificate, ctx.caller.accountId, id);
  if (ca && (!region || ca.region === region)) fail('InvalidParameter', 'The specified parameter ServerCertificateId is not Support.');
  fail('ServerCertificateId.NotFound', 'The specified ServerCertificateId does not exist.');
}

async function findCaCert(ctx: Ctx, tx: Tx, id: string, regionId: string | undefined): Promise<{ scope: Scope; cert: CACertificateDoc }> {
  const region = regionId ? requireRegion(regionId).RegionId : undefined;
  const found = await tx.find<CACertificateDoc>(KINDS.caCertificate, ctx.caller.accountId, id.trim());
  if (!found || (region && found.region !== region)) fail('CACertificateId.NotFound', 'The specified CACertificateId does not exist.');
  return { scope: scopeOf(ctx, found.region), cert: found.doc };
}

defineAction({
  name: 'UploadServerCertificate',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    // OpenSLB has no certificate service to fetch a certificate from (docs/acls-certificates.md).
    if (p.AliCloudCertificateId || p.AliCloudCertificateName) fail('UnsupportedParameter', 'The specified parameter is not unsupported.');
    checkName(p.ServerCertificateName, UPLOAD_NAME);
    const tags = readCreateTags(p.Tag);
    if (!p.ServerCertificate?.trim() || !p.PrivateKey?.trim()) fail('InvalidParameter', 'The specified parameter ServerCertificate or Key is empty.');
    const cert = parseCertificatePem(p.ServerCertificate);
    const key = parsePrivateKeyPem(p.PrivateKey);
    checkKeyMatches(cert.leaf, key.key);
    const now = ctx.clock.now();
    const id = certificateId(ctx.caller.accountId, now, ctx.ids.random ? () => ctx.ids.random!('certificate') : rand);
    const doc: ServerCertificateDoc = {
      ServerCertificateId: id,
      ServerCertificateName: p.ServerCertificateName ?? '',
      RegionId: region,
      ResourceGroupId: p.ResourceGroupId || defaultResourceGroupId(ctx.caller.accountId),
      CreateTime: isoSeconds(now),
      CreateTimeStamp: now,
      ...certInfo(cert.leaf),
      CertificatePem: cert.pem,
      PrivateKeySealed: sealKey(ctx.store, id, key.pem),
    };
    const scope = scopeOf(ctx, region);
    await ctx.store.write(async (tx) => {
      await tx.put(KINDS.serverCertificate, scope, id, doc);
      if (tags.length) await putTags(tx, scope, 'certificate', id, tags);
    });
    return serverCertOut(doc);
  },
});

defineAction({
  name: 'DeleteServerCertificate',
  async handler(ctx, p) {
    const id = serverCertIdOf(p.ServerCertificateId);
    await ctx.store.write(async (tx) => {
      const { scope, cert } = await findServerCert(ctx, tx, id, p.RegionId);
      const uses = await certificateUses(tx, scope, cert.ServerCertificateId, 'ServerCertificateId');
      if (uses.listeners.length) fail('CertificateAndPrivateKeyIsRefered', 'The specified certificate is bound to listeners. You cannot delete it.');
      if (uses.domainExtensions) fail('CertificateAndPrivateKeyIsRefered', 'Certificate and PrivateKey Is Refered.');
      await tx.delete(KINDS.serverCertificate, scope, cert.ServerCertificateId);
      await dropTags(tx, scope, 'certificate', cert.ServerCertificateId);
    });
    return {};
  },
});

defineAction({
  name: 'SetServerCertificateName',
  async handler(ctx, p) {
    const id = serverCertIdOf(p.ServerCertificateId);
    checkName(p.ServerCertificateName, RENAME);
    await ctx.store.write(async (tx) => {
      const { scope, cert } = await findServerCert(ctx, tx, id, p.RegionId);
      await tx.put(KINDS.serverCertificate, scope, cert.ServerCertificateId, { ...cert, ServerCertificateName: p.ServerCertificateName });
    });
    return {};
  },
});

defineAction({
  name: 'DescribeServerCertificates',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const found = await findCerts<ServerCertificateDoc>(ctx, tx, KINDS.serverCertificate, (c) => c.ServerCertificateId, p, p.ServerCertificateId);
      const out = found.map(({ cert: c, tags }) => ({
        ...serverCertOut(c),
        EncryptionAlgorithm: c.EncryptionAlgorithm,
        EncryptionKeyLength: c.EncryptionKeyLength,
        Tags: tagsOut(tags),
      }));
      return { ServerCertificates: { ServerCertificate: out } };
    });
  },
});

defineAction({
  name: 'UploadCACertificate',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    if (p.CACertificateName !== undefined && [...p.CACertificateName].length > 80) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
    checkName(p.CACertificateName, CA_NAME);
    const tags = readCreateTags(p.Tag);
    const cert = parseCertificatePem(p.CACertificate);
    const now = ctx.clock.now();
    const id = certificateId(ctx.caller.accountId, now, ctx.ids.random ? () => ctx.ids.random!('certificate') : rand);
    const doc: CACertificateDoc = {
      CACertificateId: id,
      CACertificateName: p.CACertificateName ?? '',
      RegionId: region,
      ResourceGroupId: p.ResourceGroupId || defaultResourceGroupId(ctx.caller.accountId),
      CreateTime: isoSeconds(now),
      CreateTimeStamp: now,
      ...certInfo(cert.leaf),
      CertificatePem: cert.pem,
    };
    const scope = scopeOf(ctx, region);
    await ctx.store.write(async (tx) => {
      await tx.put(KINDS.caCertificate, scope, id, doc);
      if (tags.length) await putTags(tx, scope, 'certificate', id, tags);
    });
    const { RegionId: _region, ...answer } = caCertOut(doc);
    return answer;
  },
});

defineAction({
  name: 'DeleteCACertificate',
  async handler(ctx, p) {
    await ctx.store.write(async (tx) => {
      const { scope, cert } = await findCaCert(ctx, tx, p.CACertificateId, p.RegionId);
      const uses = await certificateUses(tx, scope, cert.CACertificateId, 'CACertificateId');
      if (uses.listeners.length) fail('CertificateAndPrivateKeyIsRefered', 'The specified certificate is bound to listeners. You cannot delete it.');
      await tx.delete(KINDS.caCertificate, scope, cert.CACertificateId);
      await dropTags(tx, scope, 'certificate', cert.CACertificateId);
    });
    return {};
  },
});

defineAction({
  name: 'SetCACertificateName',
  async handler(ctx, p) {
    if ([...p.CACertificateName].length > 80) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
    checkName(p.CACertificateName, CA_NAME);
    await ctx.store.write(async (tx) => {
      const { scope, cert } = await findCaCert(ctx, tx, p.CACertificateId, p.RegionId);
      await tx.put(KINDS.caCertificate, scope, cert.CACertificateId, { ...cert, CACertificateName: p.CACertificateName });
    });
    return {};
  },
});

defineAction({
  name: 'DescribeCACertificates',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const found = await findCerts<CACertificateDoc>(ctx, tx, KINDS.caCertificate, (c) => c.CACertificateId, p, p.CACertificateId);
      const out = found.map(({ cert: c, tags }) => ({
        ...caCertOut(c),
        EncryptionAlgorithm: c.EncryptionAlgorithm,
        EncryptionKeyLength: c.EncryptionKeyLength,
        StandardType: 'INTERNATIONAL',
        Tags: tagsOut(tags),
      }));
      return { CACertificates: { CACertificate: out } };
    });
  },
});
