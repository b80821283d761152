import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors/catalog.js';
import { aclIdsOfListener, addEntries, parseEntry, readEntries, removeEntries, type AclDoc } from '../../src/products/slb/services/acls.js';
import { readPolicy } from '../../src/products/slb/services/tls-cipher-policies.js';
import type { ListenerDoc } from '../../src/products/slb/services/model.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as ApiError).code;
  }
  return 'ok';
};

test('parseEntry: CIDR blocks and bare addresses of both versions, nothing else', () => {
  assert.deepEqual(parseEntry('10.0.0.0/8'), { cidr: '10.0.0.0/8', version: 'ipv4' });
  assert.deepEqual(parseEntry(' 1.2.3.4 '), { cidr: '1.2.3.4/32', version: 'ipv4' });
  assert.deepEqual(parseEntry('0.0.0.0/0'), { cidr: '0.0.0.0/0', version: 'ipv4' });
  assert.deepEqual(parseEntry('2001:DB8::/32'), { cidr: '2001:db8::/32', version: 'ipv6' });
  assert.deepEqual(parseEntry('::1'), { cidr: '::1/128', version: 'ipv6' });
  assert.deepEqual(parseEntry('::ffff:1.2.3.4/128'), { cidr: '::ffff:102:304/128', version: 'ipv6' });
  for (const bad of ['', '1.2.3', '1.2.3.4/33', '01.2.3.4/8', '1.2.3.4/08', '1.2.3.4/-1', '300.1.1.1', 'abc', '2001:db8::/129', '1.2.3.4/8/8', '0x7f.0.0.1', 'fe80::1%eth0']) {
    assert.equal(parseEntry(bad), undefined, bad);
  }
});

test('entries: version check, skip exact duplicates, conflict on another comment, cap, remove', () => {
  const acl: AclDoc = { AclId: 'acl-1', AclName: 'a', AddressIPVersion: 'ipv4', ResourceGroupId: 'rg', CreateTime: '', Entries: [{ AclEntryIP: '1.1.1.1/32', AclEntryComment: 'x' }] };
  assert.equal(code(() => readEntries([{ entry: '::1' }], 'ipv4')), 'IllegalEntry');
  assert.equal(code(() => readEntries([{ entry: 'nope' }], 'ipv4')), 'IpListItemFormatError');
  assert.equal(code(() => readEntries([{}], 'ipv4')), 'IpListItemFormatError');
  assert.deepEqual(readEntries([{ entry: '1.1.1.1/32, 2.2.2.0/24', comment: 'two' }], 'ipv4'), [
    { AclEntryIP: '1.1.1.1/32', AclEntryComment: 'two' },
    { AclEntryIP: '2.2.2.0/24', AclEntryComment: 'two' },
  ]);
  assert.equal(code(() => readEntries([{ entry: '1.1.1.1/32,' }], 'ipv4')), 'IpListItemFormatError');
  assert.equal(code(() => readEntries([{ entry: Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`).join(',') }], 'ipv4')), 'InvalidParameter');
  assert.equal(addEntries(acl, [{ AclEntryIP: '1.1.1.1/32', AclEntryComment: 'x' }]).length, 1);
  assert.equal(code(() => addEntries(acl, [{ AclEntryIP: '1.1.1.1/32', AclEntryComment: 'y' }])), 'InvalidParam.AclEntryExists');
  const full = { ...acl, Entries: Array.from({ length: 300 }, (_, i) => ({ AclEntryIP: `10.0.${i % 256}.${Math.floor(i / 256)}/32`, AclEntryComment: '' })) };
  assert.equal(code(() => addEntries(full, [{ AclEntryIP: '9.9.9.9/32', AclEntryComment: '' }])), 'AclEntryExceedLimit');
  assert.deepEqual(removeEntries(acl, [{ AclEntryIP: '1.1.1.1/32', AclEntryComment: 'other' }, { AclEntryIP: '2.2.2.2/32', AclEntryComment: '' }]), []);
  assert.equal(code(() => removeEntries(acl, [{ AclEntryIP: '2.2.2.2/32', AclEntryComment: '' }])), 'AclEntryEmpty');
});

test('aclIdsOfListener reads AclId and every AclIds shape', () => {
  const l = (extra: Record<string, unknown>) => ({ LoadBalancerId: 'lb', ListenerPort: 80, ListenerProtocol: 'http', Status: 'stopped', ...extra }) as ListenerDoc;
  assert.deepEqual(aclIdsOfListener(l({ AclId: 'acl-a' })), ['acl-a']);
  assert.deepEqual(aclIdsOfListener(l({ AclIds: 'acl-a, acl-b' })), ['acl-a', 'acl-b']);
  assert.deepEqual(aclIdsOfListener(l({ AclIds: ['acl-a'], AclId: 'acl-c' })), ['acl-c', 'acl-a']);
  assert.deepEqual(aclIdsOfListener(l({ AclIds: { AclId: ['acl-d'] } })), ['acl-d']);
  assert.deepEqual(aclIdsOfListener(l({})), []);
});

test('readPolicy: suites per version', () => {
  assert.deepEqual(readPolicy(['TLSv1.3', 'TLSv1.2'], ['TLS_AES_256_GCM_SHA384', 'AES256-SHA256']), { TLSVersions: ['TLSv1.2', 'TLSv1.3'], Ciphers: ['TLS_AES_256_GCM_SHA384', 'AES256-SHA256'] });
  assert.deepEqual(readPolicy(['TLSv1.0', 'TLSv1.1'], ['DES-CBC3-SHA']).Ciphers, ['DES-CBC3-SHA']);
  assert.equal(code(() => readPolicy(['TLSv1.1'], ['AES256-SHA256'])), 'InvalidParameter');
  assert.equal(code(() => readPolicy(['TLSv1.2', 'TLSv1.3'], ['AES256-SHA256'])), 'InvalidParameter');
  assert.equal(code(() => readPolicy(['TLSv1.0'], [])), 'InvalidParameter');
  assert.equal(code(() => readPolicy(['SSLv3'], ['AES128-SHA'])), 'InvalidParameter');
});
