// Success and error envelopes in JSON and XML (reference/protocol.md §5–6).
import { XMLBuilder } from 'fast-xml-parser';
import type { ApiError } from '../errors/catalog.js';

export type Format = 'JSON' | 'XML';

const builder = new XMLBuilder({ ignoreAttributes: true, format: false, suppressEmptyNode: false, processEntities: true });

export interface Rendered {
  status: number;
  contentType: string;
  body: string;
}

export function renderSuccess(action: string, requestId: string, result: Record<string, unknown>, format: Format): Rendered {
  const body = { RequestId: requestId, ...result };
  if (format === 'XML') {
    return {
      status: 200,
      contentType: 'text/xml;charset=utf-8',
      body: `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ [`${action}Response`]: body }) as string}`,
    };
  }
  return { status: 200, contentType: 'application/json;charset=utf-8', body: JSON.stringify(body) };
}

export function renderError(err: ApiError, requestId: string, hostId: string, recommend: string, format: Format): Rendered {
  if (format === 'XML') {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return {
      status: err.http,
      contentType: 'text/xml;charset=utf-8',
      body:
        `<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>${requestId}</RequestId><HostId>${esc(hostId)}</HostId>` +
        `<Code>${esc(err.code)}</Code><Message>${esc(err.text)}</Message><Recommend><![CDATA[${recommend.replace(/]]>/g, ']]&gt;')}]]></Recommend></Error>`,
    };
  }
  return {
    status: err.http,
    contentType: 'application/json;charset=utf-8',
    body: JSON.stringify({ RequestId: requestId, HostId: hostId, Code: err.code, Message: err.text, Recommend: recommend }),
  };
}
