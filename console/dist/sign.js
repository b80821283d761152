const enc = new TextEncoder();
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const sha256Hex = async (s) => hex(await crypto.subtle.digest('SHA-256', enc.encode(s)));
async function hmacHex(secret, s) {
    const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return hex(await crypto.subtle.sign('HMAC', key, enc.encode(s)));
}
const percentEncode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
export const formBody = (params) => Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
const randomNonce = () => hex(crypto.getRandomValues(new Uint8Array(16)).buffer);
const isoSeconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
export async function signV3(input, cred) {
    const headers = {
        host: input.host,
        'content-type': 'application/x-www-form-urlencoded',
        'x-acs-action': input.action,
        'x-acs-version': input.version,
        'x-acs-date': input.date ?? isoSeconds(),
        'x-acs-signature-nonce': input.nonce ?? randomNonce(),
        'x-acs-content-sha256': await sha256Hex(input.body),
    };
    if (cred.securityToken)
        headers['x-acs-security-token'] = cred.securityToken;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim()}\n`).join('');
    const signedHeaders = names.join(';');
    const canonicalRequest = [input.method, '/', '', canonicalHeaders, signedHeaders, headers['x-acs-content-sha256']].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${await sha256Hex(canonicalRequest)}`;
    const signature = await hmacHex(cred.accessKeySecret, stringToSign);
    headers['authorization'] = `ACS3-HMAC-SHA256 Credential=${cred.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
    delete headers['host'];
    return headers;
}
